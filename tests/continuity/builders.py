"""Builders for continuity tests: records placed at exact times (tests/factories.py covers the
rest). Each flushes and returns the object."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from tests import factories as make
from tracker.care.models import FollowUp, QuestionnaireResponse
from tracker.core.flags import SafetyFlag
from tracker.core.sessions import DosingSession
from tracker.dosing.rems import RemsForm
from tracker.extensions import db
from tracker.integration.models import IntegrationTask, TaskCompletion

H = timedelta(hours=1)
D = timedelta(days=1)


def session(course, clinician, at: datetime, *, minutes: int = 40, ended: bool = True,
            started: bool = True, status: str | None = None, signed_at: datetime | None = None,
            override: str | None = None, medication: str | None = None) -> DosingSession:
    """A dosing session scheduled and started at `at`, ended `minutes` later."""
    s = DosingSession(course_id=course.id, patient_id=course.patient_id, scheduled_at=at,
                      clinician_id=clinician.id if clinician else None,
                      started_at=at if started else None,
                      ended_at=at + timedelta(minutes=minutes) if ended and started else None,
                      status=status or ("completed" if ended and started else
                                        "in_progress" if started else "scheduled"),
                      checklist_override_reason=override,
                      checklist_override_by_id=clinician.id if override else None,
                      medication=medication)
    if signed_at is not None:
        s.signed_at, s.signed_by_id = signed_at, clinician.id
    db.session.add(s)
    db.session.flush()
    return s


def rems_form(s, by, *, submitted_at: datetime | None = None,
              ready_minutes: int | None = 110) -> RemsForm:
    """The REMS form of an esketamine session: answered, and submitted at `submitted_at`."""
    f = RemsForm(session_id=s.id, patient_id=s.patient_id, ready_to_leave_minutes=ready_minutes,
                 answered_by_id=by.id, submitted_at=submitted_at,
                 submitted_by_id=by.id if submitted_at else None)
    db.session.add(f)
    db.session.flush()
    return f


def intention(s, by, recorded_at: datetime, *, checklist_at: datetime | None = None,
              complete: bool = True):
    i = make.intention(s, by, complete_checklist=complete)
    i.created_at = recorded_at
    i.checklist_completed_at = checklist_at if complete else None
    db.session.flush()
    return i


def debrief(s, by, held_at: datetime, signed_at: datetime | None = None):
    d = make.debrief(s, by, held_at=held_at)
    if signed_at is not None:
        d.signed_at, d.signed_by_id = signed_at, by.id
    db.session.flush()
    return d


def task(patient, by, *, debrief=None, created_at: datetime | None = None,
         due_on: date | None = None, repeat: str = "none", starts_on: date | None = None,
         repeat_until: date | None = None, active: bool = True) -> IntegrationTask:
    t = IntegrationTask(patient_id=patient.id, debrief_id=debrief.id if debrief else None,
                        title="Morning walk", kind="movement", instructions="Ten minutes.",
                        starts_on=starts_on or due_on, due_on=due_on if repeat == "none" else None,
                        repeat=repeat, repeat_until=repeat_until, active=active,
                        created_by_id=by.id)
    if created_at is not None:
        t.created_at = created_at
    db.session.add(t)
    db.session.flush()
    return t


def mark(task, day: date, marked_at: datetime, outcome: str = "done") -> TaskCompletion:
    c = TaskCompletion(task_id=task.id, patient_id=task.patient_id, occurrence_on=day,
                       outcome=outcome, marked_at=marked_at,
                       skip_reason="Felt unwell" if outcome == "skipped" else None)
    db.session.add(c)
    db.session.flush()
    return c


def follow_up(patient, by, scheduled_at: datetime, *, completed_at: datetime | None = None,
              outcome: str | None = None, session=None) -> FollowUp:
    f = FollowUp(patient_id=patient.id, session_id=session.id if session else None,
                 kind="check_in", scheduled_at=scheduled_at, clinician_id=by.id,
                 outcome=outcome or ("completed" if completed_at else "scheduled"),
                 completed_at=completed_at, created_by_id=by.id)
    db.session.add(f)
    db.session.flush()
    return f


def phq9(patient, by, completed_at: datetime, total: int = 12) -> QuestionnaireResponse:
    q = QuestionnaireResponse(patient_id=patient.id, instrument="phq9", completed_at=completed_at,
                              total=total, band="moderate", source="clinician",
                              entered_by_id=by.id)
    db.session.add(q)
    db.session.flush()
    return q


_flag_source = iter(range(1, 10**6))


def flag(patient, raised_at: datetime, *, acknowledged_at: datetime | None = None,
         by=None) -> SafetyFlag:
    f = SafetyFlag(patient_id=patient.id, source="vital_alert", source_id=next(_flag_source),
                   raised_at=raised_at, summary="Alert-level blood pressure",
                   acknowledged_at=acknowledged_at,
                   acknowledged_by_id=by.id if acknowledged_at else None,
                   acknowledgement_note="Called the patient." if acknowledged_at else None)
    db.session.add(f)
    db.session.flush()
    return f
