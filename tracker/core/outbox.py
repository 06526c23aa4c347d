"""The outbox: every email is a row written in the transaction of the event that causes it.

A background worker (tracker/notify/worker.py) sends the rows later, so nothing is sent for an
event that was rolled back and nothing is lost while the mail server is down. Each message has
an idempotency key, unique in the table: enqueueing the same key twice keeps the first message,
and the key is the email's Message-ID, so a receiver can drop the rare duplicate that an
at-least-once worker could produce (a crash between the server's 250 and our commit).

The body is kept only until the message is delivered (then it is wiped): the lead's delivery
log shows who, when, which kind and whether it was delivered, never the content.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import Choice, utcnow
from tracker.extensions import db

if TYPE_CHECKING:  # names for the annotations; the mapper resolves them by name
    from tracker.core.users import User


class MessageKind(StrEnum):
    SAFETY_FLAG = "safety_flag"          # a new safety flag, to the patient's care team
    ESCALATION = "escalation"            # still unacknowledged past the threshold, to the leads
    PASSWORD_RESET = "password_reset"
    INVITATION = "invitation"            # a portal invitation or a new staff member's link
    REMINDER = "reminder"                # a patient's daily digest
    ACCOUNT_ALERT = "account_alert"      # to an account's owner (e.g. repeated failed sign-ins)


MESSAGE_KINDS = {MessageKind.SAFETY_FLAG: "Safety flag raised",
                 MessageKind.ESCALATION: "Safety flag escalated",
                 MessageKind.PASSWORD_RESET: "Password reset",
                 MessageKind.INVITATION: "Invitation link",
                 MessageKind.REMINDER: "Reminder digest",
                 MessageKind.ACCOUNT_ALERT: "Account security alert"}


class MessageStatus(StrEnum):
    PENDING = "pending"   # waiting for its first try, or for a retry (attempts > 0)
    SENT = "sent"         # the mail server accepted it
    FAILED = "failed"     # given up after MAIL_MAX_ATTEMPTS


class Message(db.Model):
    """One email to one address."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[str] = mapped_column(Choice(MessageKind, name="message_kind"))
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    recipient_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    to_address: Mapped[str] = mapped_column(sa.String(254))
    # The safety flag a message is about: the patient's crisis message says when the team was told.
    flag_id: Mapped[int | None] = mapped_column(sa.ForeignKey("safety_flag.id"), index=True)
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str | None] = mapped_column(sa.Text)          # wiped once delivered
    ics: Mapped[str | None] = mapped_column(sa.Text)           # an optional calendar attachment
    status: Mapped[str] = mapped_column(Choice(MessageStatus, name="message_status"),
                                        default=MessageStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(200))  # the error's kind, no content

    recipient: Mapped[User | None] = relationship()

    __table_args__ = (
        # The worker's claim: due pending messages, oldest first.
        sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),
    )

    @property
    def kind_label(self) -> str:
        return MESSAGE_KINDS[self.kind]


def enqueue(*, key: str, kind: str, clinic_id: int, to_address: str, subject: str, body: str,
            recipient_id: int | None = None, flag_id: int | None = None,
            ics: str | None = None) -> Message:
    """Queue one email in the caller's transaction (flushed, not committed).

    Idempotent: a message with the same key already queued (or sent) is returned unchanged."""
    existing = db.session.scalar(sa.select(Message).where(Message.idempotency_key == key))
    if existing is not None:
        return existing
    message = Message(idempotency_key=key, kind=kind, clinic_id=clinic_id,
                      recipient_id=recipient_id, to_address=to_address, subject=subject[:200],
                      body=body, ics=ics, flag_id=flag_id)
    db.session.add(message)
    db.session.flush()
    return message


def app_url(endpoint: str, **values) -> str:
    """An absolute link into the app, for an email: built from PUBLIC_URL when set (production,
    and the worker, which has no request), else from the request being served."""
    base = current_app.config.get("PUBLIC_URL")
    if not base and has_request_context():
        base = request.host_url
    parts = urlsplit(base or "http://127.0.0.1:5000")
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                                       url_scheme=parts.scheme or "http")
    return adapter.build(endpoint, values, force_external=True)
