"""What a continuity query is about: which clinic, which period, which filters, as of when."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa

NO_CLINICIAN = 0  # the clinician filter's value for items without a clinician


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of a clinic-local day, in UTC."""
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(timezone.utc)


@dataclass(frozen=True)
class Scope:
    """One clinic, one period [start, end) and the dashboard's filters.

    `start`/`end` are aware UTC instants (local midnights); `first_day`/`last_day` are the same
    period as clinic-local dates, both inclusive (for date columns such as a task's due date).
    `clinician_id` NO_CLINICIAN selects the items that have no clinician.
    """

    clinic_id: int
    settings: dict[str, int]
    tz: ZoneInfo
    now: datetime
    first_day: date
    last_day: date
    clinician_id: int | None = None
    course_status: str | None = None
    start: datetime = field(init=False)
    end: datetime = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "start", local_midnight(self.first_day, self.tz))
        object.__setattr__(self, "end", local_midnight(self.last_day + timedelta(days=1), self.tz))

    @classmethod
    def for_clinic(cls, clinic, now: datetime, first_day: date, last_day: date, **filters) -> Scope:
        return cls(clinic_id=clinic.id, settings=clinic.thresholds, tz=ZoneInfo(clinic.timezone),
                   now=now, first_day=first_day, last_day=last_day, **filters)

    def setting(self, key: str) -> int:
        return self.settings[key]

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()

    def snapshot(self) -> Snapshot:
        """The patient-level rules are judged as of the period's end (or now, if sooner)."""
        return Snapshot.at(min(self.end, self.now), self)


@dataclass(frozen=True)
class Snapshot:
    """The reference instant of the patient-level rules, and the bounds derived from it.

    Either plain values (one instant) or the columns of a per-week table (the trend), so the
    same rule code serves both. `table` is that per-week table (None for one instant)."""

    as_of: object
    as_of_day: object           # the clinic-local date of as_of
    contact_since: object       # a contact must fall in (contact_since, as_of]
    enrolled_by: object         # a course started on or before this date: contact is due
    phq9_since: object          # a PHQ-9 must fall in (phq9_since, as_of]
    treated_by: object          # a dosing session started at or before this: PHQ-9 is due
    table: sa.FromClause | None = None
    week: object = None

    @classmethod
    def at(cls, as_of: datetime, scope: Scope) -> Snapshot:
        contact_since = as_of - timedelta(days=scope.setting("lost_to_follow_up_days"))
        phq9_since = as_of - timedelta(days=scope.setting("phq9_every_days"))
        return cls(as_of=as_of, as_of_day=as_of.astimezone(scope.tz).date(),
                   contact_since=contact_since,
                   enrolled_by=contact_since.astimezone(scope.tz).date(),
                   phq9_since=phq9_since, treated_by=phq9_since)

    @classmethod
    def of_weeks(cls, weeks: sa.FromClause) -> Snapshot:
        c = weeks.c
        return cls(as_of=c.as_of, as_of_day=c.as_of_day, contact_since=c.contact_since, enrolled_by=c.enrolled_by,
                   phq9_since=c.phq9_since, treated_by=c.phq9_since, table=weeks, week=c.week)
