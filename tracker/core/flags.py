"""Safety flags: the model and the one function every stage calls to raise one.

Dosing (severe adverse events, alert-level vitals) and care (PHQ-9 item 9) both raise flags,
so they live in the core; care shows and acknowledges them."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.audit.service import record_event
from tracker.db import Choice, same_patient_key, utcnow
from tracker.extensions import db

if TYPE_CHECKING:  # names for the annotations; the mapper resolves them by name
    from tracker.core.users import User

class FlagSource(StrEnum):
    PHQ9_ITEM9 = "phq9_item9"
    ADVERSE_EVENT = "adverse_event"
    VITAL_ALERT = "vital_alert"


FLAG_SOURCES = {FlagSource.PHQ9_ITEM9: "PHQ-9 item 9 above 0",
                FlagSource.ADVERSE_EVENT: "Severe adverse event",
                FlagSource.VITAL_ALERT: "Alert-level vital sign"}


class SafetyFlag(db.Model):
    """Raised by PHQ-9 item 9, a severe adverse event or an alert-level vital; shown until
    a clinician acknowledges it with a note."""

    __tablename__ = "safety_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"))
    source: Mapped[str] = mapped_column(Choice(FlagSource, name="flag_source"))
    source_id: Mapped[int]
    session_id: Mapped[int | None] = mapped_column()
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    summary: Mapped[str] = mapped_column(sa.String(300))
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    acknowledgement_note: Mapped[str | None] = mapped_column(sa.Text)

    acknowledged_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.Index("ix_safety_flag_raised_at", "raised_at"),
        sa.UniqueConstraint("source", "source_id"),
        sa.CheckConstraint(
            "(acknowledged_at IS NULL AND acknowledged_by_id IS NULL) OR "
            "(acknowledged_at IS NOT NULL AND acknowledged_by_id IS NOT NULL "
            "AND acknowledgement_note IS NOT NULL)", name="acknowledgement_whole"),
        sa.Index("ix_safety_flag_patient_open", "patient_id", "acknowledged_at"),
        same_patient_key("session_id", "dosing_session"),
    )

    @property
    def source_label(self) -> str:
        return FLAG_SOURCES[self.source]


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
    from tracker.core.alerts import flag_raised  # alerts reads flags: imported when needed
    flag_raised(flag)  # the care team's emails and notices, in this same transaction
    return flag
