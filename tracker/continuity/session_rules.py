"""The continuity rules whose item is a dosing session (or its debrief). See rules.py.

Each function gives the rule's columns over the session group (groups.SessionItems): its
state is NULL for a row that is not one of its items (e.g. a session not yet ended)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from tracker.care.predicates import follow_up_state
from tracker.continuity import predicates as p
from tracker.continuity.groups import SessionItems
from tracker.continuity.scope import Scope
from tracker.core.sessions import Medication
from tracker.core.sqltime import alias, shift_time
from tracker.dosing.rems import RemsForm
from tracker.integration.models import IntegrationTask


@dataclass(frozen=True)
class ItemColumns:
    """What a rule says about one row of its group."""

    item_id: sa.ColumnElement
    anchor: sa.ColumnElement
    due_at: sa.ColumnElement
    done_at: sa.ColumnElement
    state: sa.ColumnElement      # compliant / late / missing / pending, or NULL: not an item
    detail: sa.ColumnElement = field(default_factory=sa.null)


def _ended_only(g: SessionItems, state) -> sa.Case:
    return sa.case((g.s.ended_at.is_not(None), state), else_=sa.null())


def intention_before_start(g: SessionItems, scope: Scope) -> ItemColumns:
    s, i = g.s, g.i
    state = p.state_case(compliant=sa.and_(i.id.is_not(None), i.created_at <= s.started_at),
                         late=i.id.is_not(None))
    return ItemColumns(s.id, s.scheduled_at, s.started_at, i.created_at, state)


def checklist_before_dosing(g: SessionItems, scope: Scope) -> ItemColumns:
    s, done = g.s, g.i.checklist_completed_at
    state = p.state_case(
        compliant=sa.or_(s.checklist_override_reason.is_not(None),
                         sa.and_(done.is_not(None), done <= s.started_at)),
        late=done.is_not(None))
    return ItemColumns(s.id, s.scheduled_at, s.started_at, done, state)


def session_signed(g: SessionItems, scope: Scope) -> ItemColumns:
    s, hours = g.s, scope.setting("sign_session_within_hours")
    state = p.state_case(
        compliant=sa.and_(s.signed_at.is_not(None), s.signed_at <= shift_time(s.ended_at, hours)),
        pending=s.ended_at > scope.now - timedelta(hours=hours),
        late=s.signed_at.is_not(None))
    return ItemColumns(s.id, s.scheduled_at, shift_time(s.ended_at, hours), s.signed_at,
                       _ended_only(g, state))


def debrief_signed(g: SessionItems, scope: Scope) -> ItemColumns:
    s, d, hours = g.s, g.d, scope.setting("debrief_within_hours")
    state = p.state_case(
        compliant=sa.and_(d.signed_at.is_not(None), d.signed_at <= shift_time(s.ended_at, hours)),
        pending=s.ended_at > scope.now - timedelta(hours=hours),
        late=d.signed_at.is_not(None))
    return ItemColumns(s.id, s.scheduled_at, shift_time(s.ended_at, hours), d.signed_at,
                       _ended_only(g, state))


def integration_plan(g: SessionItems, scope: Scope) -> ItemColumns:
    s, d = g.s, g.d
    first_task = (sa.select(sa.func.min(IntegrationTask.created_at))
                  .where(IntegrationTask.debrief_id == d.id).scalar_subquery())
    state = p.state_case(
        compliant=sa.and_(first_task.is_not(None),
                          sa.or_(d.signed_at.is_(None), first_task <= d.signed_at)),
        pending=d.signed_at.is_(None),
        late=first_task.is_not(None))
    is_item = sa.and_(s.ended_at.is_not(None), d.id.is_not(None))
    return ItemColumns(d.id, s.scheduled_at, d.signed_at, first_task,
                       sa.case((is_item, state), else_=sa.null()))


def follow_up_held(g: SessionItems, scope: Scope) -> ItemColumns:
    s, days = g.s, scope.setting("follow_up_within_days")
    state = follow_up_state(s, days, scope.now)
    return ItemColumns(s.id, s.scheduled_at, shift_time(s.ended_at, days * 24),
                       p.first_follow_up_after(s), _ended_only(g, state))


def phq9_before_session(g: SessionItems, scope: Scope) -> ItemColumns:
    s, days = g.s, scope.setting("phq9_before_session_days")
    state = p.state_case(compliant=p.phq9_in_days_before(s, days))
    return ItemColumns(s.id, s.scheduled_at, s.started_at,
                       p.last_phq9_before(s.patient_id, s.started_at), state)


_rems = alias(RemsForm, "session_rems_form")


def rems_submitted(g: SessionItems, scope: Scope) -> ItemColumns:
    """Esketamine sessions only: the REMS monitoring form marked submitted by end + days."""
    s, days = g.s, scope.setting("rems_submit_within_days")
    submitted = (sa.select(_rems.submitted_at).where(_rems.session_id == s.id)
                 .scalar_subquery())
    state = p.state_case(
        compliant=sa.and_(submitted.is_not(None), submitted <= shift_time(s.ended_at, days * 24)),
        pending=s.ended_at > scope.now - timedelta(days=days),
        late=submitted.is_not(None))
    is_item = sa.and_(s.ended_at.is_not(None), s.medication == Medication.ESKETAMINE)
    return ItemColumns(s.id, s.scheduled_at, shift_time(s.ended_at, days * 24), submitted,
                       sa.case((is_item, state), else_=sa.null()))
