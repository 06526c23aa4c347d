"""The journey timeline of the patient chart: each dosing session and the state of its stages.

The states are not decided here: tracker.continuity.stages gives each stage the state of the
continuity rule that judges it (the same expression the lead's dashboard and the
needs-attention list use). This module adds what the chart shows beside them (who guided,
goals, the plan's tasks and occurrences, the next follow-up), all in one SELECT for every
session of a patient, so the chart runs the same number of queries for 2 sessions as for 80.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from tracker.care.models import FollowUp, QuestionnaireResponse
from tracker.continuity import predicates
from tracker.continuity.stages import (
    SESSION_STAGES,
    STAGE_LABELS,
    Stage,
    session_stage_columns,
    shown_state,
)
from tracker.core.bound_times import BoundScope
from tracker.core.patients import TreatmentCourse
from tracker.core.sessions import DosingSession
from tracker.core.users import User
from tracker.integration.models import Debrief, IntegrationTask
from tracker.intention.models import Goal, Intention

# Before any integration task: the plan's occurrences are counted from here to today.
FIRST_TASK_DAY = date(2000, 1, 1)


def journey_rows(patient_id: int, *, clinic, now: datetime, today: date) -> sa.Select:
    """One row per dosing session of the patient, newest first, with every stage's state (from
    the continuity rules) and the details the chart shows beside it."""
    stmt, values = journey_statement(patient_id, clinic=clinic, now=now, today=today)
    return stmt.params(values)


def journey_statement(patient_id: int, *, clinic, now: datetime,
                      today: date) -> tuple[sa.Select, dict]:
    """journey_rows as a statement built once per clinic and thresholds, and the values of
    its bound parameters for this patient, now and today (execute the one with the other)."""
    stmt, scope = _journey_for(clinic.id, tuple(sorted(clinic.thresholds.items())))
    return stmt, {**scope.values(now, today), "chart_patient_id": patient_id}


@lru_cache(maxsize=64)
def _journey_for(clinic_id: int, settings: tuple) -> tuple[sa.Select, BoundScope]:
    scope = BoundScope(clinic_id, dict(settings), "chart")
    return _journey_select(sa.bindparam("chart_patient_id", type_=sa.Integer()), clinic_id, scope), scope


def _journey_select(patient_id, clinic_id: int, scope: BoundScope) -> sa.Select:
    S, Int, D, T, F = DosingSession, Intention, Debrief, IntegrationTask, FollowUp
    guide = aliased(User)
    now, today = scope.now - timedelta(0), scope.today - timedelta(0)
    stages = session_stage_columns(patient_id, scope)
    ref = sa.func.coalesce(S.ended_at, S.started_at, S.scheduled_at)

    tasks = (sa.select(T.debrief_id.label("debrief_id"), sa.func.count(T.id).label("tasks"))
             .where(T.active.is_(True), T.patient_id == patient_id, T.debrief_id.is_not(None))
             .group_by(T.debrief_id).subquery("plan"))
    occ = predicates.task_occurrences(clinic_id, FIRST_TASK_DAY, today, patient_id=patient_id,
                                      name="plan_days")
    occurrences = (sa.select(occ.c.debrief_id, sa.func.count().label("due"),
                             sa.func.count(sa.case((occ.c.outcome == "done", 1))).label("done"))
                   .group_by(occ.c.debrief_id).subquery("plan_occurrences"))
    goals = (sa.select(sa.func.count(Goal.id)).where(Goal.intention_id == Int.id)
             .correlate(Int).scalar_subquery())
    next_follow_up = (sa.select(sa.func.min(F.scheduled_at))
                      .where(F.patient_id == S.patient_id, F.outcome == "scheduled",
                             F.scheduled_at >= ref)
                      .correlate(S).scalar_subquery())
    last_phq9 = (sa.select(sa.func.max(QuestionnaireResponse.completed_at))
                 .where(QuestionnaireResponse.patient_id == patient_id,
                        QuestionnaireResponse.instrument == "phq9",
                        QuestionnaireResponse.completed_at <= now)
                 .scalar_subquery())
    stage_columns = [stages.c[f"{stage.key}_{part}"]
                     for stage in SESSION_STAGES for part in ("state", "due", "done")]

    return (
        sa.select(
            S.id.label("session_id"), S.scheduled_at, S.started_at, S.ended_at, S.status,
            S.medication,
            S.room, S.signed_at, S.checklist_override_reason.is_not(None).label("checklist_overridden"),
            TreatmentCourse.kind.label("course_kind"), TreatmentCourse.id.label("course_id"),
            sa.func.row_number().over(partition_by=S.course_id, order_by=(S.scheduled_at, S.id))
            .label("number_in_course"),
            guide.full_name.label("guide_name"),
            Int.id.label("intention_id"), Int.checklist_completed_at, goals.label("goal_count"),
            D.id.label("debrief_id"), D.held_at.label("debrief_held_at"),
            D.signed_at.label("debrief_signed_at"),
            sa.func.coalesce(tasks.c.tasks, 0).label("task_count"),
            sa.func.coalesce(occurrences.c.due, 0).label("due_count"),
            sa.func.coalesce(occurrences.c.done, 0).label("done_count"),
            next_follow_up.label("next_follow_up_at"), last_phq9.label("last_phq9_at"),
            ref.label("reference_at"), *stage_columns,
        )
        .join(stages, stages.c.session_id == S.id)
        .join(TreatmentCourse, TreatmentCourse.id == S.course_id)
        .outerjoin(guide, guide.id == S.clinician_id)
        .outerjoin(Int, Int.session_id == S.id)
        .outerjoin(D, D.session_id == S.id)
        .outerjoin(tasks, tasks.c.debrief_id == D.id)
        .outerjoin(occurrences, occurrences.c.debrief_id == D.id)
        .where(S.patient_id == patient_id)
        .order_by(S.scheduled_at.desc(), S.id.desc())
    )


@dataclass(frozen=True)
class StageView:
    """One stage of one session, as the chart shows it."""

    stage: Stage
    state: str
    due_at: datetime | None
    done_at: datetime | None

    @property
    def label(self) -> str:
        return STAGE_LABELS[self.state]


@dataclass(frozen=True)
class SessionJourney:
    """One session's stages, ready for the template."""

    row: sa.Row
    stages: dict[str, StageView]

    def __getattr__(self, name):
        return getattr(self.row, name)

    def state(self, key: str) -> str:
        return self.stages[key].state

    @property
    def completion_rate(self) -> int | None:
        """Per cent of the plan's occurrences due so far that the patient marked done."""
        if not self.row.due_count:
            return None
        return round(100 * min(self.row.done_count, self.row.due_count) / self.row.due_count)


def _done_before_start(key: str, row, phq9_days: int) -> bool:
    if key == "intention":
        return row.intention_id is not None
    if key == "checklist":
        return row.checklist_completed_at is not None or bool(row.checklist_overridden)
    return (row.last_phq9_at is not None
            and row.last_phq9_at >= row.scheduled_at - timedelta(days=phq9_days))


def session_journeys(rows, *, clinic) -> list[SessionJourney]:
    phq9_days = clinic.setting("phq9_before_session_days")
    journeys = []
    for row in rows:
        views = {}
        for stage in SESSION_STAGES:
            m = row._mapping
            state = shown_state(
                stage, m[f"{stage.key}_state"], cancelled=row.status == "cancelled",
                started=row.started_at is not None, medication=row.medication,
                done=stage.before_start and _done_before_start(stage.key, row, phq9_days))
            views[stage.key] = StageView(stage, state, m[f"{stage.key}_due"],
                                         m[f"{stage.key}_done"])
        journeys.append(SessionJourney(row, views))
    return journeys
