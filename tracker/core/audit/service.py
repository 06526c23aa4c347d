"""The one function that records an audit event, and the chain's verification."""
from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa
from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import Session

from tracker.core.audit.keys import same, sign
from tracker.core.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from tracker.db import utcnow
from tracker.extensions import db
from tracker.read_only import holds_writes

HASHED_FIELDS = ("seq", "occurred_at", "clinic_id", "user_id", "role", "action", "record_type",
                 "record_id", "patient_id", "ip_address", "outcome")


def canonical(fields: dict) -> str:
    return json.dumps(
        {k: (fields[k].isoformat() if k == "occurred_at" else fields[k]) for k in HASHED_FIELDS},
        sort_keys=True, separators=(",", ":"),
    )


def event_hash(prev_hash: str, fields: dict, key: bytes | None = None) -> str:
    """HMAC-SHA256 under the audit key of the previous hash and this event's fields: without
    the key nobody can recompute a link after editing, removing or reordering events."""
    return sign(prev_hash + canonical(fields), key)


PENDING = "tracker.audit.pending"  # Session.info key: [(open transactions, event), ...]


@holds_writes
def _has_pending_events(session) -> bool:
    """Events wait for the commit: a request that recorded one and did not commit ends with a
    rollback, which drops them (tracker.read_only)."""
    return bool(session.info.get(PENDING))


_HEAD = AuditChainHead.__table__
_EVENTS = AuditEvent.__table__
# Built once: Core statements on the tables, not the ORM's unit of work (a flush and an
# ORM-enabled UPDATE cost about 2.5 ms of a 5.5 ms audited page; these run in well under 1).
_LOCK_HEAD = (sa.update(_HEAD).where(_HEAD.c.id == 1).values(last_hash=_HEAD.c.last_hash)
              .returning(_HEAD.c.last_hash, _HEAD.c.last_seq))
_MOVE_HEAD = (sa.update(_HEAD).where(_HEAD.c.id == 1)
              .values(last_hash=sa.bindparam("new_hash"), last_seq=sa.bindparam("new_seq"),
                      last_event_id=sa.bindparam("new_event_id")))
_STORED = (*HASHED_FIELDS, "prev_hash", "hash")
_INSERT_ONE = sa.insert(_EVENTS).returning(_EVENTS.c.id)
_INSERT_MANY = sa.insert(_EVENTS).returning(_EVENTS.c.id, sort_by_parameter_order=True)


def _lock_head(connection) -> tuple[str, int]:
    """Take the chain's lock for this transaction; return the newest hash and sequence number."""
    head = connection.execute(_LOCK_HEAD).first()
    if head is None:
        connection.execute(sa.insert(_HEAD).values(id=1, last_hash=GENESIS_HASH, last_seq=0))
        return GENESIS_HASH, 0
    return head.last_hash, head.last_seq


def record_event(action: str, record_type: str, record_id: int | None = None, *,
                 patient_id: int | None = None, outcome: str = "success", user=None,
                 clinic_id: int | None = None) -> AuditEvent:
    """Add an audit event to the current transaction (it commits or rolls back with the change
    it describes). `user` defaults to the signed-in user; `clinic_id` names the clinic of an
    event that has no user (a failed sign-in with an unknown email on a clinic's page).

    The event is numbered, chained and written when the transaction commits (`_chain_pending`),
    so the chain's lock is held for the few statements of the commit only, not for the rest
    of the request (a chart's dozen queries): two workers no longer wait on each other for a
    whole page. Its `id` is given then; a savepoint rolled back drops the events recorded in
    it, and a rollback all of the transaction's."""
    if user is None and current_user and current_user.is_authenticated:
        user = current_user
    event = AuditEvent(
        occurred_at=utcnow(),
        clinic_id=user.clinic_id if user is not None else clinic_id,
        user_id=user.id if user is not None else None,
        role=user.role if user is not None else None,
        action=action, record_type=record_type, record_id=record_id, patient_id=patient_id,
        ip_address=request.remote_addr if has_request_context() else None,
        outcome=outcome,
    )
    session = db.session()
    if session.get_transaction() is None:
        session.begin()  # no SQL yet: the event belongs to this transaction, and its rollback
    session.info.setdefault(PENDING, []).append((_open_transactions(session), event))
    return event


def _open_transactions(session) -> tuple:
    """The transaction an event is recorded in, with its enclosing ones (savepoints)."""
    found, transaction = [], session.get_nested_transaction() or session.get_transaction()
    while transaction is not None:
        found.append(transaction)
        transaction = transaction.parent
    return tuple(found)


@sa.event.listens_for(Session, "before_commit")
def _chain_pending(session) -> None:
    """On the outermost commit: lock the head, number and chain the transaction's events in
    the order they were recorded, write them, move the head."""
    if session.in_nested_transaction():
        return  # a savepoint's commit: its events wait for the transaction's
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    events = [event for _transactions, event in pending]
    connection = session.connection()
    prev, seq = _lock_head(connection)
    rows = []
    for event in events:
        seq += 1
        event.seq = seq
        event.prev_hash = prev
        event.hash = prev = event_hash(prev, {name: getattr(event, name) for name in HASHED_FIELDS})
        rows.append({name: getattr(event, name) for name in _STORED})
    # inserted in chain order, so ids follow the chain; the events stay transient objects
    # (written as rows, never changed), with the id they were given
    if len(rows) == 1:
        ids = [connection.execute(_INSERT_ONE, rows[0]).scalar_one()]
    else:
        ids = connection.execute(_INSERT_MANY, rows).scalars().all()
    for event, event_id in zip(events, ids, strict=True):
        event.id = event_id
    connection.execute(_MOVE_HEAD, {"new_hash": prev, "new_seq": seq, "new_event_id": ids[-1]})


@sa.event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session, previous_transaction) -> None:
    pending = session.info.get(PENDING)
    if pending:
        session.info[PENDING] = [(transactions, event) for transactions, event in pending
                                 if previous_transaction not in transactions
                                 and previous_transaction.parent is not None]


@sa.event.listens_for(Session, "after_transaction_end")
def _drop_at_end(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(PENDING, None)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    verified_up_to: int | None   # id of the last event whose chain is intact
    broken_at: int | None        # id of the first event that does not match
    reason: str
    last_seq: int = 0
    head_hash: str = GENESIS_HASH


def verify_chain(batch: int = 5000, checkpoint=None) -> ChainReport:
    """Re-sign every event in chain order and report the first break: an edited event (its
    HMAC), a removed one (a gap in `seq`, or a broken link), a reordered one (ids out of chain
    order), or removed newest events (the head row, and `checkpoint` when given: a
    tracker.core.audit.checkpoints.Checkpoint kept outside the database, which also catches a
    tail cut together with the head moved back, and an emptied table)."""
    prev, checked, last_good, last_id = GENESIS_HASH, 0, None, 0
    cols = [AuditEvent.id, AuditEvent.prev_hash, AuditEvent.hash,
            *(getattr(AuditEvent, name) for name in HASHED_FIELDS)]
    stmt = sa.select(*cols).order_by(AuditEvent.seq).execution_options(yield_per=batch)
    at_checkpoint = None
    for row in db.session.execute(stmt):
        broken = _link_problem(row, prev, checked + 1, last_id)
        if broken:
            return ChainReport(False, checked, last_good, row.id, broken, checked, prev)
        prev, last_good, last_id, checked = row.hash, row.id, row.id, checked + 1
        if checkpoint is not None and row.seq == checkpoint.seq:
            at_checkpoint = row.hash
    head = db.session.get(AuditChainHead, 1)
    if head is not None and (head.last_hash != prev or (head.last_seq or 0) != checked):
        return ChainReport(False, checked, last_good, None, "the newest events were removed",
                           checked, prev)
    if checkpoint is not None:
        problem = _checkpoint_problem(checkpoint, checked, at_checkpoint)
        if problem:
            return ChainReport(False, checked, last_good, None, problem, checked, prev)
    return ChainReport(True, checked, last_good, None, "intact", checked, prev)


def _link_problem(row, prev: str, expected_seq: int, previous_id: int) -> str | None:
    if row.seq != expected_seq or row.prev_hash != prev:
        return "an event before this one was changed or removed"
    fields = {name: getattr(row, name) for name in HASHED_FIELDS}
    if not same(event_hash(prev, fields), row.hash):
        return "this event was changed"
    if row.id <= previous_id:
        return "events were reordered"
    return None


def _checkpoint_problem(checkpoint, count: int, hash_at_checkpoint: str | None) -> str | None:
    if count == 0 and checkpoint.seq > 0:
        return (f"the audit trail is empty, but the checkpoint of {checkpoint.at} saw "
                f"{checkpoint.count} events")
    if count < checkpoint.seq:
        return (f"events after number {count} were removed: the checkpoint of {checkpoint.at} "
                f"saw {checkpoint.count} events")
    if hash_at_checkpoint is not None and not same(hash_at_checkpoint, checkpoint.head):
        return f"the trail up to the checkpoint of {checkpoint.at} was rewritten"
    return None
