"""The outbox worker: claim a due message, send it, record what happened; repeat.

Claiming is `SELECT ... FOR UPDATE SKIP LOCKED LIMIT 1` on PostgreSQL: the row stays locked
while it is sent and until the outcome commits, and every other worker skips it, so any number
of workers (on any number of machines) never send a message twice. SQLite has no row locks
(the clause is left out): there, run a single worker (`flask notify worker` refuses a second
one with a lock file).

A failure (server down, refused, timed out) puts the message back with exponential backoff:
MAIL_RETRY_SECONDS * 2**(attempts-1), at most MAIL_RETRY_MAX_SECONDS, until MAIL_MAX_ATTEMPTS,
after which it is `failed` (the lead's delivery log shows it). Delivery is at least once: a
crash after the server accepted a message but before the commit sends it again on the next
claim, with the same Message-ID.
"""
from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from tracker.core.outbox import Message, MessageStatus
from tracker.db import utcnow
from tracker.extensions import db
from tracker.notify.transport import build_email

log = logging.getLogger(__name__)


@dataclass
class Pass:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def backoff(attempts: int, base: int, cap: int) -> timedelta:
    """The wait after the `attempts`-th failure: base, 2 base, 4 base, ... at most cap."""
    return timedelta(seconds=min(cap, base * 2 ** max(0, min(attempts - 1, 30))))


def claim_due(now: datetime) -> Message | None:
    """The oldest due message, locked for this transaction (skipped by other workers)."""
    return db.session.scalar(
        sa.select(Message)
        .where(Message.status == MessageStatus.PENDING, Message.next_attempt_at <= now)
        .order_by(Message.next_attempt_at, Message.id).limit(1)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True))


def _error_kind(error: Exception) -> str:
    """What went wrong, without the server's reply (which may quote the message)."""
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__}{f' {code}' if code else ''}"[:200]


def send_due(transport, *, now: datetime | None = None, limit: int | None = None) -> Pass:
    """Send due messages one transaction each until none is due (or `limit` were tried).

    A connection failure ends the pass early (the server is down: the other messages wait for
    the next pass rather than each spending an attempt)."""
    config = current_app.config
    mail_from = config["MAIL_FROM"]
    done = Pass()
    tried = 0
    try:
        while limit is None or tried < limit:
            at = now or utcnow()
            message = claim_due(at)
            if message is None:
                db.session.commit()
                break
            tried += 1
            message.attempts += 1
            message.last_attempt_at = at
            try:
                transport.send(build_email(message, mail_from))
            except (smtplib.SMTPException, OSError) as error:
                message.last_error = _error_kind(error)
                if message.attempts >= config["MAIL_MAX_ATTEMPTS"]:
                    message.status = MessageStatus.FAILED
                    done.failed += 1
                else:
                    message.next_attempt_at = at + backoff(
                        message.attempts, config["MAIL_RETRY_SECONDS"], config["MAIL_RETRY_MAX_SECONDS"])
                    done.retrying += 1
                db.session.commit()
                log.warning("outbox message %s not sent (%s), attempt %s", message.id,
                            message.last_error, message.attempts)
                if isinstance(error, (OSError, smtplib.SMTPServerDisconnected,
                                      smtplib.SMTPConnectError)):
                    break
                continue
            message.status = MessageStatus.SENT
            message.sent_at = utcnow()
            message.last_error = None
            message.body = None  # the content is not kept once delivered
            message.ics = None
            db.session.commit()
            done.sent += 1
    finally:
        db.session.rollback()
    return done
