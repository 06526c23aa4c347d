"""The continuity rules whose item is a task occurrence, a safety flag or a patient.
See rules.py."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tracker.continuity import predicates as p
from tracker.continuity.groups import FlagItems, PatientItems, TaskItems
from tracker.continuity.scope import Scope
from tracker.continuity.session_rules import ItemColumns
from tracker.core.patients import Patient
from tracker.core.sqltime import shift_time


def tasks_not_overdue(g: TaskItems, scope: Scope) -> ItemColumns:
    occ, days = g.occ, scope.setting("task_overdue_flag_days")
    # Marked by the end of the `days`-th day after the due date (day boundary at 00:00 UTC).
    deadline = shift_time(occ.c.day, (days + 1) * 24)
    state = p.state_case(
        compliant=sa.and_(occ.c.marked_at.is_not(None), occ.c.marked_at < deadline),
        pending=occ.c.day >= scope.today - timedelta(days=days),
        late=occ.c.marked_at.is_not(None))
    return ItemColumns(occ.c.task_id, occ.c.day, deadline, occ.c.marked_at, state, occ.c.title)


def flags_acknowledged(g: FlagItems, scope: Scope) -> ItemColumns:
    f, hours = g.f, scope.setting("acknowledge_flag_within_hours")
    state = p.state_case(
        compliant=sa.and_(f.acknowledged_at.is_not(None),
                          f.acknowledged_at <= shift_time(f.raised_at, hours)),
        pending=f.raised_at > scope.now - timedelta(hours=hours),
        late=f.acknowledged_at.is_not(None))
    return ItemColumns(f.id, f.raised_at, shift_time(f.raised_at, hours), f.acknowledged_at,
                       state, sa.cast(f.source, sa.String))


def phq9_every(g: PatientItems, scope: Scope) -> ItemColumns:
    w = g.weeks.c
    state = p.state_case(compliant=g.phq9_recent,
                         pending=g.first_dose > w.phq9_since,
                         late=g.phq9_last > w.as_of)
    is_item = sa.and_(g.first_dose.is_not(None), g.first_dose <= w.as_of)
    return ItemColumns(Patient.id, w.as_of, w.as_of, p.last_phq9_before(Patient.id, w.as_of),
                       sa.case((is_item, state), else_=sa.null()))


def in_contact(g: PatientItems, scope: Scope) -> ItemColumns:
    w = g.weeks.c
    state = p.state_case(compliant=g.contact_recent,
                         pending=g.first_course > w.enrolled_by,
                         late=g.contact_last > w.as_of)
    # every row of the group is enrolled by its week's end (PatientItems filters on it)
    return ItemColumns(Patient.id, w.as_of, w.as_of, p.last_contact_before(Patient.id, w.as_of),
                       state)
