"""What a continuity query is about: which clinic, which period, which filters, as of when."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

NO_CLINICIAN = 0  # the clinician filter's value for items without a clinician


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of a clinic-local day, in UTC."""
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


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
    patient_id: int | None = None   # one patient's items only (the summary tables' refresh)
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


@dataclass(frozen=True)
class Snapshot:
    """The instant the patient-level rules are judged at (a week's or the period's end, or
    now if sooner), and the window bounds derived from it with the clinic's thresholds."""

    as_of: datetime
    as_of_day: date             # the clinic-local date of as_of
    contact_since: datetime     # a contact must fall in (contact_since, as_of]
    enrolled_by: date           # a course started after this date: contact not yet due
    phq9_since: datetime        # a PHQ-9 must fall in (phq9_since, as_of]; a first dosing
                                # session after this: PHQ-9 not yet due

    @classmethod
    def at(cls, as_of: datetime, scope: Scope) -> Snapshot:
        contact_since = as_of - timedelta(days=scope.setting("lost_to_follow_up_days"))
        phq9_since = as_of - timedelta(days=scope.setting("phq9_every_days"))
        return cls(as_of=as_of, as_of_day=as_of.astimezone(scope.tz).date(),
                   contact_since=contact_since,
                   enrolled_by=contact_since.astimezone(scope.tz).date(),
                   phq9_since=phq9_since)
