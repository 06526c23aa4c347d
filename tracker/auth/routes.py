"""Sign in, sign out, change password, and set a password from a one-time link."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from tracker.auth import services
from tracker.auth.forms import ChangePasswordForm, NewPasswordForm, SignInForm
from tracker.core.access import ANY_ROLE, allow, public
from tracker.extensions import db, limiter
from tracker.security import start_session_clock

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no protocol-relative '//' or '\\'."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    return target


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"],
               error_message="Too many sign-in attempts from this address. Wait a minute and try again.")
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.SignInThrottled as error:
            db.session.commit()  # the refused attempt's audit event
            form.password.errors.append(str(error))
            status = 429
        else:
            db.session.commit()
            if user is not None and user.has_second_factor:
                # the failed-attempts notice waits until the second step is passed too
                from tracker.auth.two_factor_routes import begin_second_step
                return begin_second_step(user, form.next.data)
            failed = services.acknowledge_failed_sign_ins(user) if user else 0
            db.session.commit()
            if user is not None:
                session.clear()
                login_user(user)
                start_session_clock()
                if failed:
                    flash(f"There {'was' if failed == 1 else 'were'} {failed} failed sign-in "
                          f"attempt{'' if failed == 1 else 's'} on your account since you last "
                          "signed in. If that was not you, change your password.", "warning")
                return redirect(safe_next(form.next.data) or url_for("home.index"))
            form.password.errors.append(services.SIGN_IN_FAILED)
    return render_template("auth/sign_in.html", form=form,
                           show_demo=current_app.config.get("SHOW_DEMO_LOGINS")), status


@bp.route("/logout", methods=["POST"])
@allow(*ANY_ROLE)
def sign_out():
    """End the session on the server, not only in this browser: a copy of the cookie (another
    tab's, a stolen one) stops working too. The session epoch is per user, so this ends the
    user's sessions on every device."""
    services.end_sessions(current_user, action="sign_out")
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out, on this and every other device.", "info")
    return redirect(url_for("auth.sign_in"))


@bp.route("/account/password", methods=["GET", "POST"])
@allow(*ANY_ROLE)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.password.data)
        except services.AuthError as error:
            db.session.commit()  # keep the audit event of the failed attempt
            target = form.current if "current" in str(error) else form.password
            target.errors.append(str(error))
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # re-mint the cookie with the new epoch
            start_session_clock()
            flash("Your password is changed. Your other sessions have been signed out.", "success")
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/account/sessions/end-others", methods=["POST"])
@allow(*ANY_ROLE)
def end_other_sessions():
    """Sign out everywhere else (a lost phone, a shared computer), staying signed in here."""
    services.end_sessions(current_user)
    db.session.commit()
    login_user(current_user._get_current_object())  # this browser's cookie, at the new epoch
    start_session_clock()
    flash("Your other sessions are signed out, on every device. This one stays signed in.",
          "success")
    return redirect(url_for("auth.change_password"))


@bp.route("/welcome/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def redeem_link(token: str):
    """A patient's invitation, a new clinician's first password, or a reset."""
    if current_user.is_authenticated:
        logout_user()
        session.clear()
    try:
        link = services.link_for_token(token)
    except services.AuthError as error:
        return render_template("auth/link_problem.html", message=str(error)), 410
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.redeem_link(token, form.password.data)
        except services.AuthError as error:
            form.password.errors.append(str(error))
        else:
            db.session.commit()
            login_user(user)
            start_session_clock()
            flash("Welcome. Your password is set.", "success")
            return redirect(url_for("home.index"))
    return render_template("auth/set_password.html", form=form, link=link)


# The two-factor pages register themselves on bp.
from tracker.auth import two_factor_routes  # noqa: E402,F401
