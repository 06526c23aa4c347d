"""Session timeouts, HTTP security headers, and input hygiene (no control characters)."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from werkzeug.exceptions import BadRequest
from wtforms import TextAreaField
from wtforms.validators import StopValidation

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


# --- input hygiene ------------------------------------------------------------------------------
# NUL and the other control characters (C0, DEL, C1) have no place in anything a person types:
# PostgreSQL refuses NUL in text (a 500 if it got that far), and the others hide text or break
# exports. Multi-line text keeps tab and line breaks; a single line, a query string, a URL path
# and a field name keep none. Checked in one place, before any view runs or any form is saved.
CONTROL_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f]")
CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_MESSAGE = ("This contains a control character (such as a NUL byte) that cannot be "
                   "stored. Remove it, or type the text again rather than pasting it.")


class UnsafeInput(BadRequest):
    """A 400 whose page says plainly what was wrong (tracker.errors shows the description)."""

    description = ("The address or form you sent contains a control character (such as a NUL "
                   "byte) that the tracker does not accept. Go back, remove it and try again.")


def has_control_character(text: str, *, multiline: bool = False) -> bool:
    return bool((CONTROL_IN_TEXT if multiline else CONTROL_IN_LINE).search(text))


def refuse_control_characters():
    """before_request: a 400 for a control character in the path, a query string (names and
    values) or a form field's name. Form field values are the forms' to refuse, beside the
    field (see `no_control_characters`), so the person sees which field and keeps the rest."""
    if request.endpoint == "static":
        return None
    texts = [request.path, *request.args.keys(), *request.args.values()]
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        texts.extend(request.form.keys())
    if any(has_control_character(text) for text in texts):
        raise UnsafeInput()
    return None


def no_control_characters(form, field) -> None:
    """WTForms validator on every field of every form (see `install_form_guard`)."""
    multiline = isinstance(field, TextAreaField)
    for value in field.raw_data or ():
        if isinstance(value, str) and has_control_character(value, multiline=multiline):
            field.errors[:] = []
            raise StopValidation(CONTROL_MESSAGE)


def _guarded_bind_field(meta, form, unbound_field, options):
    field = unbound_field.bind(form=form, **options)
    field.validators = [no_control_characters, *field.validators]
    return field


def install_form_guard() -> None:
    """Put `no_control_characters` first on every field of every FlaskForm: WTForms' own hook
    for binding fields (Meta.bind_field), set once on Flask-WTF's Meta, so no form can forget
    it and no form module needs to change."""
    FlaskForm.Meta.bind_field = _guarded_bind_field


def _refuse_control_characters_in_rows(session, flush_context, instances) -> None:
    """before_flush, the last line: no text with a control character (tab and line breaks
    aside) reaches the database, whatever path it came by (a view reading request data
    directly, a CLI command). Only values already loaded are looked at: nothing is fetched."""
    for obj in (*session.new, *session.dirty):
        state = inspect(obj)
        for attr in state.mapper.column_attrs:
            value = state.dict.get(attr.key)
            if isinstance(value, str) and CONTROL_IN_TEXT.search(value):
                raise UnsafeInput()


def install_row_guard() -> None:
    if not event.contains(Session, "before_flush", _refuse_control_characters_in_rows):
        event.listen(Session, "before_flush", _refuse_control_characters_in_rows)
