"""The staff's in-app notifications: the navbar's menu with its unread count.

A notice names the kind of event and the record to open, never clinical content; it is
written in the transaction of the event, beside the email (tracker.core.outbox)."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db import Choice, utcnow
from tracker.extensions import db


class NoticeKind(StrEnum):
    SAFETY_FLAG = "safety_flag"
    ESCALATION = "escalation"


NOTICE_KINDS = {NoticeKind.SAFETY_FLAG: "New safety flag for a patient on your care team",
                NoticeKind.ESCALATION: "Safety flag unacknowledged past the clinic's threshold"}


class StaffNotice(db.Model):
    __tablename__ = "staff_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(Choice(NoticeKind, name="notice_kind"))
    flag_id: Mapped[int] = mapped_column(sa.ForeignKey("safety_flag.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    __table_args__ = (
        # One notice of a kind per flag and person: escalating twice tells nobody twice.
        sa.UniqueConstraint("user_id", "kind", "flag_id"),
        sa.Index("ix_staff_notice_unread", "user_id", "read_at"),
    )

    @property
    def kind_label(self) -> str:
        return NOTICE_KINDS[self.kind]


def add_notice(*, user_id: int, kind: str, flag_id: int) -> StaffNotice:
    notice = StaffNotice(user_id=user_id, kind=kind, flag_id=flag_id)
    db.session.add(notice)
    db.session.flush()
    return notice


def unread_count(user_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count(StaffNotice.id)).where(
        StaffNotice.user_id == user_id, StaffNotice.read_at.is_(None))) or 0


def recent_notices(user_id: int, limit: int = 50) -> sa.Select:
    return (sa.select(StaffNotice).where(StaffNotice.user_id == user_id)
            .order_by(StaffNotice.created_at.desc(), StaffNotice.id.desc()).limit(limit))
