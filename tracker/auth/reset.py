"""Password reset by email, and one-time links sent by email. Services flush; views commit.

A reset link carries a token signed with the app's secret (itsdangerous, salt
"password-reset"): the account's id and a fingerprint of its current password hash. It expires after PASSWORD_RESET_MINUTES and works once: setting the password
changes the hash, so the fingerprint no longer matches. Nothing is stored but the
email in the outbox (whose body, and so the token, is wiped once delivered).

Asking for a reset answers the same whatever the address: an unknown, inactive or known account
all get the same page; only the audit trail and the outbox differ. One email per account per
RESET_EMAIL_EVERY_MINUTES at most (the idempotency key holds it), and the route is rate
limited per address.
"""
from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from tracker.auth.services import AuthError, set_password, user_by_email
from tracker.core.audit.service import record_event
from tracker.core.outbox import MessageKind, app_url, enqueue
from tracker.core.users import User
from tracker.db import utcnow
from tracker.extensions import db

RESET_EMAIL_EVERY_MINUTES = 5
SAME_ANSWER = ("If an account uses that address, we have sent it a link to choose a new "
               "password. The link works once, for {minutes} minutes. No email? Check the "
               "address, wait a few minutes, or ask your clinic.")
LINK_PROBLEMS = {
    "expired": "This password reset link has expired. Ask for a new one.",
    "used": "This password reset link has already been used, or the password was changed "
            "since it was sent. Ask for a new one if you need to.",
    "invalid": "This password reset link is not valid. Ask for a new one.",
}


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _fingerprint(user: User) -> str:
    """Changes when the password does (argon2 salts every hash), not on a sign-out elsewhere."""
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:20]


def reset_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_token(token: str) -> User:
    """The account a reset token is for, or AuthError with a message from LINK_PROBLEMS."""
    max_age = current_app.config["PASSWORD_RESET_MINUTES"] * 60
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise AuthError(LINK_PROBLEMS["expired"]) from None
    except BadSignature:
        raise AuthError(LINK_PROBLEMS["invalid"]) from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active:
        raise AuthError(LINK_PROBLEMS["invalid"])
    if data.get("f") != _fingerprint(user):
        raise AuthError(LINK_PROBLEMS["used"])
    return user


def request_reset(email: str) -> None:
    """Queue a reset email if `email` belongs to an active account; audit either way."""
    user = user_by_email(email or "")
    if user is None or not user.active:
        record_event("request_password_reset", "user", user.id if user else None,
                     outcome="failure", user=user)
        return
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    window = int(utcnow().timestamp() // (RESET_EMAIL_EVERY_MINUTES * 60))
    link = app_url("reset.reset_password", token=reset_token(user))
    enqueue(key=f"reset:{user.id}:{window}", kind=MessageKind.PASSWORD_RESET,
            clinic_id=user.clinic_id, recipient_id=user.id, to_address=user.email,
            subject="Reset your Journey Tracker password",
            body=(f"Someone, we hope you, asked to reset the password of {user.email}.\n\n"
                  f"Choose a new password here (the link works once, for {minutes} minutes):\n"
                  f"{link}\n\nIf it was not you, ignore this email: your password stays as it is.\n"))
    record_event("request_password_reset", "user", user.id, user=user)


def reset_password(token: str, new_password: str) -> User:
    """Set the password from a reset link (which then stops working); end other sessions."""
    user = user_for_token(token)
    set_password(user, new_password)
    record_event("reset_password", "user", user.id, user=user)
    return user


def email_link(token: str, by: User) -> User:
    """Email a one-time link (a portal invitation, a new staff member's or a reset link) to its
    account's address, instead of passing it on by hand. Only its maker may send it."""
    from tracker.auth.services import link_for_token

    link = link_for_token(token)
    url = app_url("auth.redeem_link", token=token)
    if link.created_by_id != by.id:
        raise AuthError("Only the person who made this link can email it.")
    hours = current_app.config["INVITE_TTL_HOURS"]
    enqueue(key=f"link:{link.id}", kind=MessageKind.INVITATION, clinic_id=link.user.clinic_id,
            recipient_id=link.user_id, to_address=link.user.email,
            subject=f"{link.user.clinic.name}: your Journey Tracker link",
            body=(f"Hello {link.user.full_name},\n\n{link.user.clinic.name} has made you a link to "
                  f"set your Journey Tracker password. It works once and expires in {hours} "
                  f"hours:\n{url}\n\nIf you did not expect this email, tell your clinic.\n"))
    record_event(f"email_{link.purpose}_link", "user", link.user_id, user=by)
    return link.user
