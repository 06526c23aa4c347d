"""The one function that records an audit event, and the chain's verification."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa
from flask import has_request_context, request
from flask_login import current_user

from tracker.core.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from tracker.db import utcnow
from tracker.extensions import db

HASHED_FIELDS = ("occurred_at", "clinic_id", "user_id", "role", "action", "record_type",
                  "record_id", "patient_id", "ip_address", "outcome")


def event_hash(prev_hash: str, fields: dict) -> str:
    canonical = json.dumps(
        {k: (fields[k].isoformat() if k == "occurred_at" else fields[k]) for k in HASHED_FIELDS},
        sort_keys=True, separators=(",", ":"),
    )
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _lock_head() -> str:
    """Take the chain's lock for this transaction and return the newest hash."""
    head = db.session.execute(
        sa.update(AuditChainHead).where(AuditChainHead.id == 1)
        .values(last_hash=AuditChainHead.last_hash).returning(AuditChainHead.last_hash)
    ).scalar_one_or_none()
    if head is None:
        db.session.execute(sa.insert(AuditChainHead).values(id=1, last_hash=GENESIS_HASH))
        head = GENESIS_HASH
    return head


def record_event(action: str, record_type: str, record_id: int | None = None, *,
                 patient_id: int | None = None, outcome: str = "success", user=None) -> AuditEvent:
    """Add an audit event to the current transaction (it commits or rolls back with the change
    it describes). `user` defaults to the signed-in user."""
    if user is None and current_user and current_user.is_authenticated:
        user = current_user
    fields = {
        "occurred_at": utcnow(),
        "clinic_id": user.clinic_id if user is not None else None,
        "user_id": user.id if user is not None else None,
        "role": user.role if user is not None else None,
        "action": action,
        "record_type": record_type,
        "record_id": record_id,
        "patient_id": patient_id,
        "ip_address": request.remote_addr if has_request_context() else None,
        "outcome": outcome,
    }
    prev = _lock_head()
    digest = event_hash(prev, fields)
    event = AuditEvent(**fields, prev_hash=prev, hash=digest)
    db.session.add(event)
    db.session.flush()
    db.session.execute(sa.update(AuditChainHead).where(AuditChainHead.id == 1)
                       .values(last_hash=digest, last_event_id=event.id))
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    verified_up_to: int | None   # id of the last event whose chain is intact
    broken_at: int | None        # id of the first event that does not match
    reason: str


def verify_chain(batch: int = 5000) -> ChainReport:
    """Recompute every hash in id order; report the first break (edited, deleted or inserted)."""
    prev, checked, last_good = GENESIS_HASH, 0, None
    stmt = sa.select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=batch)
    for event in db.session.scalars(stmt):
        fields = {k: getattr(event, k) for k in HASHED_FIELDS}
        if event.prev_hash != prev:
            return ChainReport(False, checked, last_good, event.id,
                               "an event before this one was changed or removed")
        if event_hash(prev, fields) != event.hash:
            return ChainReport(False, checked, last_good, event.id, "this event was changed")
        prev, last_good, checked = event.hash, event.id, checked + 1
    head = db.session.get(AuditChainHead, 1)
    if head is not None and checked and head.last_hash != prev:
        return ChainReport(False, checked, last_good, None, "the newest events were removed")
    return ChainReport(True, checked, last_good, None, "intact")
