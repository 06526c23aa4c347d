"""Follow-up predicates: SQL expressions correlated to a dosing session, used by care's
follow-up queries and by the continuity rules (tracker.continuity.predicates re-exports them)."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tracker.care.models import FollowUp
from tracker.core.sqltime import alias, shift_time
from tracker.core.states import state_case


def follow_up_within(session, days: int) -> sa.Exists:
    """A follow-up with the patient completed between the session's end and `days` later."""
    f = alias(FollowUp, "held_follow_up")
    return sa.exists().where(f.patient_id == session.patient_id, f.outcome == "completed",
                             f.completed_at >= session.ended_at,
                             f.completed_at <= shift_time(session.ended_at, days * 24))


def follow_up_for_session_after(session, days: int) -> sa.Exists:
    """A follow-up booked for this session, completed only after the deadline."""
    f = alias(FollowUp, "late_follow_up")
    return sa.exists().where(f.session_id == session.id, f.outcome == "completed",
                             f.completed_at > shift_time(session.ended_at, days * 24))


def first_follow_up_after(session) -> sa.ScalarSelect:
    f = alias(FollowUp, "first_follow_up")
    return (sa.select(sa.func.min(f.completed_at))
            .where(f.patient_id == session.patient_id, f.outcome == "completed",
                   f.completed_at >= session.ended_at)
            .scalar_subquery())


def follow_up_state(session, days: int, now) -> sa.Case:
    """The state of the continuity rule follow_up_held for an ended session (rules.py):
    compliant, a follow-up was completed within `days` of the end; pending, the window is
    still open; late, none in time but one booked for this session was completed after;
    missing, otherwise. The rule and care's follow-ups page both read this expression."""
    return state_case(compliant=follow_up_within(session, days),
                      pending=session.ended_at > now - timedelta(days=days),
                      late=follow_up_for_session_after(session, days))
