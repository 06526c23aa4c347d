"""The lead's clinic settings: name, time zone, crisis text, continuity and vital-sign
thresholds. A stale save is refused (409) with the lead's typed values kept."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.core.access import allow
from tracker.core.clinic import DEFAULT_SETTINGS, Clinic
from tracker.core.saving import Attempt, save
from tracker.core.users import LEAD
from tracker.extensions import db
from tracker.lead import services
from tracker.lead.forms import (
    CONTINUITY_FIELDS,
    DISCHARGE_FIELDS,
    MGKG_FIELDS,
    TWO_FACTOR_FIELDS,
    VITAL_FIELDS,
    WEIGHT_FIELDS,
    SettingsForm,
    mgkg_text,
)
from tracker.lead.routes import bp


def _saved_differences(form, clinic) -> list[tuple[str, str]]:
    """(label, value now saved) for each field where the saved value differs from the typed one."""
    saved = {"name": clinic.name, "timezone": clinic.timezone, "date_order": clinic.date_order,
             "clock": clinic.clock, "crisis_text": clinic.crisis_text,
             "address": clinic.address, "phone": clinic.phone, **clinic.thresholds}
    mgkg = {key for key, *_ in MGKG_FIELDS}
    return [(form[key].label.text, mgkg_text(value) if key in mgkg else str(value or ""))
            for key, value in saved.items() if form[key].data != value]


def _page(form, clinic, status: int = 200, stale: str | None = None, saved=()):
    return render_template("lead/settings.html", form=form, clinic=clinic, stale=stale, saved=saved,
                           continuity_fields=CONTINUITY_FIELDS,
                           vital_fields=VITAL_FIELDS + DISCHARGE_FIELDS,
                           weight_fields=WEIGHT_FIELDS, mgkg_fields=MGKG_FIELDS,
                           two_factor_fields=TWO_FACTOR_FIELDS,
                           defaults=DEFAULT_SETTINGS), status


def _clinic() -> Clinic:
    return db.session.get(Clinic, current_user.clinic_id)


@bp.route("/settings", methods=["GET", "POST"])
@allow(LEAD)
def settings():
    clinic = _clinic()
    if request.method == "GET":
        form = SettingsForm(formdata=None, name=clinic.name, timezone=clinic.timezone,
                            date_order=clinic.date_order, clock=clinic.clock,
                            crisis_text=clinic.crisis_text, version=clinic.version,
                            address=clinic.address, phone=clinic.phone,
                            **clinic.thresholds)
        return _page(form, clinic)
    form = SettingsForm()
    outcome = save(form, lambda: services.update_clinic_settings(
        clinic, expected_version=form.version.data, name=form.name.data,
        timezone=form.timezone.data, crisis_text=form.crisis_text.data,
        thresholds=form.thresholds(), by=current_user, address=form.address.data,
        phone=form.phone.data, date_order=form.date_order.data, clock=form.clock.data),
        audit=Attempt("update", "clinic_settings", clinic.id))
    if outcome.saved:
        changed = outcome.value
        flash("The clinic settings are saved." if changed else "Nothing was changed.",
              "success" if changed else "info")
        return redirect(url_for("lead.settings"))
    clinic = _clinic()
    if outcome.status == 409:
        form.version.data = clinic.version  # the next save knowingly replaces these values
        return _page(form, clinic, 409, stale=outcome.problem,
                     saved=_saved_differences(form, clinic))
    if outcome.problem:
        form.name.errors = [*form.name.errors, outcome.problem]
    return _page(form, clinic, outcome.status)
