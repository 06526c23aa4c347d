"""The journey timeline of the patient chart: each dosing session and the state of its stages.

All stage states are computed in one SELECT for every session of a patient (CASE expressions
against cutoffs taken from the clinic's settings), so the chart runs the same number of
queries for 2 sessions as for 80.

States: missing, draft, signed, late (and recorded, held, scheduled, upcoming = not yet due,
cancelled).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from tracker.core.users import User
from tracker.care.models import FollowUp
from tracker.core.sqltime import shift_time
from tracker.core.sessions import DosingSession
from tracker.integration.models import Debrief, IntegrationTask, TaskCompletion
from tracker.intention.models import Goal, Intention
from tracker.core.patients import TreatmentCourse

STATE_LABELS = {
    "missing": "Missing", "late": "Late", "draft": "Draft", "signed": "Signed",
    "recorded": "Recorded", "held": "Held", "scheduled": "Scheduled",
    "upcoming": "Not yet due", "cancelled": "Cancelled",
}


# --- whole days between two dates (SQLite and PostgreSQL) -------------------------------------

class days_between(FunctionElement):  # noqa: N801
    """Whole days from `earlier` to `later` (two dates)."""

    type = sa.Integer()
    name = "days_between"
    inherit_cache = True


@compiles(days_between)
def _days_between_default(element, compiler, **kw):
    later, earlier = list(element.clauses)
    later, earlier = compiler.process(later, **kw), compiler.process(earlier, **kw)
    return f"(CAST({later} AS DATE) - CAST({earlier} AS DATE))"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return (f"CAST(julianday({compiler.process(later, **kw)}) - "
            f"julianday({compiler.process(earlier, **kw)}) AS INTEGER)")


# --- the query --------------------------------------------------------------------------------

def occurrences_due(today: date) -> sa.ColumnElement[int]:
    """How many occurrences of an integration task fell due up to `today` (SQL, per task row).

    Mirrors tracker.integration.occurrences: once = due_on; daily/weekly from starts_on until
    repeat_until."""
    T = IntegrationTask
    last = sa.case((T.repeat_until < today, T.repeat_until), else_=sa.literal(today, sa.Date))
    span = days_between(last, T.starts_on)
    return sa.case(
        (T.repeat == "none", sa.case((T.due_on <= today, 1), else_=0)),
        (T.starts_on > today, 0),
        (T.repeat == "daily", span + 1),
        else_=span // 7 + 1,
    )


def journey_rows(patient_id: int, *, clinic, now: datetime, today: date) -> sa.Select:
    """One row per dosing session of the patient, newest first, with every stage's state."""
    S, I, D, T, F = DosingSession, Intention, Debrief, IntegrationTask, FollowUp
    guide = aliased(User)
    sign_cutoff = now - timedelta(hours=clinic.setting("sign_session_within_hours"))
    debrief_cutoff = now - timedelta(hours=clinic.setting("debrief_within_hours"))
    follow_up_days = clinic.setting("follow_up_within_days")
    follow_up_cutoff = now - timedelta(days=follow_up_days)
    ref = sa.func.coalesce(S.ended_at, S.started_at, S.scheduled_at)
    cancelled = S.status == "cancelled"

    plan = (sa.select(T.debrief_id.label("debrief_id"), sa.func.count(T.id).label("tasks"),
                      sa.func.sum(occurrences_due(today)).label("due"))
            .where(T.active.is_(True), T.patient_id == patient_id, T.debrief_id.is_not(None))
            .group_by(T.debrief_id).subquery("plan"))
    done = (sa.select(T.debrief_id.label("debrief_id"), sa.func.count(TaskCompletion.id).label("done"))
            .join(TaskCompletion, TaskCompletion.task_id == T.id)
            .where(T.active.is_(True), T.patient_id == patient_id, TaskCompletion.outcome == "done",
                   TaskCompletion.occurrence_on <= today)
            .group_by(T.debrief_id).subquery("done"))
    goals = (sa.select(sa.func.count(Goal.id)).where(Goal.intention_id == I.id)
             .correlate(I).scalar_subquery())
    # As the continuity rule follow_up_held: completed between the end and end + N days.
    held_at = (sa.select(sa.func.min(F.completed_at))
               .where(F.patient_id == S.patient_id, F.outcome == "completed",
                      F.completed_at >= S.ended_at,
                      F.completed_at <= shift_time(S.ended_at, follow_up_days * 24))
               .correlate(S).scalar_subquery())
    next_follow_up = (sa.select(sa.func.min(F.scheduled_at))
                      .where(F.patient_id == S.patient_id, F.outcome == "scheduled",
                             F.scheduled_at >= ref)
                      .correlate(S).scalar_subquery())
    tasks = sa.func.coalesce(plan.c.tasks, 0)

    intention_state = sa.case(
        (cancelled, "cancelled"),
        (sa.and_(I.id.is_(None), S.started_at.is_not(None)), "late"),
        (I.id.is_(None), "missing"),
        (sa.and_(S.started_at.is_not(None), I.created_at > S.started_at), "late"),
        else_="recorded")
    record_state = sa.case(
        (S.signed_at.is_not(None), "signed"),
        (cancelled, "cancelled"),
        (sa.and_(S.ended_at.is_not(None), S.ended_at < sign_cutoff), "late"),
        (S.started_at.is_not(None), "draft"),
        else_="upcoming")
    debrief_state = sa.case(
        (D.signed_at.is_not(None), "signed"),
        (cancelled, "cancelled"),
        (sa.and_(S.ended_at.is_not(None), S.ended_at < debrief_cutoff), "late"),
        (D.id.is_not(None), "draft"),
        (S.ended_at.is_not(None), "missing"),
        else_="upcoming")
    plan_state = sa.case(
        (cancelled, "cancelled"),
        (tasks > 0, "recorded"),
        (D.id.is_not(None), "missing"),
        else_="upcoming")
    follow_up_state = sa.case(
        (cancelled, "cancelled"),
        (held_at.is_not(None), "held"),
        (S.ended_at.is_(None), "upcoming"),
        (S.ended_at < follow_up_cutoff, "late"),
        (next_follow_up.is_not(None), "scheduled"),
        else_="missing")

    return (
        sa.select(
            S.id.label("session_id"), S.scheduled_at, S.started_at, S.ended_at, S.status,
            S.room, S.signed_at, S.checklist_override_reason.is_not(None).label("checklist_overridden"),
            TreatmentCourse.kind.label("course_kind"), TreatmentCourse.id.label("course_id"),
            sa.func.row_number().over(partition_by=S.course_id, order_by=(S.scheduled_at, S.id))
            .label("number_in_course"),
            guide.full_name.label("guide_name"),
            I.id.label("intention_id"), I.checklist_completed_at, goals.label("goal_count"),
            D.id.label("debrief_id"), D.held_at.label("debrief_held_at"),
            D.signed_at.label("debrief_signed_at"),
            tasks.label("task_count"), sa.func.coalesce(plan.c.due, 0).label("due_count"),
            sa.func.coalesce(done.c.done, 0).label("done_count"),
            held_at.label("follow_up_held_at"), next_follow_up.label("next_follow_up_at"),
            ref.label("reference_at"),
            intention_state.label("intention_state"), record_state.label("record_state"),
            debrief_state.label("debrief_state"), plan_state.label("plan_state"),
            follow_up_state.label("follow_up_state"),
        )
        .join(TreatmentCourse, TreatmentCourse.id == S.course_id)
        .outerjoin(guide, guide.id == S.clinician_id)
        .outerjoin(I, I.session_id == S.id)
        .outerjoin(D, D.session_id == S.id)
        .outerjoin(plan, plan.c.debrief_id == D.id)
        .outerjoin(done, done.c.debrief_id == D.id)
        .where(S.patient_id == patient_id)
        .order_by(S.scheduled_at.desc(), S.id.desc())
    )


@dataclass(frozen=True)
class SessionJourney:
    """One session's stages, ready for the template."""

    row: sa.Row
    follow_up_due_by: datetime

    def __getattr__(self, name):
        return getattr(self.row, name)

    @property
    def completion_rate(self) -> int | None:
        """Per cent of the plan's occurrences due so far that the patient marked done."""
        if not self.row.due_count:
            return None
        return round(100 * min(self.row.done_count, self.row.due_count) / self.row.due_count)


def session_journeys(rows, *, clinic) -> list[SessionJourney]:
    days = timedelta(days=clinic.setting("follow_up_within_days"))
    return [SessionJourney(row, row.reference_at + days) for row in rows]
