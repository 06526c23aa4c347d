"""A patient's reminder choices, when their daily digest is due, and its unsubscribe token.

Reminders are opt-in: nothing is sent until the patient turns them on in the portal and picks
the kinds (a dosing session tomorrow, integration tasks due today, a questionnaire due), the
hour of the day (in the clinic's time zone) and, if they like, quiet hours. At most one digest a
day (its idempotency key is the patient and the clinic-local day). The digest's unsubscribe link
carries a signed token that works without signing in.

The time functions are pure (no Flask, no database) and property-tested across daylight-saving
changes against a table of real transitions.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db import TimestampMixin
from tracker.extensions import db

UNSUBSCRIBE_DAYS = 120  # an unsubscribe link older than this asks the patient to sign in


class ReminderPreference(TimestampMixin, db.Model):
    __tablename__ = "reminder_preference"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), unique=True)
    enabled: Mapped[bool] = mapped_column(default=False)
    sessions: Mapped[bool] = mapped_column(default=True)        # a dosing session tomorrow
    tasks: Mapped[bool] = mapped_column(default=True)           # integration tasks due today
    questionnaires: Mapped[bool] = mapped_column(default=True)  # a questionnaire due
    hour: Mapped[int] = mapped_column(default=18)               # clinic-local hour, 0-23
    quiet_start: Mapped[int | None]                             # clinic-local hours; a range
    quiet_end: Mapped[int | None]                               # may wrap past midnight
    # The clinic-local day whose digest was last considered: one look per day.
    last_digest_on: Mapped[date | None]
    unsubscribed_at: Mapped[datetime | None]

    __table_args__ = (
        sa.CheckConstraint("hour BETWEEN 0 AND 23", name="hour_of_day"),
        sa.CheckConstraint("(quiet_start IS NULL) = (quiet_end IS NULL)", name="quiet_whole"),
        sa.CheckConstraint("quiet_start IS NULL OR (quiet_start BETWEEN 0 AND 23 "
                           "AND quiet_end BETWEEN 0 AND 23)", name="quiet_hours"),
    )

    @property
    def kinds(self) -> list[str]:
        return [k for k in ("sessions", "tasks", "questionnaires") if getattr(self, k)]


# --- time ----------------------------------------------------------------------------------

def in_quiet_hours(hour: int, start: int | None, end: int | None) -> bool:
    """Whether the clinic-local `hour` falls in quiet hours [start, end) (22 to 7 wraps past
    midnight; start == end means none)."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= hour < end
    return hour >= start or hour < end


def local_instant(day: date, hour: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of `hour`:00 on `day` in `zone`. A wall time the clocks skip (spring
    forward) becomes the first instant after the gap, the moment the clocks jumped; a wall time
    that happens twice (fall back) is the first of the two."""
    naive = datetime.combine(day, time(hour))
    instant = naive.replace(tzinfo=zone).astimezone(UTC)  # fold=0: the earlier offset
    if instant.astimezone(zone).replace(tzinfo=None) == naive:
        return instant
    # Skipped: `instant` lies after the jump by as much as `hour` lies inside the gap; step back
    # to the jump itself (at most the gap's length, in minutes).
    offset = instant.astimezone(zone).utcoffset()
    for _ in range(24 * 60):
        earlier = instant - timedelta(minutes=1)
        if earlier.astimezone(zone).utcoffset() != offset:
            break
        instant = earlier
    return instant


def digest_due(pref: ReminderPreference, now: datetime, zone: ZoneInfo) -> date | None:
    """The clinic-local day whose digest is due at `now`, or None: due once the chosen hour
    has come that day, not yet considered that day, and not inside quiet hours (a digest held
    back by quiet hours goes when they end, the same day, or not at all)."""
    if not pref.enabled or pref.unsubscribed_at is not None:
        return None
    local = now.astimezone(zone)
    today = local.date()
    if pref.last_digest_on is not None and pref.last_digest_on >= today:
        return None
    if now < local_instant(today, pref.hour, zone):
        return None
    if in_quiet_hours(local.hour, pref.quiet_start, pref.quiet_end):
        return None
    return today


# --- the unsubscribe token -------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="unsubscribe")


def unsubscribe_token(patient_id: int) -> str:
    return _serializer().dumps({"p": patient_id})


class BadUnsubscribe(ValueError):
    pass


def patient_for_unsubscribe(token: str) -> int:
    """The patient id an unsubscribe token names, or BadUnsubscribe (expired or forged)."""
    try:
        data = _serializer().loads(token, max_age=UNSUBSCRIBE_DAYS * 86400)
    except SignatureExpired:
        raise BadUnsubscribe("This unsubscribe link is too old. Sign in to the portal to "
                             "change your reminders.") from None
    except BadSignature:
        raise BadUnsubscribe("This unsubscribe link is not valid. Sign in to the portal to "
                             "change your reminders.") from None
    if not isinstance(data, dict) or not isinstance(data.get("p"), int):
        raise BadUnsubscribe("This unsubscribe link is not valid.")
    return data["p"]
