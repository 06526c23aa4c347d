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
import logging
import math
import time

from flask import current_app, request
from limits.storage import MemoryStorage

from tracker.extensions import limiter

_fallback = MemoryStorage()
log = logging.getLogger(__name__)


def _on_storage(operation):
    """Run `operation(storage)` on the limiter's storage; with Redis down, on this process's
    memory instead (logged), as the rate limiter itself falls back: a sign-in must never fail
    because the throttle's store is away."""
    try:
        return operation(limiter.storage)
    except Exception as error:  # the storage's own errors (redis.ConnectionError, timeouts...)
        log.warning("sign-in throttle storage unreachable (%s): counting in memory",
                    type(error).__name__)
        return operation(_fallback)


def _key(kind: str, email: str) -> str:
    pair = f"{email.strip().lower()}|{request.remote_addr or '-'}"
    return f"signin-{kind}:{hashlib.sha256(pair.encode()).hexdigest()}"


def seconds_to_wait(email: str) -> int:
    """How long this (email, address) pair must wait before its next attempt; 0 if none."""
    key = _key("wait", email)

    def wait(storage) -> int:
        if not storage.get(key):
            return 0
        return max(1, math.ceil(storage.get_expiry(key) - time.time()))
    return _on_storage(wait)


def delay_after(failures: int) -> int:
    """Seconds to wait after `failures` failures in a row (0 while they are free)."""
    cfg = current_app.config
    over = failures - cfg["LOGIN_FREE_FAILURES"]
    if over < 0:
        return 0
    return min(cfg["LOGIN_MAX_DELAY_SECONDS"], cfg["LOGIN_DELAY_SECONDS"] * 2 ** min(over, 30))


def record_failure(email: str) -> int:
    """Count a failed attempt of this pair and start its wait; the number of failures."""
    window = current_app.config["LOGIN_THROTTLE_WINDOW_HOURS"] * 3600
    failures_key, wait_key = _key("failures", email), _key("wait", email)

    def count(storage) -> int:
        failures = storage.incr(failures_key, window)
        delay = delay_after(failures)
        if delay:
            storage.clear(wait_key)
            storage.incr(wait_key, delay)
        return failures
    return _on_storage(count)


def clear(email: str) -> None:
    """A successful sign-in: this pair starts afresh."""
    keys = (_key("failures", email), _key("wait", email))
    _on_storage(lambda storage: [storage.clear(key) for key in keys])
