"""Password hashing (argon2id) and the password policy."""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from zxcvbn import zxcvbn

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
MAX_LENGTH = 256
# zxcvbn's score 3: at least 10^8 guesses even for an attacker who tries common passwords,
# keyboard walks, dates, l33t spellings and the given names first.
MIN_SCORE = 3
WEAK = ("This password is too easy to guess: it is a common password or close to one "
        "(a keyboard row, a sequence, a word with digits added). A few unrelated words work well.")
OWN_WORDS = "Do not build the password from your name, your email address or your clinic's name."


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        hasher = _hasher()
        return hasher.verify(stored_hash or _dummy_hash(hasher), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def _score(password: str, own: list[str]) -> int:
    # zxcvbn's time grows with length; the first 100 characters decide anyway.
    return zxcvbn(password[:100], user_inputs=own)["score"] if password.strip() else 0


def _letters(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


def _own_words(email: str, names: Iterable[str]) -> list[str]:
    """The words an attacker who knows the account tries first: the email's parts, the
    person's and the clinic's names, whole and word by word."""
    words = []
    for text in (email, *names):
        if not text:
            continue
        words.append(text.lower())
        words.extend(w for w in re.split(r"[^\w]+", text.lower()) if len(w) >= 3)
    return words


def password_problem(password: str, *, email: str = "", names: Iterable[str] = ()) -> str | None:
    """Why a new password is not acceptable, or None (NIST SP 800-63B: length, no composition
    rules, refused when common or built from the account's own words).

    `names` are the user's full name and the clinic's name. zxcvbn (dictionaries of common
    passwords, words and names, plus keyboard, sequence, date and l33t patterns) judges the
    rest; the check for the account's own words is ours too, as zxcvbn only sees them when
    they form a large part of the password."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    own = _own_words(email, names)
    flat = _letters(password)
    for text in (email.split("@")[0] if email else "", *names):
        whole = _letters(text)
        if len(whole) >= 4 and (whole in flat or flat in whole):
            return OWN_WORDS
    # What is left without the account's own words must be strong on its own.
    rest = password
    for word in sorted(set(own), key=len, reverse=True):
        rest = re.sub(re.escape(word), "", rest, flags=re.IGNORECASE)
    if rest != password and _score(rest, own) < MIN_SCORE:
        return OWN_WORDS
    if _score(password, own) < MIN_SCORE:
        return WEAK
    return None
