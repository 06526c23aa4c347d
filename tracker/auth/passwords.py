"""Password hashing (argon2id) and the password policy."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# A real hash of a throwaway password: unknown emails are verified against it, so a
# sign-in for an unknown address costs the same time as one for a known address.
_DUMMY_HASH = _hasher.hash("not-a-real-password-0")

MIN_LENGTH = 12


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
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
