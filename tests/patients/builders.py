"""Builders for the patient list and chart tests (on top of tests/factories.py)."""
from __future__ import annotations

from datetime import timedelta

from tests import factories as make
from tracker.care.models import FollowUp, QuestionnaireResponse
from tracker.care.scoring import band_for
from tracker.core.flags import SafetyFlag
from tracker.db import utcnow
from tracker.extensions import db
from tracker.integration.models import TaskCompletion

_flag_sources = iter(range(10_000, 10**9))


def follow_up(patient, clinician, *, at=None, outcome="scheduled", completed_at=None,
              session=None) -> FollowUp:
    f = FollowUp(patient_id=patient.id, kind="check_in", scheduled_at=at or utcnow() + timedelta(days=2),
                 clinician_id=clinician.id, created_by_id=clinician.id, outcome=outcome,
                 completed_at=completed_at, session_id=session.id if session else None)
    db.session.add(f)
    db.session.flush()
    return f


def score(patient, by, instrument="phq9", total=10, *, days_ago: float = 0) -> QuestionnaireResponse:
    """A questionnaire total (answers are not needed by the chart)."""
    r = QuestionnaireResponse(patient_id=patient.id, instrument=instrument,
                              completed_at=utcnow() - timedelta(days=days_ago), total=total,
                              band=band_for(instrument, total), source="clinician",
                              entered_by_id=by.id)
    db.session.add(r)
    db.session.flush()
    return r


def safety_flag(patient, *, summary="PHQ-9 item 9 answered 1") -> SafetyFlag:
    f = SafetyFlag(patient_id=patient.id, source="phq9_item9", source_id=next(_flag_sources),
                   summary=summary)
    db.session.add(f)
    db.session.flush()
    return f


def full_session(patient, clinician, course, *, days_ago: int):
    """An ended, signed session with intention, signed debrief, a task marked once, a held
    follow-up and a PHQ-9: every stage of the chart has something to show."""
    at = utcnow() - timedelta(days=days_ago)
    session = make.dosing_session(course, clinician=clinician, scheduled_at=at, ended=True)
    session.signed_at, session.signed_by_id = at + timedelta(hours=2), clinician.id
    intention = make.intention(session, clinician, goals=("Walk", "Call a friend"))
    intention.created_at = at - timedelta(days=1)  # set before the session, as it should be
    debrief = make.debrief(session, clinician, held_at=at + timedelta(days=1))
    debrief.signed_at, debrief.signed_by_id = at + timedelta(days=1), clinician.id
    task = make.task(patient, clinician, debrief=debrief, starts_on=at.date(),
                     due_on=at.date() + timedelta(days=1))
    db.session.add(TaskCompletion(task_id=task.id, patient_id=patient.id, occurrence_on=task.due_on,
                                  outcome="done"))
    follow_up(patient, clinician, at=at + timedelta(days=3), outcome="completed",
              completed_at=at + timedelta(days=3), session=session)
    score(patient, clinician, "phq9", 12, days_ago=days_ago + 1)
    db.session.flush()
    return session


def journey(patient, clinician, sessions: int):
    """`sessions` full sessions, a week apart, in one course."""
    course = make.course(patient, started_on=(utcnow() - timedelta(days=7 * sessions + 7)).date())
    return [full_session(patient, clinician, course, days_ago=7 * (i + 1)) for i in range(sessions)]
