"""Sign-in throttling per account and address, with growing delays (F7 of issue 11).

A lockout per account let anyone lock anyone out, the clinic lead included, with a handful of
wrong passwords. Here the count is kept per (email typed, address it came from): an attacker
elsewhere slows only their own guesses, never the owner's sign-in from the owner's own
address. After LOGIN_FREE_FAILURES failures each further attempt from that pair waits twice as
long as the last (LOGIN_DELAY_SECONDS, doubling, at most LOGIN_MAX_DELAY_SECONDS); a success
clears the pair's count. The per-address limit (LOGIN_RATE_LIMIT, on the route) still caps how
many accounts one address may try.

The counts live in the rate limiter's storage: Redis when REDIS_URL is set (shared by every
worker), memory otherwise (per process). The key is a hash of the email as typed, so an
unknown email is throttled exactly like a known one and the delay tells nothing about which
accounts exist.
"""
from __future__ import annotations

import hashlib
import math
import time

from flask import current_app, request

from tracker.extensions import limiter


def _key(kind: str, email: str) -> str:
    pair = f"{email.strip().lower()}|{request.remote_addr or '-'}"
    return f"signin-{kind}:{hashlib.sha256(pair.encode()).hexdigest()}"


def seconds_to_wait(email: str) -> int:
    """How long this (email, address) pair must wait before its next attempt; 0 if none."""
    storage = limiter.storage
    key = _key("wait", email)
    if not storage.get(key):
        return 0
    return max(1, math.ceil(storage.get_expiry(key) - time.time()))


def delay_after(failures: int) -> int:
    """Seconds to wait after `failures` failures in a row (0 while they are free)."""
    cfg = current_app.config
    over = failures - cfg["LOGIN_FREE_FAILURES"]
    if over < 0:
        return 0
    return min(cfg["LOGIN_MAX_DELAY_SECONDS"], cfg["LOGIN_DELAY_SECONDS"] * 2 ** min(over, 30))


def record_failure(email: str) -> int:
    """Count a failed attempt of this pair and start its wait; the number of failures."""
    storage = limiter.storage
    window = current_app.config["LOGIN_THROTTLE_WINDOW_HOURS"] * 3600
    failures = storage.incr(_key("failures", email), window)
    delay = delay_after(failures)
    if delay:
        storage.clear(_key("wait", email))
        storage.incr(_key("wait", email), delay)
    return failures


def clear(email: str) -> None:
    """A successful sign-in: this pair starts afresh."""
    limiter.storage.clear(_key("failures", email))
    limiter.storage.clear(_key("wait", email))
