"""Reads of the dosing session: each returns a Select with its eager loading named."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from tracker.core.flags import FlagSource, SafetyFlag
from tracker.core.sessions import DosingSession

# What the signed in-session record is made of (and what its hash covers).
# The collections each take one more query (selectin); the one-to-ones (the discharge, the
# intention, the debrief) are joined into the session's own query, one query fewer each.
SESSION_RECORD = (
    selectinload(DosingSession.notes),
    selectinload(DosingSession.vitals),
    selectinload(DosingSession.sedation_ratings),
    selectinload(DosingSession.adverse_events),
    joinedload(DosingSession.discharge),
)

# Everything the session page shows, in a fixed number of queries however long the session.
SESSION_PAGE = (
    *SESSION_RECORD,
    joinedload(DosingSession.patient),
    joinedload(DosingSession.course),
    joinedload(DosingSession.clinician),
    joinedload(DosingSession.signed_by),
    joinedload(DosingSession.intention),
    joinedload(DosingSession.debrief),
)


def session_record(session_id: int) -> sa.Select:
    """One dosing session with its in-session record (notes, vitals, sedation, adverse events,
    discharge) loaded."""
    return sa.select(DosingSession).where(DosingSession.id == session_id).options(*SESSION_RECORD)


def session_page(session_id: int) -> sa.Select:
    """One dosing session with everything its page shows (record, intention, people)."""
    return sa.select(DosingSession).where(DosingSession.id == session_id).options(*SESSION_PAGE)


def session_flags(session_id: int) -> sa.Select:
    """The safety flags raised during one session, newest first."""
    return (sa.select(SafetyFlag).where(SafetyFlag.session_id == session_id)
            .order_by(SafetyFlag.raised_at.desc(), SafetyFlag.id.desc()))


def open_session_flags(session_id: int) -> sa.Select:
    """The session's unacknowledged safety flags from alert-level vitals and severe adverse
    events (what keeps its discharge waiting), oldest first."""
    return (sa.select(SafetyFlag)
            .where(SafetyFlag.session_id == session_id, SafetyFlag.acknowledged_at.is_(None),
                   SafetyFlag.source.in_((FlagSource.VITAL_ALERT, FlagSource.ADVERSE_EVENT)))
            .order_by(SafetyFlag.raised_at, SafetyFlag.id))
