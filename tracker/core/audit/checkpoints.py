"""Signed checkpoints of the audit chain, kept outside the database.

`flask audit checkpoint` appends one line to a file (instance/audit-checkpoints.jsonl, or the
path AUDIT_CHECKPOINT_FILE names: put it where the database's users cannot write, or ship it
to a log store): the newest event's sequence number and hash, the number of events and the
time, signed with the audit key. `flask audit verify` checks the chain against the last line,
so a tail cut with the head moved back, or an emptied table, is found even though the chain
left in the database is consistent. Run it from cron (every few minutes) in production.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from tracker.core.audit.keys import same, sign
from tracker.core.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from tracker.db import utcnow
from tracker.extensions import db


class CheckpointError(ValueError):
    """The checkpoint file was altered (a line's signature does not match)."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    count: int
    head: str
    at: str
    database: str = ""  # which database (a hash of its URL): one file may serve several

    def message(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))


def database_id() -> str:
    """A short fingerprint of the database URL (password left out)."""
    url = db.engine.url.render_as_string(hide_password=True)
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def checkpoint_file() -> Path:
    configured = current_app.config.get("AUDIT_CHECKPOINT_FILE")
    return Path(configured or Path(current_app.instance_path) / "audit-checkpoints.jsonl")


def take_checkpoint() -> Checkpoint:
    """The chain's head now (read under the head's lock, so no event is half-written)."""
    row = db.session.execute(
        sa.update(AuditChainHead).where(AuditChainHead.id == 1)
        .values(last_hash=AuditChainHead.last_hash)
        .returning(AuditChainHead.last_seq, AuditChainHead.last_hash)).first()
    seq, head = (row.last_seq or 0, row.last_hash) if row else (0, GENESIS_HASH)
    db.session.commit()
    return Checkpoint(seq=seq, count=seq, head=head, at=utcnow().isoformat(timespec="seconds"),
                      database=database_id())


def append_checkpoint(point: Checkpoint, path: Path | None = None) -> Path:
    path = path or checkpoint_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({**asdict(point), "mac": sign(point.message())}, sort_keys=True)
    with path.open("a") as handle:
        handle.write(line + "\n")
    return path


def last_checkpoint(path: Path | None = None) -> Checkpoint | None:
    """This database's newest signed checkpoint, None if there is none; CheckpointError if
    a line was altered or forged (every line's signature is checked)."""
    path = path or checkpoint_file()
    if not path.exists():
        return None
    here, newest = database_id(), None
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            mac = data.pop("mac")
            point = Checkpoint(seq=int(data["seq"]), count=int(data["count"]),
                               head=str(data["head"]), at=str(data["at"]),
                               database=str(data.get("database", "")))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise CheckpointError(f"Line {number} of {path} is not a checkpoint.") from error
        if not same(sign(point.message()), str(mac)):
            raise CheckpointError(f"Line {number} of {path} is not signed with the audit key.")
        if point.database == here:
            newest = point
    return newest


@dataclass(frozen=True)
class CheckpointState:
    """What the audit page says about the last checkpoint: None and no problem when none yet."""

    point: Checkpoint | None
    problem: str | None


def checkpoint_state() -> CheckpointState:
    """The last checkpoint against the chain as it is now, in one query: a head behind the
    checkpoint (a cut-off tail, an emptied table) or another hash at the checkpoint's event
    (a rewritten trail). The full re-signing is `flask audit verify`'s."""
    try:
        point = last_checkpoint()
    except CheckpointError as error:
        return CheckpointState(None, str(error))
    if point is None:
        return CheckpointState(None, None)
    at_checkpoint = (sa.select(AuditEvent.hash).where(AuditEvent.seq == point.seq)
                     .scalar_subquery())
    row = db.session.execute(sa.select(AuditChainHead.last_seq, at_checkpoint.label("hash"))
                             .where(AuditChainHead.id == 1)).first()
    last_seq = row.last_seq if row else 0
    if last_seq < point.seq:
        return CheckpointState(point, f"events after number {last_seq} were removed: the "
                                      f"checkpoint of {point.at} saw {point.count} events")
    if point.seq and (row.hash is None or not same(row.hash, point.head)):
        return CheckpointState(point, f"the trail up to the checkpoint of {point.at} was rewritten")
    return CheckpointState(point, None)
