"""Times are stored in UTC and shown (and typed) in the clinic's time zone."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import g, has_request_context
from flask_login import current_user

from tracker.datetext import Style
from tracker.db import utcnow


def clinic_zone() -> ZoneInfo:
    """The signed-in user's clinic's zone (UTC outside a request or before sign-in)."""
    if not has_request_context():
        return ZoneInfo("UTC")
    if "clinic_zone" not in g:
        name = "UTC"
        if current_user and current_user.is_authenticated:
            name = current_user.clinic.timezone
        g.clinic_zone = ZoneInfo(name)
    return g.clinic_zone


def clinic_style() -> Style:
    """The signed-in user's clinic's way of writing dates (the default outside a request)."""
    if not has_request_context():
        return Style()
    if "clinic_style" not in g:
        clinic = current_user.clinic if current_user and current_user.is_authenticated else None
        g.clinic_style = Style.of(clinic) if clinic is not None else Style()
    return g.clinic_style


def to_local(value: datetime | None) -> datetime | None:
    return value.astimezone(clinic_zone()) if value is not None else None


def from_local(value: datetime | None) -> datetime | None:
    """A naive wall-clock time typed in the clinic's zone, as aware UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=clinic_zone())
    return value.astimezone(UTC)


def clinic_today() -> date:
    return utcnow().astimezone(clinic_zone()).date()
