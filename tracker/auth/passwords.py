"""Password hashing (argon2id) and the password policy."""
from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

_STRONG = PasswordHasher()  # argon2id, the library's current recommended parameters
# Only for the test suite (TestingConfig.FAST_PASSWORD_HASHING): the same algorithm at minimal
# cost, so hundreds of sign-ins through the real form take seconds, not minutes.
_FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _hasher() -> PasswordHasher:
    if has_app_context() and current_app.config.get("FAST_PASSWORD_HASHING"):
        return _FAST
    return _STRONG


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """A real hash of a throwaway password: unknown emails are verified against it, so a
    sign-in for an unknown address costs the same time as one for a known address."""
    return hasher.hash("not-a-real-password-0")

MIN_LENGTH = 12


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        hasher = _hasher()
        return hasher.verify(stored_hash or _dummy_hash(hasher), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, *, email: str = "") -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > 256:
        return "Use at most 256 characters."
    local = email.split("@")[0].lower() if email else ""
    if len(local) >= 4 and local in password.lower():
        return "Do not include your email name in the password."
    if len(set(password)) < 5:
        return "Use a less repetitive password."
    return None
