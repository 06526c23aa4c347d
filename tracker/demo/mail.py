"""The demo clinic's email history: each flag's messages and notices, as if the worker had run.

Rows are written with the flag's own (past) times and as delivered, so the delivery log, the
notifications menu and the patient's "Your care team was notified at ..." tell a consistent
story; nothing old is sent again when `make run` starts the worker."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from tracker.core.alerts import staff_email
from tracker.core.care_team import care_team_clinicians
from tracker.core.notices import StaffNotice
from tracker.core.outbox import Message, MessageKind, MessageStatus
from tracker.core.users import LEAD, User
from tracker.extensions import db


def _delivered(kind: str, flag, user: User, clinic, at: datetime, hours: int | None = None):
    subject, _ = staff_email(kind, flag, clinic, hours)
    db.session.add(Message(
        idempotency_key=f"flag:{flag.id}:{kind}:{user.id}", kind=kind, clinic_id=clinic.id,
        recipient_id=user.id, to_address=user.email, flag_id=flag.id, subject=subject, body=None,
        status=MessageStatus.SENT, attempts=1, created_at=at, next_attempt_at=at,
        last_attempt_at=at + timedelta(seconds=4), sent_at=at + timedelta(seconds=4)))


def flag_history(flag, clinic, now: datetime) -> None:
    """The care team's emails and notices when the flag was raised; the leads' escalation if it
    stayed open past the clinic's threshold (read once acknowledged, else unread)."""
    team = list(db.session.scalars(care_team_clinicians(flag.patient_id)))
    for user in team:
        _delivered(MessageKind.SAFETY_FLAG, flag, user, clinic, flag.raised_at)
        db.session.add(StaffNotice(user_id=user.id, kind="safety_flag", flag_id=flag.id,
                                   created_at=flag.raised_at, read_at=flag.acknowledged_at))
    hours = clinic.setting("acknowledge_flag_within_hours")
    due = flag.raised_at + timedelta(hours=hours, minutes=1)
    if flag.acknowledged_at is None and due <= now:
        leads = db.session.scalars(sa.select(User).where(
            User.clinic_id == clinic.id, User.role == LEAD, User.active.is_(True)))
        for lead in leads:
            _delivered(MessageKind.ESCALATION, flag, lead, clinic, due, hours)
            db.session.add(StaffNotice(user_id=lead.id, kind="escalation", flag_id=flag.id,
                                       created_at=due))
    db.session.flush()


def opt_in_reminders(patients) -> None:
    """patient@demo.test chose reminders: every kind, at 18:00, quiet from 22:00 to 07:00."""
    from tracker.core.reminders import ReminderPreference
    from tracker.core.users import User

    for patient in patients:
        account = db.session.get(User, patient.user_id) if patient.user_id else None
        if account is not None and account.email == "patient@demo.test":
            db.session.add(ReminderPreference(patient_id=patient.id, enabled=True, hour=18,
                                              quiet_start=22, quiet_end=7))
    db.session.flush()
