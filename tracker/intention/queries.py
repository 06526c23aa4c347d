"""Reads of intentions."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from tracker.core.sessions import DosingSession
from tracker.intention.models import CHECKLIST_ITEMS, Intention


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
