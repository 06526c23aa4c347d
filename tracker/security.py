"""Session timeouts and HTTP security headers."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user

from tracker.db import utcnow

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")


def start_session_clock() -> None:
    now = utcnow().timestamp()
    session["signed_in_at"] = now
    session["seen_at"] = now
    session.permanent = False


def enforce_session_timeouts():
    """before_request: end a session idle too long or older than the absolute limit.

    Checked on the server against times kept in the signed session cookie, so a client cannot
    stretch either limit."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    cfg = current_app.config
    now = utcnow().timestamp()
    signed_in_at = session.get("signed_in_at", 0)
    seen_at = session.get("seen_at", 0)
    expired = (now - seen_at > cfg["SESSION_IDLE_MINUTES"] * 60
               or now - signed_in_at > cfg["SESSION_ABSOLUTE_HOURS"] * 3600)
    if expired:
        logout_user()
        session.clear()
        flash("You were signed out after a period without activity. Please sign in again.", "info")
        return redirect(url_for("auth.sign_in", next=request.full_path if request.method == "GET" else None))
    session["seen_at"] = now
    return None


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint != "static":
        # Pages may show patient data: never store them in a browser or proxy cache.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def idle_deadline() -> datetime:
    seen = session.get("seen_at", utcnow().timestamp())
    return datetime.fromtimestamp(seen, UTC) + timedelta(
        minutes=current_app.config["SESSION_IDLE_MINUTES"])
