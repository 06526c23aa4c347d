"""The continuity rules whose item is a dosing session (or its debrief). See rules.py."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tracker.continuity import predicates as p
from tracker.continuity.scope import NO_CLINICIAN, Scope
from tracker.continuity.sqltime import shift_time
from tracker.dosing.models import DosingSession
from tracker.integration.models import Debrief, IntegrationTask
from tracker.intention.models import Intention
from tracker.patients.models import Patient, TreatmentCourse

S = DosingSession
NO_DETAIL = sa.null().cast(sa.String)


def _columns(*, item_id, due_at, done_at, state):
    """The columns every rule yields (see rules.py); anchor = the session's scheduled time."""
    return [item_id.label("item_id"), S.patient_id.label("patient_id"),
            S.clinician_id.label("clinician_id"), S.scheduled_at.label("anchor"),
            sa.type_coerce(due_at, S.ended_at.type).label("due_at"),
            sa.type_coerce(done_at, S.ended_at.type).label("done_at"), state.label("state"),
            NO_DETAIL.label("detail")]


def sessions(scope: Scope, columns, *, stage: str) -> sa.Select:
    """Dosing sessions of the clinic scheduled in the period that took place: started (stage
    'started') or started and ended (stage 'ended'); cancelled sessions never count."""
    stmt = (sa.select(*columns).select_from(S).join(Patient, Patient.id == S.patient_id)
            .where(Patient.clinic_id == scope.clinic_id, S.status != "cancelled",
                   S.scheduled_at >= scope.start, S.scheduled_at < scope.end,
                   S.started_at.is_not(None)))
    if stage == "ended":
        stmt = stmt.where(S.ended_at.is_not(None))
    if scope.clinician_id == NO_CLINICIAN:
        stmt = stmt.where(S.clinician_id.is_(None))
    elif scope.clinician_id is not None:
        stmt = stmt.where(S.clinician_id == scope.clinician_id)
    if scope.course_status:
        stmt = stmt.join(TreatmentCourse, TreatmentCourse.id == S.course_id).where(
            TreatmentCourse.status == scope.course_status)
    return stmt


def intention_before_start(scope: Scope) -> sa.Select:
    i = Intention
    state = p.state_case(compliant=sa.and_(i.id.is_not(None), i.created_at <= S.started_at),
                         late=i.id.is_not(None))
    cols = _columns(item_id=S.id, due_at=S.started_at, done_at=i.created_at, state=state)
    return sessions(scope, cols, stage="started").outerjoin(i, i.session_id == S.id)


def checklist_before_dosing(scope: Scope) -> sa.Select:
    i = Intention
    done = i.checklist_completed_at
    state = p.state_case(
        compliant=sa.or_(S.checklist_override_reason.is_not(None),
                         sa.and_(done.is_not(None), done <= S.started_at)),
        late=done.is_not(None))
    cols = _columns(item_id=S.id, due_at=S.started_at, done_at=done, state=state)
    return sessions(scope, cols, stage="started").outerjoin(i, i.session_id == S.id)


def session_signed(scope: Scope) -> sa.Select:
    hours = scope.setting("sign_session_within_hours")
    state = p.state_case(
        compliant=sa.and_(S.signed_at.is_not(None), S.signed_at <= shift_time(S.ended_at, hours)),
        late=S.signed_at.is_not(None),
        pending=S.ended_at > scope.now - _hours(hours))
    cols = _columns(item_id=S.id, due_at=shift_time(S.ended_at, hours), done_at=S.signed_at,
                    state=state)
    return sessions(scope, cols, stage="ended")


def debrief_signed(scope: Scope) -> sa.Select:
    hours = scope.setting("debrief_within_hours")
    d = Debrief
    state = p.state_case(
        compliant=sa.and_(d.signed_at.is_not(None), d.signed_at <= shift_time(S.ended_at, hours)),
        late=d.signed_at.is_not(None),
        pending=S.ended_at > scope.now - _hours(hours))
    cols = _columns(item_id=S.id, due_at=shift_time(S.ended_at, hours), done_at=d.signed_at,
                    state=state)
    return sessions(scope, cols, stage="ended").outerjoin(d, d.session_id == S.id)


def integration_plan(scope: Scope) -> sa.Select:
    d = Debrief
    first_task = (sa.select(sa.func.min(IntegrationTask.created_at))
                  .where(IntegrationTask.debrief_id == d.id).scalar_subquery())
    state = p.state_case(
        compliant=sa.and_(first_task.is_not(None),
                          sa.or_(d.signed_at.is_(None), first_task <= d.signed_at)),
        late=first_task.is_not(None),
        pending=d.signed_at.is_(None))
    cols = _columns(item_id=d.id, due_at=d.signed_at, done_at=first_task, state=state)
    return sessions(scope, cols, stage="ended").join(d, d.session_id == S.id)


def follow_up_held(scope: Scope) -> sa.Select:
    days = scope.setting("follow_up_within_days")
    state = p.state_case(compliant=p.follow_up_within(S, days),
                         late=p.follow_up_for_session_after(S, days),
                         pending=S.ended_at > scope.now - _hours(days * 24))
    cols = _columns(item_id=S.id, due_at=shift_time(S.ended_at, days * 24),
                    done_at=p.first_follow_up_after(S), state=state)
    return sessions(scope, cols, stage="ended")


def phq9_before_session(scope: Scope) -> sa.Select:
    days = scope.setting("phq9_before_session_days")
    state = p.state_case(compliant=p.phq9_in_days_before(S, days))
    cols = _columns(item_id=S.id, due_at=S.started_at,
                    done_at=p.last_phq9_before(S.patient_id, S.started_at), state=state)
    return sessions(scope, cols, stage="started")


def _hours(n: int) -> timedelta:
    return timedelta(hours=n)
