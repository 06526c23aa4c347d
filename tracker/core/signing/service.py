"""Signing and amending: signed content is read-only; corrections are addenda."""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal

from tracker.core.audit.service import record_event
from tracker.core.signing.models import Addendum
from tracker.db import utcnow
from tracker.extensions import db
from tracker.rules import Refused


def signed_refusal(what: str = "This record") -> Refused:
    """The refusal of any change to signed content: a 409, since the record's state (signed),
    not what was typed, is what stands in the way; only an addendum can correct it."""
    return Refused(f"{what} is signed and can no longer be edited. Add an addendum instead.",
                   status=409)


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def content_hash(content: dict) -> str:
    """SHA-256 of the record's content in a canonical form (sorted keys, ISO dates)."""
    canonical = json.dumps(content, sort_keys=True, default=_plain, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def ensure_unsigned(record, what: str = "This record") -> None:
    if record.signed_at is not None:
        raise signed_refusal(what)


def sign(record, record_type: str, content: dict, user) -> None:
    """Sign `record`: signer, time and a hash of `content`, in the caller's transaction."""
    ensure_unsigned(record)
    record.signed_at = utcnow()
    record.signed_by_id = user.id
    record.content_hash = content_hash(content)
    db.session.flush()
    record_event("sign", record_type, record.id, patient_id=record.patient_id, user=user)


def add_addendum(record, record_type: str, *, reason: str, text: str, user) -> Addendum:
    """Append a dated correction with author and reason beside a signed record."""
    if record.signed_at is None:
        raise Refused("Only a signed record takes an addendum; edit the draft instead.",
                      status=409)
    addendum = Addendum(patient_id=record.patient_id, record_type=record_type, record_id=record.id,
                        author_id=user.id, reason=reason.strip(), text=text.strip())
    db.session.add(addendum)
    db.session.flush()
    record_event("addendum", record_type, record.id, patient_id=record.patient_id, user=user)
    return addendum
