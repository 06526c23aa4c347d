"""The append-only audit trail, chained by keyed hashes (HMAC-SHA256 under the audit key, which
lives outside the database: tracker.core.audit.keys).

One chain for the whole database today: `seq` numbers its events 1, 2, 3, ... without gaps and
the one head row (id 1) holds the newest. Per-clinic chains (for write throughput) would add a
chain id to the head and the event (the head's key and `seq` then count per chain) and leave
the rest of the design as it is."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db import Choice
from tracker.extensions import db

GENESIS_HASH = "0" * 64


class AuditOutcome(StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    FAILURE = "failure"


OUTCOMES = tuple(AuditOutcome)


class AuditEvent(db.Model):
    """Who did what to which record, when, from where, and how it ended. Never clinical text,
    passwords or tokens. Each row holds the keyed hash of the row before it."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    # Position in the chain, given at commit under the head's lock: a gap is a deleted event.
    seq: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    occurred_at: Mapped[datetime]
    clinic_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clinic.id"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    role: Mapped[str | None] = mapped_column(sa.String(20))
    action: Mapped[str] = mapped_column(sa.String(40))
    record_type: Mapped[str] = mapped_column(sa.String(40))
    record_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    patient_id: Mapped[int | None] = mapped_column(sa.ForeignKey("patient.id"))
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    outcome: Mapped[str] = mapped_column(Choice(AuditOutcome, name="audit_outcome"))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    __table_args__ = (
        sa.Index("ix_audit_event_clinic_action_occurred", "clinic_id", "action", "occurred_at"),
        sa.Index("ix_audit_event_clinic_occurred", "clinic_id", "occurred_at"),
        sa.Index("ix_audit_event_patient_occurred", "patient_id", "occurred_at"),
        sa.Index("ix_audit_event_user_occurred", "user_id", "occurred_at"),
        sa.Index("ix_audit_event_occurred_at", "occurred_at"),
    )


class AuditChainHead(db.Model):
    """One row: the newest event's hash. A committing transaction updates it first (a row
    lock on PostgreSQL, the write lock on SQLite), so two app instances never fork the chain;
    the events of a transaction are chained at its commit (service._chain_pending), so the
    lock is held for the commit's few statements only."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_event_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    last_seq: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    last_hash: Mapped[str] = mapped_column(sa.String(64))
