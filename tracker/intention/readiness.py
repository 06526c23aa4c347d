"""What keeps the readiness checklist open: the rule the dosing stage asks before a start.

A pure read (no change, no audit), so the later stages may import it."""
from __future__ import annotations

from tracker.core.sessions import DosingSession
from tracker.extensions import db
from tracker.intention.models import CHECKLIST_ITEMS, Intention
from tracker.intention.queries import checklist_columns

NO_INTENTION = "No intention is recorded"


def readiness_gaps(intention: Intention | None) -> list[str]:
    """What keeps the readiness checklist open: no intention, or its unticked items.

    The dosing stage refuses to start a session while this is not empty, unless a clinician
    overrides it with a reason."""
    if intention is None:
        return [NO_INTENTION]
    return intention.open_checklist_items


def checklist_open(session: DosingSession) -> list[str]:
    """readiness_gaps() for a session, reading only the checklist's columns."""
    row = db.session.execute(checklist_columns(session.id)).first()
    if row is None:
        return [NO_INTENTION]
    return [label for (_, label), ticked in zip(CHECKLIST_ITEMS, row, strict=True) if not ticked]
