"""Addenda: the only way to correct a signed record."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import Choice, utcnow
from tracker.extensions import db

if TYPE_CHECKING:  # names for the annotations; the mapper resolves them by name
    from tracker.core.users import User

class SignableRecord(StrEnum):
    DOSING_SESSION = "dosing_session"
    DEBRIEF = "debrief"


SIGNABLE = tuple(SignableRecord)


class Addendum(db.Model):
    __tablename__ = "addendum"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"))
    record_type: Mapped[str] = mapped_column(Choice(SignableRecord, name="addendum_record_type"))
    record_id: Mapped[int]
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(sa.String(500))
    text: Mapped[str] = mapped_column(sa.Text)

    author: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (
        sa.Index("ix_addendum_record", "record_type", "record_id"),
        sa.CheckConstraint("length(text) <= 10000", name="text_length"),
    )
