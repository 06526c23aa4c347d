"""The patients' daily reminder digest, composed by the worker and queued in the outbox.

For each patient who turned reminders on, once a clinic-local day, at their hour and outside
their quiet hours: a dosing session tomorrow (with the preparation instructions and the .ics
attached), integration task days due today and not yet marked, questionnaires due. Only the
kinds they chose; nothing when there is nothing to say. Idempotent: one digest per patient and
day (the key), and `last_digest_on` makes each patient's day looked at once.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from tracker.care.scoring import INSTRUMENTS
from tracker.core.audit.service import record_event
from tracker.core.clinic import Clinic
from tracker.core.outbox import MessageKind, app_url, enqueue
from tracker.core.patients import Patient
from tracker.core.preparation import preparation_text
from tracker.core.reminders import ReminderPreference, digest_due, local_instant, unsubscribe_token
from tracker.core.users import User
from tracker.datetext import Style, show_date, show_time
from tracker.db import utcnow
from tracker.extensions import db
from tracker.portal import ics, queries
from tracker.portal.schedule import due_questionnaires, is_occurrence

SESSION_LENGTH = timedelta(hours=2)
PREPARATION = "Before your session:\n" + preparation_text() + "\n"


def _sessions_tomorrow(patient: Patient, day, zone, now) -> list:
    start = local_instant(day + timedelta(days=1), 0, zone)
    end = local_instant(day + timedelta(days=2), 0, zone)
    return [s for s in db.session.scalars(queries.upcoming_sessions(patient.id, now))
            if start <= s.scheduled_at < end]


def _tasks_today(patient: Patient, day) -> list[str]:
    tasks = db.session.scalars(queries.active_tasks(patient.id)).all()
    marked = {(m.task_id, m.occurrence_on)
              for m in db.session.scalars(queries.completions(patient.id, [t.id for t in tasks]))}
    return [t.title for t in tasks if is_occurrence(t, day) and (t.id, day) not in marked]


def _questionnaires_due(patient: Patient, clinic: Clinic, now) -> list[str]:
    latest = dict(db.session.execute(queries.latest_completion_by_instrument(patient.id)).all())
    upcoming = db.session.scalars(queries.upcoming_sessions(patient.id, now).limit(1)).first()
    due = {d.instrument for d in due_questionnaires(
        latest, upcoming.scheduled_at if upcoming else None, now,
        every_days=clinic.setting("phq9_every_days"),
        before_session_days=clinic.setting("phq9_before_session_days"))}
    due |= {a.instrument for a in db.session.scalars(queries.open_assignments(patient.id))}
    return sorted(INSTRUMENTS[code].name for code in due)


def compose_digest(pref: ReminderPreference, patient: Patient, clinic: Clinic, day, now):
    """(body, ics text or None), or None when there is nothing the patient chose to hear."""
    zone = ZoneInfo(clinic.timezone)
    parts, calendar = [], None
    if pref.sessions and (sessions := _sessions_tomorrow(patient, day, zone, now)):
        for s in sessions:
            local, style = s.scheduled_at.astimezone(zone), Style.of(clinic)
            when = f"{show_date(local, style)} at {show_time(local, style)}"
            parts.append(f"Your dosing session is tomorrow, {when}, at {clinic.name}.")
        parts.append(PREPARATION + "The calendar entry is attached.")
        domain = current_app.config.get("ICS_UID_DOMAIN", "journey-tracker")
        calendar = ics.calendar(
            [ics.Event(uid=f"dosing-session-{s.id}.clinic-{clinic.id}@{domain}",
                       starts_at=s.scheduled_at, summary=f"Dosing session at {clinic.name}",
                       duration=SESSION_LENGTH, sequence=s.version - 1) for s in sessions],
            name=f"{clinic.name} appointments", generated_at=now)
    if pref.tasks and (titles := _tasks_today(patient, day)):
        parts.append("Integration tasks for today:\n" + "\n".join(f"- {t}" for t in titles))
    if pref.questionnaires and (names := _questionnaires_due(patient, clinic, now)):
        parts.append("Questionnaires due: " + ", ".join(names) + ".")
    if not parts:
        return None
    body = (f"Hello {patient.given_name},\n\n" + "\n\n".join(parts)
            + f"\n\nYour portal: {app_url('portal.journey')}\n"
            + f"Change your reminders: {app_url('portal.reminders')}\n"
            + f"Stop these emails: {app_url('notify.unsubscribe', token=unsubscribe_token(patient.id))}\n")
    return body, calendar


def queue_reminders(now: datetime | None = None) -> int:
    """Queue every digest due at `now`; commit per patient; return how many were queued."""
    now = now or utcnow()
    queued = 0
    for clinic in db.session.scalars(sa.select(Clinic).order_by(Clinic.id)).all():
        zone = ZoneInfo(clinic.timezone)
        today = now.astimezone(zone).date()
        rows = db.session.execute(
            sa.select(ReminderPreference, Patient, User)
            .join(Patient, Patient.id == ReminderPreference.patient_id)
            .join(User, User.id == Patient.user_id)
            .where(Patient.clinic_id == clinic.id, Patient.status == "active",
                   User.active.is_(True), ReminderPreference.enabled.is_(True),
                   ReminderPreference.unsubscribed_at.is_(None),
                   sa.or_(ReminderPreference.last_digest_on.is_(None),
                          ReminderPreference.last_digest_on < today))
            .order_by(ReminderPreference.id)).all()
        for pref, patient, account in rows:
            day = digest_due(pref, now, zone)
            if day is None:
                continue
            pref.last_digest_on = day
            digest = compose_digest(pref, patient, clinic, day, now)
            if digest is not None:
                body, calendar = digest
                enqueue(key=f"digest:{patient.id}:{day.isoformat()}", kind=MessageKind.REMINDER,
                        clinic_id=clinic.id, recipient_id=account.id, to_address=account.email,
                        subject=f"{clinic.name}: your reminders for {show_date(day, Style.of(clinic))}",
                        body=body, ics=calendar)
                record_event("send_reminder", "patient", patient.id, patient_id=patient.id)
                queued += 1
            db.session.commit()
    return queued
