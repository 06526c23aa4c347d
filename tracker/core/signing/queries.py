"""Reads of signed records' addenda."""
from __future__ import annotations

import sqlalchemy as sa

from tracker.core.signing.models import Addendum


def record_addenda(record_type: str, record_id: int) -> sa.Select:
    """The addenda of one signed record, oldest first, with their authors."""
    return (sa.select(Addendum)
            .where(Addendum.record_type == record_type, Addendum.record_id == record_id)
            .order_by(Addendum.created_at, Addendum.id))
