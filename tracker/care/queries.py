"""Reads of stage 4: follow-ups, questionnaires and safety flags.

These take a patient id and do not filter by access themselves: callers reach the patient
through tracker.core.access first (patient_or_404 / record_or_404 / visible_patients), then read.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from tracker.care.models import FollowUp, QuestionnaireAssignment, QuestionnaireResponse
from tracker.care.predicates import first_follow_up_after, follow_up_state
from tracker.core.flags import SafetyFlag
from tracker.core.sessions import DosingSession, SessionStatus
from tracker.core.states import MISSING, PENDING
from tracker.db import utcnow
from tracker.extensions import db

# --- follow-ups ---------------------------------------------------------------------------------

def follow_up_list(patient_id: int) -> sa.Select:
    """The patient's follow-ups, newest first, with the clinician loaded."""
    return (sa.select(FollowUp).where(FollowUp.patient_id == patient_id)
            .options(joinedload(FollowUp.clinician))
            .order_by(FollowUp.scheduled_at.desc(), FollowUp.id.desc()))


def sessions_with_follow_up(patient_id: int, within_days: int, now: datetime) -> sa.Select:
    """The patient's dosing sessions (not cancelled), oldest first, each with the first
    follow-up completed after its end and, once it has ended, the continuity rule
    follow_up_held's state (care.predicates.follow_up_state: the dashboard's own expression).

    Rows: id, scheduled_at, ended_at, first_follow_up_at, state (NULL before the end)."""
    S = DosingSession
    state = sa.case((S.ended_at.is_not(None), follow_up_state(S, within_days, now)),
                    else_=sa.null())
    return (sa.select(S.id, S.scheduled_at, S.ended_at,
                      first_follow_up_after(S).label("first_follow_up_at"), state.label("state"))
            .where(S.patient_id == patient_id, S.status != SessionStatus.CANCELLED)
            .order_by(S.scheduled_at, S.id))


@dataclass(frozen=True)
class SessionFollowUp:
    """One dosing session and the state of its follow-up (the continuity rule
    follow_up_held): compliant, late, missing or pending once the session has ended, None
    before (nothing is due yet)."""

    id: int
    scheduled_at: datetime
    ended_at: datetime | None
    first_follow_up_at: datetime | None
    state: str | None
    due_by: datetime | None

    @property
    def owed(self) -> bool:
        """A follow-up is still to be held: its window is open (pending) or passed (missing)."""
        return self.state in (PENDING, MISSING)


def follow_up_schedule(patient_id: int, within_days: int,
                       now: datetime | None = None) -> list[SessionFollowUp]:
    """Each of the patient's sessions with its follow-up state, oldest first (one query).

    A follow-up is due within `within_days` (the clinic's follow_up_within_days) of the end of
    each dosing session."""
    now = now or utcnow()
    return [SessionFollowUp(row.id, row.scheduled_at, row.ended_at, row.first_follow_up_at,
                            row.state,
                            row.ended_at + timedelta(days=within_days) if row.ended_at else None)
            for row in db.session.execute(sessions_with_follow_up(patient_id, within_days, now))]


def next_follow_up_due(schedule: list[SessionFollowUp]) -> SessionFollowUp | None:
    """The session whose follow-up is owed soonest (a missing one before a pending one)."""
    return min((s for s in schedule if s.owed), key=lambda s: s.due_by, default=None)


# --- questionnaires -----------------------------------------------------------------------------

def questionnaire_history(patient_id: int, instrument: str | None = None) -> sa.Select:
    """The patient's questionnaire responses, newest first (paginate it)."""
    stmt = sa.select(QuestionnaireResponse).where(QuestionnaireResponse.patient_id == patient_id)
    if instrument:
        stmt = stmt.where(QuestionnaireResponse.instrument == instrument)
    return stmt.order_by(QuestionnaireResponse.completed_at.desc(), QuestionnaireResponse.id.desc())


def baselines(patient_id: int, instrument: str | None = None) -> sa.Select:
    """Per instrument (or for one), the first response, the baseline: rows (instrument,
    response id, total)."""
    ranked = (sa.select(
        QuestionnaireResponse.instrument, QuestionnaireResponse.id, QuestionnaireResponse.total,
        sa.func.row_number().over(
            partition_by=QuestionnaireResponse.instrument,
            order_by=(QuestionnaireResponse.completed_at, QuestionnaireResponse.id)).label("rank"))
        .where(QuestionnaireResponse.patient_id == patient_id,
               QuestionnaireResponse.instrument == instrument if instrument else sa.true())
        .subquery())
    return sa.select(ranked.c.instrument, ranked.c.id, ranked.c.total).where(ranked.c.rank == 1)


def score_series(patient_id: int) -> sa.Select:
    """Every total over time, for charts: rows (instrument, completed_at, total, band), oldest
    first."""
    return (sa.select(QuestionnaireResponse.instrument, QuestionnaireResponse.completed_at,
                      QuestionnaireResponse.total, QuestionnaireResponse.band)
            .where(QuestionnaireResponse.patient_id == patient_id)
            .order_by(QuestionnaireResponse.completed_at, QuestionnaireResponse.id))


def dosing_markers(patient_id: int) -> sa.Select:
    """The dosing sessions to mark on a score chart's time axis: rows (id, scheduled_at,
    started_at, status), oldest first. Cancelled sessions are left out."""
    return (sa.select(DosingSession.id, DosingSession.scheduled_at, DosingSession.started_at,
                      DosingSession.status)
            .where(DosingSession.patient_id == patient_id, DosingSession.status != SessionStatus.CANCELLED)
            .order_by(DosingSession.scheduled_at, DosingSession.id))


def open_assignments(patient_id: int, instrument: str | None = None) -> sa.Select:
    """Questionnaires assigned to the patient and not yet completed or cancelled, oldest first."""
    stmt = sa.select(QuestionnaireAssignment).where(
        QuestionnaireAssignment.patient_id == patient_id,
        QuestionnaireAssignment.response_id.is_(None),
        QuestionnaireAssignment.cancelled_at.is_(None))
    if instrument:
        stmt = stmt.where(QuestionnaireAssignment.instrument == instrument)
    return stmt.order_by(QuestionnaireAssignment.assigned_at, QuestionnaireAssignment.id)


# --- safety flags -------------------------------------------------------------------------------

def flag_list(patient_id: int) -> sa.Select:
    """The patient's safety flags: open ones first (newest first), then acknowledged ones."""
    return (sa.select(SafetyFlag).where(SafetyFlag.patient_id == patient_id)
            .options(joinedload(SafetyFlag.acknowledged_by))
            .order_by(SafetyFlag.acknowledged_at.is_not(None), SafetyFlag.raised_at.desc(),
                      SafetyFlag.id.desc()))


def flag_for_source(source: str, source_id: int) -> sa.Select:
    """The safety flag raised by one record (e.g. a PHQ-9 response), if any."""
    return (sa.select(SafetyFlag).where(SafetyFlag.source == source, SafetyFlag.source_id == source_id)
            .options(joinedload(SafetyFlag.acknowledged_by)))


def open_flag_counts(patient_ids: Iterable[int]) -> dict[int, int]:
    """{patient id: number of open (unacknowledged) safety flags} for list pages, in one query.

    Every id asked about is in the result (0 when it has none)."""
    ids = list(dict.fromkeys(patient_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(SafetyFlag.patient_id, sa.func.count())
        .where(SafetyFlag.patient_id.in_(ids), SafetyFlag.acknowledged_at.is_(None))
        .group_by(SafetyFlag.patient_id))
    return dict.fromkeys(ids, 0) | dict(rows.tuples().all())
