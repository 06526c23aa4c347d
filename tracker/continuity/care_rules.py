"""The continuity rules whose item is a task occurrence, a safety flag or a patient. See rules.py."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tracker.care.models import SafetyFlag
from tracker.continuity import predicates as p
from tracker.continuity.scope import NO_CLINICIAN, Scope, Snapshot
from tracker.continuity.sqltime import shift_time
from tracker.db import UTCDateTime
from tracker.patients.models import Patient

NO_DETAIL = sa.null().cast(sa.String)


def _patient_filters(scope: Scope, patient_id) -> list:
    """The dashboard's filters for patient-level items: the primary clinician, and a course
    of the patient in the chosen status."""
    filters = []
    if scope.clinician_id == NO_CLINICIAN:
        filters.append(p.primary_clinician(patient_id).is_(None))
    elif scope.clinician_id is not None:
        filters.append(p.has_primary_clinician(patient_id, scope.clinician_id))
    if scope.course_status:
        filters.append(p.has_course_with_status(patient_id, scope.course_status))
    return filters


def _columns(*, item_id, patient_id, anchor, due_at, done_at, state, detail=NO_DETAIL):
    return [item_id.label("item_id"), patient_id.label("patient_id"),
            p.primary_clinician(patient_id).label("clinician_id"), anchor.label("anchor"),
            sa.type_coerce(due_at, UTCDateTime()).label("due_at"),
            sa.type_coerce(done_at, UTCDateTime()).label("done_at"), state.label("state"),
            detail.label("detail")]


def tasks_not_overdue(scope: Scope) -> sa.Select:
    days = scope.setting("task_overdue_flag_days")
    occ = p.task_occurrences(scope.clinic_id, scope.first_day, scope.last_day)
    # Marked by the end of the `days`-th day after the due date (day boundary at 00:00 UTC).
    deadline = shift_time(occ.c.day, (days + 1) * 24)
    state = p.state_case(
        compliant=sa.and_(occ.c.marked_at.is_not(None), occ.c.marked_at < deadline),
        pending=occ.c.day >= scope.today - timedelta(days=days),
        late=occ.c.marked_at.is_not(None))
    cols = _columns(item_id=occ.c.task_id, patient_id=occ.c.patient_id, anchor=occ.c.day,
                    due_at=deadline, done_at=occ.c.marked_at, state=state, detail=occ.c.title)
    return sa.select(*cols).where(*_patient_filters(scope, occ.c.patient_id))


def flags_acknowledged(scope: Scope) -> sa.Select:
    f = SafetyFlag
    hours = scope.setting("acknowledge_flag_within_hours")
    state = p.state_case(
        compliant=sa.and_(f.acknowledged_at.is_not(None),
                          f.acknowledged_at <= shift_time(f.raised_at, hours)),
        pending=f.raised_at > scope.now - timedelta(hours=hours),
        late=f.acknowledged_at.is_not(None))
    cols = _columns(item_id=f.id, patient_id=f.patient_id, anchor=f.raised_at,
                    due_at=shift_time(f.raised_at, hours), done_at=f.acknowledged_at,
                    state=state, detail=sa.cast(f.source, sa.String))
    return (sa.select(*cols).select_from(f).join(Patient, Patient.id == f.patient_id)
            .where(Patient.clinic_id == scope.clinic_id, f.raised_at >= scope.start,
                   f.raised_at < scope.end, *_patient_filters(scope, f.patient_id)))


def _active_patients(scope: Scope, snap: Snapshot, cols, *conditions) -> sa.Select:
    stmt = sa.select(*cols).select_from(Patient)
    if snap.table is not None:
        stmt = stmt.join(snap.table, sa.true()).add_columns(snap.week.label("week"))
    return stmt.where(Patient.clinic_id == scope.clinic_id, Patient.status == "active",
                      *conditions, *_patient_filters(scope, Patient.id))


def phq9_every(scope: Scope, snap: Snapshot | None = None) -> sa.Select:
    snap = snap or scope.snapshot()
    pid = Patient.id
    state = p.state_case(compliant=p.phq9_between(pid, snap.phq9_since, snap.as_of),
                         pending=~p.dosing_started_by(pid, snap.treated_by),
                         late=p.phq9_between(pid, snap.as_of))
    cols = _columns(item_id=pid, patient_id=pid, anchor=sa.type_coerce(snap.as_of, UTCDateTime()),
                    due_at=snap.as_of, done_at=p.last_phq9_before(pid, snap.as_of), state=state)
    return _active_patients(scope, snap, cols, p.dosing_started_by(pid, snap.as_of))


def in_contact(scope: Scope, snap: Snapshot | None = None) -> sa.Select:
    snap = snap or scope.snapshot()
    pid = Patient.id
    state = p.state_case(compliant=p.contact_between(pid, snap.contact_since, snap.as_of),
                         pending=~p.enrolled_by(pid, snap.enrolled_by),
                         late=p.contact_between(pid, snap.as_of))
    cols = _columns(item_id=pid, patient_id=pid, anchor=sa.type_coerce(snap.as_of, UTCDateTime()),
                    due_at=snap.as_of, done_at=p.last_contact_before(pid, snap.as_of), state=state)
    return _active_patients(scope, snap, cols, p.enrolled_by(pid, snap.as_of_day))
