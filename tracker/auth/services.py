"""Signing in, sessions, passwords and one-time links. Services flush; views commit."""
from __future__ import annotations

import hashlib
import math
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from tracker.auth import throttle
from tracker.auth.passwords import hash_password, password_problem, verify_password
from tracker.core.audit.service import record_event
from tracker.core.outbox import MessageKind, app_url, enqueue
from tracker.core.users import OneTimeLink, User
from tracker.db import utcnow
from tracker.extensions import db

SIGN_IN_FAILED = "That email and password do not match an active account."


class AuthError(ValueError):
    """A message that is safe to show the user."""


class SignInThrottled(AuthError):
    """Too many failed sign-ins for this email from this address: wait `seconds`."""

    def __init__(self, seconds: int):
        self.seconds = seconds
        wait = f"{seconds} seconds" if seconds < 120 else f"{math.ceil(seconds / 60)} minutes"
        super().__init__(f"Too many failed sign-ins for this email from your address. Wait "
                         f"{wait}, then try again. If you have forgotten your password, ask "
                         "your clinic for a new link.")


def user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    """The user if the password is right and the account usable; else None.

    Failures slow further attempts of the same email from the same address (see throttle.py)
    but never lock the account; the caller shows one generic message whatever the reason
    (unknown email, wrong password, deactivated). SignInThrottled while that pair must wait:
    the password is then not even checked."""
    wait = throttle.seconds_to_wait(email)
    if wait:
        user = user_by_email(email)
        record_event("sign_in", "user", user.id if user else None, outcome="denied", user=user)
        raise SignInThrottled(wait)
    user = user_by_email(email)
    now = utcnow()
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None:
        throttle.record_failure(email)
        record_event("sign_in", "user", None, outcome="failure")
        return None
    if not user.active:
        throttle.record_failure(email)
        record_event("sign_in", "user", user.id, outcome="denied", user=user)
        return None
    if not password_ok:
        throttle.record_failure(email)
        user.failed_logins += 1
        record_event("sign_in", "user", user.id, outcome="failure", user=user)
        if user.failed_logins % current_app.config["LOGIN_ALERT_AFTER"] == 0:
            notify_owner_of_failed_sign_ins(user)
        return None
    throttle.clear(email)
    user.last_login_at = now
    record_event("sign_in", "user", user.id, user=user)
    return user


def notify_owner_of_failed_sign_ins(user: User) -> None:
    """Tell the account's owner that someone keeps failing to sign in as them: an audit event
    (leads see it), the notice at their next sign-in (acknowledge_failed_sign_ins) and an
    email, queued in this same transaction (it commits with the failed attempt). One email per
    run of failures: the key holds the count at which the alert fired and the day."""
    record_event("failed_sign_in_alert", "user", user.id, outcome="failure", user=user)
    enqueue(key=f"signin-alert:{user.id}:{utcnow().date().isoformat()}:{user.failed_logins}",
            kind=MessageKind.ACCOUNT_ALERT, clinic_id=user.clinic_id, recipient_id=user.id,
            to_address=user.email, subject="Repeated failed sign-ins to your account",
            body=(f"Someone has failed to sign in to your Journey Tracker account "
                  f"{user.failed_logins} times in a row. If it was you, nothing needs doing; "
                  f"you can reset your password at {app_url('reset.request_reset')}.\n\n"
                  "If it was not you, tell your clinic lead. Your account is not locked: "
                  "further guesses from elsewhere are slowed down."))


def acknowledge_failed_sign_ins(user: User) -> int:
    """Failed sign-ins since the owner's last sign-in (for the notice shown to them); resets
    the count. Call once the owner is fully signed in."""
    count, user.failed_logins = user.failed_logins, 0
    return count


def set_password(user: User, new_password: str) -> None:
    """Set a new password and end every other session of this user (bump the epoch)."""
    problem = password_problem(new_password, email=user.email,
                               names=(user.full_name, user.clinic.name))
    if problem:
        raise AuthError(problem)
    user.password_hash = hash_password(new_password)
    void_sessions(user)  # audited by the caller (change_password, redeem_link)
    db.session.flush()


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not verify_password(user.password_hash, current_password):
        record_event("change_password", "user", user.id, outcome="failure", user=user)
        raise AuthError("Your current password is not right.")
    set_password(user, new_password)
    record_event("change_password", "user", user.id, user=user)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def revoke_unused_links(user: User) -> None:
    """End every one-time link of `user` not yet used."""
    db.session.execute(
        sa.update(OneTimeLink)
        .where(OneTimeLink.user_id == user.id, OneTimeLink.used_at.is_(None),
               OneTimeLink.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def issue_link(user: User, purpose: str, created_by: User | None) -> str:
    """Make a one-time link token for `user` (revoking older unused ones); return the token.

    Only its hash is stored: the token is shown once, to the person who passes it on."""
    now = utcnow()
    revoke_unused_links(user)
    token = secrets.token_urlsafe(32)
    db.session.add(OneTimeLink(
        user_id=user.id, purpose=purpose, token_hash=_token_hash(token),
        created_by_id=created_by.id if created_by else None, created_at=now,
        expires_at=now + timedelta(hours=current_app.config["INVITE_TTL_HOURS"]),
    ))
    db.session.flush()
    record_event(f"issue_{purpose}_link", "user", user.id, user=created_by)
    return token


def link_for_token(token: str) -> OneTimeLink:
    """The usable link for `token`, or AuthError saying plainly why not."""
    link = db.session.scalar(sa.select(OneTimeLink).where(OneTimeLink.token_hash == _token_hash(token)))
    if link is None or link.revoked_at is not None:
        raise AuthError("This link is not valid. It may have been replaced by a newer one: "
                        "ask your clinic for a new link.")
    if link.used_at is not None:
        raise AuthError("This link has already been used. Sign in with your password, or ask "
                        "your clinic for a new link.")
    if link.expires_at <= utcnow():
        raise AuthError("This link has expired. Ask your clinic for a new link.")
    if not link.user.active:
        raise AuthError("This account is not active. Ask your clinic.")
    return link


def redeem_link(token: str, new_password: str) -> User:
    link = link_for_token(token)
    set_password(link.user, new_password)
    link.used_at = utcnow()
    record_event("redeem_link", "user", link.user_id, user=link.user)
    return link.user


def end_sessions(user: User, *, by: User | None = None, action: str = "end_sessions") -> None:
    """End every session of `user` on every device: the session epoch moves on, so each cookie
    minted before (a copied one included) stops working at its next request. Audited as
    `action` ("sign_out" when the user signs out; "end_sessions" otherwise)."""
    void_sessions(user)
    db.session.flush()
    record_event(action, "user", user.id, user=by or user)


def void_sessions(user: User) -> None:
    """The one mechanism that ends sessions (sign-out, sign out everywhere, a password change,
    a deactivation): the user loader accepts only cookies minted at the current epoch."""
    user.session_epoch += 1


def deactivate_user(user: User, by: User, reason: str | None = None) -> None:
    """Deactivate (never delete): sign-in refused, existing sessions and unused links end."""
    revoke_unused_links(user)
    user.active = False
    user.deactivated_at = utcnow()
    user.deactivation_reason = reason
    void_sessions(user)
    record_event("deactivate", "user", user.id, user=by)
