"""Forgot my password (a reset link by email), and emailing a one-time link to its owner."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, logout_user

from tracker.auth import reset
from tracker.auth.forms import NewPasswordForm, ResetRequestForm
from tracker.auth.routes import safe_next
from tracker.auth.services import AuthError
from tracker.core.access import STAFF, allow, public
from tracker.core.audit.service import record_event
from tracker.extensions import db, limiter

bp = Blueprint("reset", __name__)


def _reset_limit() -> str:
    return current_app.config["RESET_RATE_LIMIT"]


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit(_reset_limit, methods=["POST"],
               error_message="Too many requests from this address. Wait a minute and try again.")
def request_reset():
    form = ResetRequestForm()
    sent = False
    if form.validate_on_submit():
        reset.request_reset(form.email.data)
        db.session.commit()
        sent = True
    return render_template("auth/forgot_password.html", form=form, sent=sent,
                           message=reset.SAME_ANSWER.format(
                               minutes=current_app.config["PASSWORD_RESET_MINUTES"]))


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_reset_limit, methods=["POST"])
def reset_password(token: str):
    if current_user.is_authenticated:
        logout_user()
    try:
        user = reset.user_for_token(token)
    except AuthError as error:
        record_event("reset_password", "user", None, outcome="failure")
        db.session.commit()
        return render_template("auth/link_problem.html", message=str(error)), 410
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            reset.reset_password(token, form.password.data)
        except AuthError as error:
            db.session.rollback()
            form.password.errors.append(str(error))
        else:
            db.session.commit()
            flash("Your password is changed, and any other session has been signed out. "
                  "Sign in with the new password.", "success")
            return redirect(url_for("auth.sign_in"))
    return render_template("auth/reset_password.html", form=form, user=user)


@bp.route("/links/email", methods=["POST"])
@allow(*STAFF)
def email_link():
    """Email a one-time link just made (invitation, new staff, reset) to its account."""
    token = request.form.get("token", "")
    back = safe_next(request.form.get("next")) or url_for("home.index")
    try:
        user = reset.email_link(token, current_user)
    except AuthError as error:
        db.session.rollback()
        record_event("email_link", "user", None, outcome="failure")
        db.session.commit()
        flash(str(error), "danger")
        return redirect(back)
    db.session.commit()
    flash(f"The link is queued for email to {user.email}.", "success")
    return redirect(back)
