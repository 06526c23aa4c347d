"""The staff's in-app notifications: the navbar's menu with its unread count.

A notice names the kind of event and the record to open, never clinical content; it is
written in the transaction of the event, beside the email (tracker.core.outbox)."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask import g, has_app_context
from sqlalchemy.orm import Mapped, Session, mapped_column

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


def unread_of(user_id) -> sa.ScalarSelect:
    """How many of the user's notices are unread, as a subquery (`user_id` may be a column)."""
    return (sa.select(sa.func.count(StaffNotice.id))
            .where(StaffNotice.user_id == user_id, StaffNotice.read_at.is_(None))
            .scalar_subquery())


# The signed-in user's count is read with the user, in the statement that loads them at the
# start of the request (tracker/auth/loader.py): the navbar needs no statement of its own, and
# a page that committed its audit event before rendering does not open a transaction again.
_KNOWN = "unread_notices"  # flask.g: {user id: count}


def remember_unread(user_id: int, count: int) -> None:
    g.setdefault(_KNOWN, {})[user_id] = count


def unread_count(user_id: int) -> int:
    """The navbar's count: as read with the user if nothing changed a notice since, or counted."""
    known = g.get(_KNOWN, {}) if has_app_context() else {}
    if user_id in known:
        return known[user_id]
    return db.session.scalar(sa.select(unread_of(user_id))) or 0


def _forget_unread() -> None:
    if has_app_context():
        g.pop(_KNOWN, None)


@sa.event.listens_for(Session, "after_flush")
def _notices_changed(session, _context) -> None:
    """A notice added, read or removed in this request: the count read with the user is stale."""
    if any(isinstance(o, StaffNotice) for o in (*session.new, *session.dirty, *session.deleted)):
        _forget_unread()


def read_all_notices(user_id: int) -> None:
    db.session.execute(sa.update(StaffNotice).where(
        StaffNotice.user_id == user_id, StaffNotice.read_at.is_(None)).values(read_at=utcnow()))
    _forget_unread()


def recent_notices(user_id: int, limit: int = 50) -> sa.Select:
    return (sa.select(StaffNotice).where(StaffNotice.user_id == user_id)
            .order_by(StaffNotice.created_at.desc(), StaffNotice.id.desc()).limit(limit))
