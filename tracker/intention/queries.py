"""Reads of intentions."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload, selectinload

from tracker.core.sessions import DosingSession
from tracker.intention.models import CHECKLIST_ITEMS, Goal, Intention


def intention_for_session(session_id: int) -> sa.Select:
    """The session's intention with its focus areas and goals."""
    return (sa.select(Intention).where(Intention.session_id == session_id)
            .options(selectinload(Intention.focus_areas), selectinload(Intention.goals)))


def checklist_columns(session_id: int) -> sa.Select:
    """Just the readiness checklist of the session's intention (one row, or none)."""
    return sa.select(*(getattr(Intention, column) for column, _ in CHECKLIST_ITEMS)).where(
        Intention.session_id == session_id)


def session_page_options() -> tuple:
    """What the intention page shows of its session. A function, not a constant: building the
    loader options configures the mappers, which must wait until every model is imported."""
    return (joinedload(DosingSession.patient), joinedload(DosingSession.course))


def goals_to_carry_forward(session: DosingSession) -> sa.Select:
    """The goals a new intention of `session` starts from: those of the patient's latest
    intention for an earlier-scheduled session, less any already carried forward elsewhere
    (a goal is carried once). In the earlier intention's order."""
    earlier = (sa.select(Intention.id)
               .join(DosingSession, DosingSession.id == Intention.session_id)
               .where(Intention.patient_id == session.patient_id,
                      DosingSession.scheduled_at < session.scheduled_at,
                      DosingSession.id != session.id)
               .order_by(DosingSession.scheduled_at.desc(), DosingSession.id.desc())
               .limit(1).scalar_subquery())
    later = aliased(Goal)
    return (sa.select(Goal).where(Goal.intention_id == earlier,
                                  ~sa.exists().where(later.carried_from_id == Goal.id))
            .order_by(Goal.position, Goal.id))
