"""Raising safety flags: the one function every stage calls."""
from __future__ import annotations

import sqlalchemy as sa

from tracker.audit.service import record_event
from tracker.care.models import SafetyFlag
from tracker.extensions import db


def raise_flag(*, patient_id: int, source: str, source_id: int, summary: str,
               session_id: int | None = None, user=None) -> SafetyFlag:
    """Raise (once per source record) a safety flag that stays visible until acknowledged.

    source: "phq9_item9" (source_id = questionnaire response id), "adverse_event" (adverse
    event id) or "vital_alert" (vital sign id). Idempotent: a second call for the same source
    record returns the existing flag."""
    existing = db.session.scalar(sa.select(SafetyFlag).where(
        SafetyFlag.source == source, SafetyFlag.source_id == source_id))
    if existing is not None:
        return existing
    flag = SafetyFlag(patient_id=patient_id, source=source, source_id=source_id,
                      session_id=session_id, summary=summary[:300])
    db.session.add(flag)
    db.session.flush()
    record_event("raise_flag", "safety_flag", flag.id, patient_id=patient_id, user=user)
    return flag
