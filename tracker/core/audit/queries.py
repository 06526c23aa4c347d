"""Reads of the audit trail: the lead's filtered view, and a quick check of the chain's newest
window for the page (the whole chain is checked by `flask audit verify`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from tracker.core.audit.keys import same
from tracker.core.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from tracker.core.audit.service import HASHED_FIELDS, event_hash
from tracker.core.patients import Patient
from tracker.core.users import User
from tracker.extensions import db

SIGN_IN = "sign_in"

# Newest events re-hashed on each view of the audit page: about 10 ms per thousand.
RECENT_WINDOW = 1000


@dataclass(frozen=True)
class TrailFilter:
    """What the lead asked for; None means "any"."""

    user_id: int | None = None
    patient_id: int | None = None
    action: str | None = None
    record_type: str | None = None
    outcome: str | None = None
    since: datetime | None = None   # inclusive, aware UTC
    until: datetime | None = None   # exclusive, aware UTC


def trail_columns():
    """The event with who did it and whose record it was, for the page and the export."""
    return (AuditEvent, User.full_name.label("user_name"), User.email.label("user_email"),
            Patient.record_number.label("record_number"),
            Patient.given_name.label("patient_given"), Patient.family_name.label("patient_family"))


def export_columns():
    """Plain columns for the CSV export (no ORM objects: several times faster per row)."""
    return (AuditEvent.id, AuditEvent.occurred_at, User.email, User.full_name, AuditEvent.role,
            AuditEvent.action, AuditEvent.record_type, AuditEvent.record_id,
            Patient.record_number, AuditEvent.ip_address, AuditEvent.outcome, AuditEvent.hash)


def unclaimed_sign_in() -> sa.ColumnElement[bool]:
    """Failed sign-ins with an email that matches no account: they belong to no clinic (the
    sign-in page is shared, and the email is not stored), so every clinic's leads see them:
    a password-guessing run against made-up addresses is visible to whoever keeps watch. Only
    the time, address and outcome are kept; no other clinic's data is in such an event."""
    return sa.and_(AuditEvent.clinic_id.is_(None), AuditEvent.user_id.is_(None),
                   AuditEvent.action == SIGN_IN)


def audit_trail(clinic_id: int, filters: TrailFilter, *, columns=None) -> sa.Select:
    """The clinic's events matching `filters`, newest first (occurred_at desc, id desc: served
    by the occurred_at index, or by the user / patient indexes when those filters are set)."""
    stmt = (sa.select(*(columns or trail_columns()))
            .outerjoin(User, User.id == AuditEvent.user_id)
            .outerjoin(Patient, Patient.id == AuditEvent.patient_id)
            .where(sa.or_(AuditEvent.clinic_id == clinic_id, unclaimed_sign_in())))
    if filters.user_id is not None:
        stmt = stmt.where(AuditEvent.user_id == filters.user_id)
    if filters.patient_id is not None:
        stmt = stmt.where(AuditEvent.patient_id == filters.patient_id)
    if filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    if filters.record_type:
        stmt = stmt.where(AuditEvent.record_type == filters.record_type)
    if filters.outcome:
        stmt = stmt.where(AuditEvent.outcome == filters.outcome)
    if filters.since is not None:
        stmt = stmt.where(AuditEvent.occurred_at >= filters.since)
    if filters.until is not None:
        stmt = stmt.where(AuditEvent.occurred_at < filters.until)
    return stmt


def older_than(stmt: sa.Select, occurred_at: datetime, event_id: int) -> sa.Select:
    """Keyset page: the events after (older than) the cursor, newest first. The first condition
    alone can use the occurred_at index; the second breaks ties by id."""
    return stmt.where(AuditEvent.occurred_at <= occurred_at,
                      sa.or_(AuditEvent.occurred_at < occurred_at, AuditEvent.id < event_id)
                      ).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())


def newer_than(stmt: sa.Select, occurred_at: datetime, event_id: int) -> sa.Select:
    """Keyset page backwards: the events just before (newer than) the cursor, OLDEST first
    (the caller reverses them)."""
    return stmt.where(AuditEvent.occurred_at >= occurred_at,
                      sa.or_(AuditEvent.occurred_at > occurred_at, AuditEvent.id > event_id)
                      ).order_by(AuditEvent.occurred_at.asc(), AuditEvent.id.asc())


def event_time(clinic_id: int, event_id: int) -> sa.Select:
    """When one of the clinic's events happened: the keyset cursor of a page."""
    return sa.select(AuditEvent.occurred_at).where(
        AuditEvent.id == event_id, sa.or_(AuditEvent.clinic_id == clinic_id, unclaimed_sign_in()))


def newest_first(stmt: sa.Select) -> sa.Select:
    return stmt.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())


def user_by_email(clinic_id: int, email: str) -> sa.Select:
    """The account of this clinic with that email (the filter by user)."""
    return sa.select(User.id).where(User.clinic_id == clinic_id,
                                    User.email == email.strip().lower())


def patient_by_record_number(clinic_id: int, record_number: str) -> sa.Select:
    """The clinic's patient with that record number (the filter by patient)."""
    return sa.select(Patient.id).where(Patient.clinic_id == clinic_id,
                                       Patient.record_number == record_number.strip())


@dataclass(frozen=True)
class WindowReport:
    """The newest `checked` events (ids first_id..last_id) re-hashed and linked."""

    ok: bool
    checked: int
    first_id: int | None
    last_id: int | None
    broken_at: int | None
    verified_up_to: int | None
    reason: str
    whole_chain: bool   # True when the window reached the first event ever written


def verify_recent_window(window: int = RECENT_WINDOW) -> WindowReport:
    """Re-hash the newest `window` events and check their links to each other, to the event
    before them (whose stored hash is taken as the anchor) and to the chain head.

    Two queries whatever the trail's size. Edits or deletions older than the window are found
    by `flask audit verify` (tracker.audit.service.verify_chain), which reads every event."""
    cols = [AuditEvent.id, AuditEvent.prev_hash, AuditEvent.hash,
            *(getattr(AuditEvent, name) for name in HASHED_FIELDS)]
    rows = list(reversed(db.session.execute(
        sa.select(*cols).order_by(AuditEvent.seq.desc()).limit(window + 1)).all()))
    head = db.session.execute(sa.select(AuditChainHead.last_hash, AuditChainHead.last_seq)
                              .where(AuditChainHead.id == 1)).first()
    whole = len(rows) <= window
    prev = GENESIS_HASH if whole else rows[0].hash
    events = rows if whole else rows[1:]
    last_good = None if whole else rows[0].id
    expected_seq = 1 if whole else rows[0].seq + 1
    for row in events:
        if row.prev_hash != prev or row.seq != expected_seq:
            return WindowReport(False, len(events), events[0].id, events[-1].id, row.id, last_good,
                                "an event before this one was changed or removed", whole)
        fields = {name: getattr(row, name) for name in HASHED_FIELDS}
        if not same(event_hash(prev, fields), row.hash):
            return WindowReport(False, len(events), events[0].id, events[-1].id, row.id, last_good,
                                "this event was changed", whole)
        prev, last_good, expected_seq = row.hash, row.id, expected_seq + 1
    if head is not None and (head.last_hash != prev or head.last_seq != expected_seq - 1):
        return WindowReport(False, len(events), events[0].id, events[-1].id, None, last_good,
                            "the newest events were removed", whole)
    return WindowReport(True, len(events), events[0].id if events else None,
                        events[-1].id if events else None, None, last_good, "intact", whole)
