"""My reminders: the form and the service that saves a patient's choices (opt-in)."""
from __future__ import annotations

import sqlalchemy as sa
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.fields.choices import SelectChoice

from tracker.core.audit.service import record_event
from tracker.core.reminders import ReminderPreference, in_quiet_hours
from tracker.extensions import db
from tracker.rules import Refused

HOURS = [SelectChoice(str(h), f"{h:02d}:00") for h in range(24)]
NO_QUIET = [SelectChoice("", "No quiet hours")]


class ReminderForm(FlaskForm):
    enabled = BooleanField("Email me reminders")
    sessions = BooleanField("A dosing session tomorrow (with how to prepare, and a calendar file)")
    tasks = BooleanField("Integration tasks due today")
    questionnaires = BooleanField("A questionnaire is due")
    hour = SelectField("Send them at", choices=HOURS, default="18")
    quiet_start = SelectField("Quiet hours from", choices=NO_QUIET + HOURS, default="")
    quiet_end = SelectField("Quiet hours until", choices=NO_QUIET + HOURS, default="")


def preference_of(patient_id: int) -> ReminderPreference | None:
    return db.session.scalar(sa.select(ReminderPreference).where(
        ReminderPreference.patient_id == patient_id))


def save_reminders(patient, form: ReminderForm, user) -> ReminderPreference:
    """Save the patient's reminder choices; refuse a choice that would never send anything."""
    hour = int(form.hour.data)
    start = int(form.quiet_start.data) if form.quiet_start.data else None
    end = int(form.quiet_end.data) if form.quiet_end.data else None
    if (start is None) != (end is None):
        raise Refused("Choose both ends of your quiet hours, or neither.", field="quiet_end")
    if start is not None and start == end:
        raise Refused("Quiet hours need a different start and end.", field="quiet_end")
    kinds = [form.sessions.data, form.tasks.data, form.questionnaires.data]
    if form.enabled.data and not any(kinds):
        raise Refused("Choose at least one kind of reminder, or turn reminders off.",
                      field="enabled")
    if form.enabled.data and in_quiet_hours(hour, start, end):
        raise Refused(f"{hour:02d}:00 is inside your quiet hours: choose another time.",
                      field="hour")
    pref = preference_of(patient.id)
    if pref is None:
        pref = ReminderPreference(patient_id=patient.id)
        db.session.add(pref)
    pref.enabled = bool(form.enabled.data)
    pref.sessions, pref.tasks, pref.questionnaires = (bool(k) for k in kinds)
    pref.hour, pref.quiet_start, pref.quiet_end = hour, start, end
    if pref.enabled:
        pref.unsubscribed_at = None
    db.session.flush()
    record_event("update", "reminder_preference", pref.id, patient_id=patient.id, user=user)
    return pref
