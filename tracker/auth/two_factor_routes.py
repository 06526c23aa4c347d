"""Two-factor sign-in pages: the code after the password, and each account's own set-up.

Routes on the `auth` blueprint (imported at the bottom of tracker/auth/routes.py)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user

from tracker.auth import two_factor as tf
from tracker.auth.forms import CodeForm
from tracker.auth.routes import _login_limit, bp, safe_next
from tracker.core.access import ANY_ROLE, allow, public
from tracker.core.saving import Attempt, save
from tracker.core.users import User
from tracker.db import utcnow
from tracker.extensions import db, limiter
from tracker.security import start_session_clock

PENDING = "second_factor_pending"
PENDING_SECONDS = 300
MAX_TRIES = 5  # wrong codes per user in PENDING_SECONDS, whatever the session
# What a user who must set up a second factor may still reach until they have.
ENROLMENT_ENDPOINTS = frozenset({"auth.two_factor", "auth.two_factor_start",
                                 "auth.two_factor_setup", "auth.sign_out", "static"})


def begin_second_step(user: User, next_url: str | None):
    """After the right password: remember who is half signed in (for 5 minutes), ask the code."""
    session.clear()
    session[PENDING] = {"user": user.id, "epoch": user.session_epoch,
                        "at": utcnow().timestamp(), "next": safe_next(next_url)}
    return redirect(url_for("auth.second_factor"))


def _pending_user() -> tuple[User | None, dict]:
    pending = session.get(PENDING) or {}
    if not pending or utcnow().timestamp() - pending.get("at", 0) > PENDING_SECONDS:
        return None, pending
    user = db.session.get(User, pending.get("user"))
    if user is None or not user.active or user.session_epoch != pending.get("epoch") \
            or not user.has_second_factor:
        return None, pending
    return user, pending


@bp.route("/login/second-factor", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"],
               error_message="Too many attempts from this address. Wait a minute and try again.")
def second_factor():
    user, pending = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash("Sign in with your password first (or again: the code has to follow within "
              "five minutes).", "info")
        return redirect(url_for("auth.sign_in"))
    form = CodeForm()
    if form.validate_on_submit():
        if tf.recent_failures(user, PENDING_SECONDS) >= MAX_TRIES:
            return _too_many()
        ok = tf.verify_second_factor(user, form.code.data)
        db.session.commit()
        if ok:
            next_url = pending.get("next")
            session.clear()
            login_user(user)
            start_session_clock()
            left = tf.recovery_codes_left(user)
            if left < 3:
                flash(f"{left} recovery codes left: make new ones on the two-factor page.", "warning")
            return redirect(next_url or url_for("home.index"))
        if tf.recent_failures(user, PENDING_SECONDS) >= MAX_TRIES:
            return _too_many()
        form.code.errors.append("That code is not right. Type the code your app shows now, or "
                                "one of your recovery codes.")
        return render_template("auth/second_factor.html", form=form), 422
    return render_template("auth/second_factor.html", form=form)


def _too_many():
    session.pop(PENDING, None)
    flash(f"Too many wrong codes. Wait {PENDING_SECONDS // 60} minutes, then sign in again.",
          "warning")
    return redirect(url_for("auth.sign_in"))


# --- the account's own two-factor set-up ----------------------------------------------------

@bp.route("/account/two-factor")
@allow(*ANY_ROLE)
def two_factor():
    user = current_user._get_current_object()
    return render_template("auth/two_factor.html", user=user, required=tf.is_required(user),
                           codes_left=tf.recovery_codes_left(user) if user.has_second_factor else 0,
                           form=CodeForm())


@bp.route("/account/two-factor/start", methods=["POST"])
@allow(*ANY_ROLE)
def two_factor_start():
    user = current_user._get_current_object()
    outcome = save(None, lambda: tf.start_enrolment(user),
                   audit=Attempt("start_second_factor", "user", user.id))
    if not outcome.saved:
        flash(outcome.problem, "danger")
        return redirect(url_for("auth.two_factor"))
    return redirect(url_for("auth.two_factor_setup"))


@bp.route("/account/two-factor/setup", methods=["GET", "POST"])
@allow(*ANY_ROLE)
def two_factor_setup():
    user = current_user._get_current_object()
    if user.has_second_factor or user.totp_secret is None:
        return redirect(url_for("auth.two_factor"))
    form = CodeForm()
    outcome = save(form, lambda: tf.confirm_enrolment(user, form.code.data),
                   audit=Attempt("enrol_second_factor", "user", user.id))
    if outcome.saved:
        flash("Two-factor sign-in is on. Keep these recovery codes somewhere safe.", "success")
        return render_template("auth/recovery_codes.html", codes=outcome.value)
    return render_template("auth/two_factor_setup.html", form=form, secret=user.totp_secret,
                           qr=tf.qr_code_data_uri(user), problem=outcome.problem), outcome.status


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@allow(*ANY_ROLE)
def two_factor_recovery_codes():
    user = current_user._get_current_object()
    outcome = save(None, lambda: tf.regenerate_recovery_codes(user),
                   audit=Attempt("regenerate_recovery_codes", "user", user.id))
    if not outcome.saved:
        flash(outcome.problem, "danger")
        return redirect(url_for("auth.two_factor"))
    flash("New recovery codes made; the old ones no longer work.", "success")
    return render_template("auth/recovery_codes.html", codes=outcome.value)


@bp.route("/account/two-factor/disable", methods=["POST"])
@allow(*ANY_ROLE)
def two_factor_disable():
    user = current_user._get_current_object()
    form = CodeForm()
    outcome = save(form, lambda: tf.turn_off(user, form.code.data),
                   audit=Attempt("disable_second_factor", "user", user.id))
    if outcome.saved:
        flash("Two-factor sign-in is off.", "info")
        return redirect(url_for("auth.two_factor"))
    return render_template("auth/two_factor.html", user=user, required=tf.is_required(user),
                           codes_left=tf.recovery_codes_left(user), form=form,
                           problem=outcome.problem), outcome.status


def enforce_enrolment():
    """before_request: someone whose clinic requires a second factor of their role, and who
    has none yet, is sent to set it up before anything else."""
    if not current_user.is_authenticated or request.endpoint in ENROLMENT_ENDPOINTS:
        return None
    if tf.must_enrol(current_user):
        flash("Your clinic requires two-factor sign-in. Set it up to continue.", "info")
        return redirect(url_for("auth.two_factor"))
    return None
