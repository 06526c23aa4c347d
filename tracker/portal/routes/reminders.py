"""My reminders: which emails, at what hour, and quiet hours."""
from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user

from tracker.core.access import allow
from tracker.core.saving import Attempt, save
from tracker.core.users import PATIENT
from tracker.portal.reminders import ReminderForm, preference_of, save_reminders
from tracker.portal.routes import bp, own_patient, show


@bp.route("/reminders", methods=["GET", "POST"])
@allow(PATIENT)
def reminders():
    patient = own_patient()
    pref = preference_of(patient.id)
    form = ReminderForm(obj=None)
    if not form.is_submitted() and pref is not None:
        form.enabled.data, form.sessions.data = pref.enabled, pref.sessions
        form.tasks.data, form.questionnaires.data = pref.tasks, pref.questionnaires
        form.hour.data = str(pref.hour)
        form.quiet_start.data = "" if pref.quiet_start is None else str(pref.quiet_start)
        form.quiet_end.data = "" if pref.quiet_end is None else str(pref.quiet_end)
    elif not form.is_submitted():
        form.sessions.data = form.tasks.data = form.questionnaires.data = True
    outcome = save(form, lambda: save_reminders(patient, form, current_user),
                   audit=Attempt("update", "reminder_preference", pref.id if pref else None,
                                 patient.id))
    if outcome.saved:
        flash("Your reminders are saved." if form.enabled.data else "Reminder emails are off.",
              "success")
        return redirect(url_for("portal.reminders"))
    return show("portal/reminders.html", outcome.status, form=form, pref=pref,
                problem=outcome.problem)
