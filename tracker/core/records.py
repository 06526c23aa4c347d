"""Helpers every stage's services use on a clinical row: its audit event, and its canonical
form for a content hash (what signing covers)."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from tracker.core.audit.service import record_event


def audit(action: str, record_type: str, record, user) -> None:
    """The audit event of a change to a clinical row (ids only, never its text)."""
    record_event(action, record_type, record.id, patient_id=record.patient_id, user=user)


def _plain(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def plain_row(obj, fields: tuple[str, ...]) -> dict:
    """The named fields of a row in the canonical form a content hash is taken of."""
    return {name: _plain(getattr(obj, name)) for name in fields}
