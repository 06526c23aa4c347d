"""Two-factor sign-in: time-based one-time codes (TOTP, RFC 6238: 6 digits, 30-second steps,
SHA-1, as every authenticator app reads them) and single-use recovery codes.

The secret is made at enrolment and takes effect once the user confirms it with a first code.
A code is accepted once (the last accepted time step is kept) and one step early or late for
clock drift. Recovery codes are stored as SHA-256 hashes (they are random, 50 bits each: a
slow hash adds nothing) and each works once. Clinic settings say who must use a second
factor (require_2fa_leads, require_2fa_clinicians); anyone else, patients included, may opt in.
Services flush and audit; views commit.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import pyotp
import segno
import sqlalchemy as sa

from tracker.core.audit.models import AuditEvent
from tracker.core.audit.service import record_event
from tracker.core.users import CLINICIAN, LEAD, RecoveryCode, User
from tracker.db import utcnow
from tracker.extensions import db
from tracker.rules import Refused

ISSUER = "Session Journey Tracker"
SECOND_FACTOR = "second_factor"  # the audit action of a code typed at sign-in
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
REQUIRED_SETTING = {LEAD: "require_2fa_leads", CLINICIAN: "require_2fa_clinicians"}


def is_required(user: User) -> bool:
    """Does the user's clinic require a second factor of their role?"""
    key = REQUIRED_SETTING.get(user.role)
    return bool(key and user.clinic.setting(key))


def must_enrol(user: User) -> bool:
    return is_required(user) and not user.has_second_factor


# --- enrolment ------------------------------------------------------------------------------

def start_enrolment(user: User) -> str:
    """A new secret for `user`, not yet in force (a confirmed factor is never replaced here)."""
    if user.has_second_factor:
        raise Refused("Two-factor sign-in is already on. Turn it off first to set up a new device.")
    user.totp_secret = pyotp.random_base32()
    user.totp_confirmed_at = None
    db.session.flush()
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_data_uri(user: User) -> str:
    """The otpauth:// link as a QR code, an SVG drawn here (no outside service)."""
    return segno.make(provisioning_uri(user), error="m").svg_data_uri(scale=5, border=4)


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Put the pending secret in force with a first valid code; return new recovery codes."""
    if user.totp_secret is None or user.has_second_factor:
        raise Refused("Start the set-up again.")
    if not _accept_code(user, code):  # saving.save audits the refused attempt
        raise Refused("That code is not right. Check the time on your phone and type the code "
                      "the app shows now.", field="code")
    user.totp_confirmed_at = utcnow()
    codes = _new_recovery_codes(user)
    record_event("enrol_second_factor", "user", user.id, user=user)
    return codes


def turn_off(user: User, code: str) -> None:
    """The user turns their own second factor off, proving it with a code (or recovery code)."""
    if is_required(user):
        raise Refused("Your clinic requires two-factor sign-in for your role, so it stays on. "
                      "To move to a new phone, ask your clinic lead to reset it.")
    if not verify_second_factor(user, code, action="disable_second_factor"):
        raise Refused("That code is not right.", field="code")
    _clear(user)
    record_event("disable_second_factor", "user", user.id, user=user)


def reset_second_factor(staff: User, by: User) -> None:
    """A lead resets a staff member's second factor (a lost phone): the next sign-in enrols
    again, and every session of theirs ends."""
    if staff.clinic_id != by.clinic_id or staff.id == by.id:
        raise Refused("You can reset the second factor of other staff of your clinic only.")
    _clear(staff)
    staff.session_epoch += 1
    record_event("reset_second_factor", "user", staff.id, user=by)


def regenerate_recovery_codes(user: User) -> list[str]:
    if not user.has_second_factor:
        raise Refused("Turn two-factor sign-in on first.")
    codes = _new_recovery_codes(user)
    record_event("regenerate_recovery_codes", "user", user.id, user=user)
    return codes


def _clear(user: User) -> None:
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    _void_recovery_codes(user)
    db.session.flush()


# --- signing in -----------------------------------------------------------------------------

def verify_second_factor(user: User, code: str, *, action: str = SECOND_FACTOR) -> bool:
    """A current code from the app, or an unused recovery code (then spent). Audited."""
    code = "".join((code or "").split()).lower()
    ok = user.has_second_factor and (_accept_code(user, code) or _spend_recovery_code(user, code))
    record_event(action, "user", user.id, outcome="success" if ok else "failure", user=user)
    db.session.flush()
    return bool(ok)


def _accept_code(user: User, code: str) -> bool:
    code = "".join((code or "").split())
    if not (code.isdigit() and len(code) == 6) or user.totp_secret is None:
        return False
    totp, now = pyotp.TOTP(user.totp_secret), utcnow()
    step = int(now.timestamp()) // totp.interval
    for candidate in (step, step - 1, step + 1):
        if candidate <= (user.totp_last_step or -1):
            continue  # a code is good once: a replayed or older code is refused
        if secrets.compare_digest(totp.at(candidate * totp.interval), code):
            user.totp_last_step = candidate
            return True
    return False


def recent_failures(user: User, seconds: int) -> int:
    """Wrong second-factor codes for `user` in the last `seconds`, counted on the server (from
    the audit trail, by its user index), so a replayed cookie earns no extra tries."""
    since = utcnow() - timedelta(seconds=seconds)
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.user_id == user.id, AuditEvent.occurred_at >= since,
        AuditEvent.action == SECOND_FACTOR, AuditEvent.outcome == "failure")) or 0


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def _hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    _void_recovery_codes(user)
    now = utcnow()
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw), created_at=now))
    db.session.flush()
    return codes


def _void_recovery_codes(user: User) -> None:
    db.session.execute(sa.update(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)).values(used_at=utcnow()))


def _spend_recovery_code(user: User, code: str) -> bool:
    if len(code.replace("-", "")) != 10:
        return False
    spent = db.session.execute(
        sa.update(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                      RecoveryCode.code_hash == _hash(code),
                                      RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())).rowcount
    return spent == 1
