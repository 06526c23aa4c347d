"""Changes to stage 4: follow-ups, questionnaires and safety flags.

Each service validates, changes data, flushes and records its audit event in the caller's
transaction; the caller commits. Business-rule refusals raise tracker.rules.Refused (with the form field
the message belongs beside) or Stale.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from tracker.care import scoring
from tracker.care.models import (
    FOLLOW_UP_KINDS,
    RESPONSE_SOURCES,
    FollowUp,
    QuestionnaireAnswer,
    QuestionnaireAssignment,
    QuestionnaireResponse,
)
from tracker.care.queries import open_assignments
from tracker.core.audit.service import record_event
from tracker.core.care_team import care_team_clinicians
from tracker.core.flags import SafetyFlag, raise_flag
from tracker.core.patients import Patient
from tracker.core.sessions import DosingSession
from tracker.core.users import User
from tracker.db import utcnow
from tracker.extensions import db
from tracker.rules import Refused, Stale
from tracker.timezones import clinic_today

#: Outcomes a clinician records on a follow-up ("scheduled" is the state before one).
RECORDED_OUTCOMES = ("completed", "missed", "cancelled")
_FUTURE_SLACK = timedelta(minutes=5)
ALREADY_ACKNOWLEDGED = "Someone has already acknowledged this flag; their note is shown above."


def _check_session(patient: Patient, session_id: int | None) -> None:
    if session_id is None:
        return
    found = db.session.scalar(sa.select(DosingSession.id).where(
        DosingSession.id == session_id, DosingSession.patient_id == patient.id))
    if found is None:
        raise Refused("Choose one of this patient's dosing sessions.", field="session_id")


def _check_not_future(when: datetime, field: str) -> None:
    if when.tzinfo is None:
        raise ValueError("naive datetime given; convert to UTC first")
    if when > utcnow() + _FUTURE_SLACK:
        raise Refused("This time is in the future.", field=field)


# --- follow-ups ---------------------------------------------------------------------------------

def schedule_follow_up(patient: Patient, *, kind: str, scheduled_at: datetime,
                       clinician_id: int, session_id: int | None = None,
                       note: str | None = None, by) -> FollowUp:
    """Schedule a follow-up (integration session, check-in call, ...) with a clinician of the
    patient's care team, optionally linked to one of the patient's dosing sessions."""
    if kind not in FOLLOW_UP_KINDS:
        raise Refused("Choose a kind of follow-up.", field="kind")
    on_team = db.session.scalar(care_team_clinicians(patient.id).where(User.id == clinician_id))
    if on_team is None:
        raise Refused("Choose a clinician on this patient's care team.", field="clinician_id")
    _check_session(patient, session_id)
    follow_up = FollowUp(patient_id=patient.id, kind=kind, scheduled_at=scheduled_at,
                         clinician_id=clinician_id, session_id=session_id,
                         note=(note or "").strip() or None, created_by_id=by.id)
    db.session.add(follow_up)
    db.session.flush()
    record_event("create", "follow_up", follow_up.id, patient_id=patient.id, user=by)
    return follow_up


def record_follow_up_outcome(follow_up: FollowUp, *, outcome: str,
                             completed_at: datetime | None, note: str | None,
                             version: int | None, by) -> FollowUp:
    """Record (or correct) what happened: completed (with the time), missed or cancelled.

    `version` is the one the form was opened with; a different stored version means someone
    else saved in between (Stale)."""
    if version is None or version != follow_up.version:
        raise Stale(what="follow-up")
    if outcome not in RECORDED_OUTCOMES:
        raise Refused("Choose completed, missed or cancelled.", field="outcome")
    if outcome == "completed":
        if completed_at is None:
            raise Refused("A completed follow-up needs the time it was held.", field="completed_at")
        _check_not_future(completed_at, "completed_at")
    elif completed_at is not None:
        raise Refused("Leave this empty unless the follow-up was completed.", field="completed_at")
    follow_up.outcome = outcome
    follow_up.completed_at = completed_at
    follow_up.note = (note or "").strip() or None
    db.session.flush()
    record_event("record_outcome", "follow_up", follow_up.id, patient_id=follow_up.patient_id,
                 user=by)
    return follow_up


# --- questionnaires -----------------------------------------------------------------------------

def _flag_summary(result: scoring.Score) -> str:
    value = result.answers[scoring.PHQ9_SAFETY_ITEM]
    label = dict(scoring.INSTRUMENTS["phq9"].choices)[value]
    return (f"PHQ-9 item 9 (thoughts of self-harm) answered {value}: \u201c{label}\u201d. "
            f"Total {result.total} ({result.band}).")


def record_questionnaire(patient: Patient, instrument: str, answers, *, source: str, entered_by,
                         completed_at: datetime | None = None, session_id: int | None = None
                         ) -> tuple[QuestionnaireResponse, SafetyFlag | None]:
    """Score and store one completed questionnaire, by the patient (source "patient") or
    entered by a clinician (source "clinician").

    Stores the response and one answer row per item, raises a "phq9_item9" safety flag when
    PHQ-9 item 9 is above 0, completes the oldest open assignment of that instrument, and
    audits. Raises scoring.InvalidAnswers for answers that cannot be scored and Refused for
    a bad source, time or session; nothing is stored then. Returns (response, flag or None)."""
    result = scoring.score(instrument, answers)
    if source not in RESPONSE_SOURCES:
        raise Refused(f"Unknown source {source!r}.", field="source")
    completed_at = completed_at or utcnow()
    _check_not_future(completed_at, "completed_at")
    _check_session(patient, session_id)

    response = QuestionnaireResponse(
        patient_id=patient.id, instrument=result.instrument, completed_at=completed_at,
        total=result.total, band=result.band, source=source, entered_by_id=entered_by.id,
        session_id=session_id,
        answers=[QuestionnaireAnswer(instrument=result.instrument, item=number, value=value)
                 for number, value in enumerate(result.answers, start=1)])
    db.session.add(response)
    db.session.flush()
    record_event("create", "questionnaire_response", response.id, patient_id=patient.id,
                 user=entered_by)

    assignment = db.session.scalar(open_assignments(patient.id, result.instrument).limit(1))
    if assignment is not None:
        assignment.response_id = response.id
        db.session.flush()
        record_event("complete", "questionnaire_assignment", assignment.id,
                     patient_id=patient.id, user=entered_by)

    flag = None
    if result.safety_flag:
        flag = raise_flag(patient_id=patient.id, source="phq9_item9", source_id=response.id,
                          summary=_flag_summary(result), session_id=session_id, user=entered_by)
    return response, flag


def assign_questionnaire(patient: Patient, instrument: str, by,
                         due_on: date | None = None) -> QuestionnaireAssignment:
    """Ask the patient to complete a questionnaire in the portal (e.g. a PCL-5), optionally by a
    date. Refused while the same instrument is already assigned and open."""
    inst = scoring.INSTRUMENTS.get(instrument)
    if inst is None:
        raise Refused("Choose a questionnaire.", field="instrument")
    if due_on is not None and due_on < clinic_today():
        raise Refused("The due date is in the past.", field="due_on")
    if db.session.scalar(open_assignments(patient.id, instrument).limit(1)) is not None:
        raise Refused(f"{inst.name} is already assigned and not yet completed.", field="instrument")
    assignment = QuestionnaireAssignment(patient_id=patient.id, instrument=instrument,
                                         assigned_by_id=by.id, due_on=due_on)
    db.session.add(assignment)
    db.session.flush()
    record_event("create", "questionnaire_assignment", assignment.id, patient_id=patient.id,
                 user=by)
    return assignment


# --- safety flags -------------------------------------------------------------------------------

def acknowledge_flag(flag: SafetyFlag, *, note: str, by) -> SafetyFlag:
    """Acknowledge an open safety flag with a note. The flag stays in the history.

    The update only applies while the flag is still open, so two clinicians acknowledging at
    once cannot overwrite each other: the second is told it is already acknowledged."""
    note = (note or "").strip()
    if not note:
        raise Refused("Write a note: what you did or decided about this flag.", field="note")
    if flag.acknowledged_at is not None:
        raise Refused(ALREADY_ACKNOWLEDGED, field="note", status=409)
    result = db.session.execute(
        sa.update(SafetyFlag)
        .where(SafetyFlag.id == flag.id, SafetyFlag.acknowledged_at.is_(None))
        .values(acknowledged_at=utcnow(), acknowledged_by_id=by.id, acknowledgement_note=note)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Refused(ALREADY_ACKNOWLEDGED, field="note", status=409)
    db.session.refresh(flag)
    record_event("acknowledge", "safety_flag", flag.id, patient_id=flag.patient_id, user=by)
    return flag
