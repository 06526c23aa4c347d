"""Builders for stage-4 tests (on top of tests/factories.py)."""
from __future__ import annotations

from datetime import datetime, timedelta

from tests import factories as make
from tracker.care.models import FollowUp
from tracker.care.services import record_questionnaire
from tracker.db import utcnow
from tracker.extensions import db


def ended_session(patient, clinician, *, ended_days_ago: float, course=None):
    """A dosing session that ended `ended_days_ago` days ago (started 40 minutes before)."""
    course = course or make.course(patient)
    start = utcnow() - timedelta(days=ended_days_ago, minutes=40)
    return make.dosing_session(course, clinician=clinician, scheduled_at=start, ended=True)


def follow_up(patient, clinician, *, at: datetime | None = None, outcome: str = "scheduled",
              completed_at: datetime | None = None, session=None, kind: str = "check_in",
              note: str | None = None) -> FollowUp:
    f = FollowUp(patient_id=patient.id, kind=kind, scheduled_at=at or utcnow() + timedelta(days=2),
                 clinician_id=clinician.id, created_by_id=clinician.id, outcome=outcome,
                 completed_at=completed_at, session_id=session.id if session else None, note=note)
    db.session.add(f)
    db.session.flush()
    return f


def answers(instrument: str, total: int, *, item9: int = 0) -> list[int]:
    """Answers that add up to `total` (PHQ-9 item 9 set separately, and counted)."""
    size, top = {"phq9": (9, 3), "gad7": (7, 3), "pcl5": (20, 4)}[instrument]
    values = [0] * size
    remaining = total
    if instrument == "phq9":
        values[8] = item9
        remaining -= item9
    for i in range(size):
        if instrument == "phq9" and i == 8:
            continue
        values[i] = min(top, remaining)
        remaining -= values[i]
    assert remaining == 0, "total out of reach"
    return values


def response(patient, by, instrument: str = "phq9", total: int = 10, *, days_ago: float = 0,
             item9: int = 0, source: str = "clinician"):
    result, _ = record_questionnaire(patient, instrument, answers(instrument, total, item9=item9),
                                     source=source, entered_by=by,
                                     completed_at=utcnow() - timedelta(days=days_ago))
    return result
