"""A safety signal reaches a person: the care team at once, the leads if it stays open.

`flag_raised` runs inside raise_flag's transaction: an email per active clinician on the
patient's care team (the clinic's leads when the team is empty) and an in-app notice each.
`escalate_open_flags` (run by the worker, or `flask notify escalate`) tells the clinic's leads
about every flag still unacknowledged after the clinic's `acknowledge_flag_within_hours`; it is
idempotent (one escalation per flag and lead, held by unique keys), so any number of workers
may run it at once.

What staff are told is the kind of event, when, and a link into the app (sign-in required):
no patient name, no score, no summary. Clinical detail stays behind the sign-in.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tracker.core.audit.service import record_event
from tracker.core.care_team import care_team_clinicians
from tracker.core.clinic import Clinic
from tracker.core.notices import NoticeKind, StaffNotice, add_notice
from tracker.core.outbox import Message, MessageKind, app_url, enqueue
from tracker.core.patients import Patient
from tracker.core.users import LEAD, User
from tracker.datetext import Style, show_date, show_time
from tracker.db import utcnow
from tracker.extensions import db


def _leads(clinic_id: int) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(
        User.clinic_id == clinic_id, User.role == LEAD, User.active.is_(True)).order_by(User.id)))


def _local(when: datetime, clinic: Clinic) -> str:
    local, style = when.astimezone(ZoneInfo(clinic.timezone)), Style.of(clinic)
    return f"{show_date(local, style)} at {show_time(local, style)} {local:%Z}"


def staff_email(kind: str, flag, clinic: Clinic, hours: int | None = None) -> tuple[str, str]:
    """(subject, body) of a staff email about a flag: the kind of event and a link, no more."""
    link = app_url("care.acknowledge_flag", flag_id=flag.id)
    if kind == MessageKind.ESCALATION:
        subject = f"{clinic.name}: a safety flag is still unacknowledged"
        what = (f"A safety flag raised {_local(flag.raised_at, clinic)} has not been "
                f"acknowledged within {hours} hours.")
    else:
        subject = f"{clinic.name}: a new safety flag needs your attention"
        what = f"A safety flag was raised {_local(flag.raised_at, clinic)} for a patient on your care team."
    body = (f"{what}\n\nOpen it in the Journey Tracker (sign-in required):\n{link}\n\n"
            "This email carries no clinical detail by design; the record is in the app.\n")
    return subject, body


def _tell(user: User, kind: str, flag, clinic: Clinic, hours: int | None = None) -> Message:
    subject, body = staff_email(kind, flag, clinic, hours)
    message = enqueue(key=f"flag:{flag.id}:{kind}:{user.id}", kind=kind, clinic_id=clinic.id,
                      recipient_id=user.id, to_address=user.email, subject=subject, body=body,
                      flag_id=flag.id)
    add_notice(user_id=user.id, kind=kind, flag_id=flag.id)
    return message


def flag_raised(flag) -> int:
    """Queue the care team's emails and notices for a new flag; return how many were queued."""
    patient = db.session.get(Patient, flag.patient_id)
    clinic = db.session.get(Clinic, patient.clinic_id)
    # Someone must be told: with nobody on the care team, the clinic's leads are.
    people = list(db.session.scalars(care_team_clinicians(patient.id))) or _leads(clinic.id)
    for user in people:
        _tell(user, MessageKind.SAFETY_FLAG, flag, clinic)
    return len(people)


def care_team_notified_at(flag_id: int) -> datetime | None:
    """When the first message about this flag was queued (None: nobody was told)."""
    return db.session.scalar(sa.select(sa.func.min(Message.created_at)).where(
        Message.flag_id == flag_id, Message.kind == MessageKind.SAFETY_FLAG))


def escalate_open_flags(now: datetime | None = None) -> int:
    """Escalate every flag unacknowledged past its clinic's threshold to the clinic's leads,
    once per flag and lead. Commits per flag (it is a job, not a request); returns how many
    leads were told."""
    from tracker.core.flags import SafetyFlag  # flags imports this module

    now = now or utcnow()
    told = 0
    for clinic in db.session.scalars(sa.select(Clinic).order_by(Clinic.id)).all():
        hours = clinic.setting("acknowledge_flag_within_hours")
        leads = _leads(clinic.id)
        if not leads:
            continue
        escalated = sa.select(StaffNotice.id).where(
            StaffNotice.flag_id == SafetyFlag.id, StaffNotice.kind == NoticeKind.ESCALATION)
        flags = db.session.scalars(
            sa.select(SafetyFlag).join(Patient, Patient.id == SafetyFlag.patient_id)
            .where(Patient.clinic_id == clinic.id, SafetyFlag.acknowledged_at.is_(None),
                   SafetyFlag.raised_at <= now - timedelta(hours=hours), ~sa.exists(escalated))
            .order_by(SafetyFlag.id)).all()
        for flag in flags:
            try:
                with db.session.begin_nested():
                    for lead in leads:
                        _tell(lead, MessageKind.ESCALATION, flag, clinic, hours)
                    record_event("escalate", "safety_flag", flag.id, patient_id=flag.patient_id)
                db.session.commit()
                told += len(leads)
            except IntegrityError:  # another worker escalated it first
                db.session.rollback()
    return told
