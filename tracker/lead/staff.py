"""The lead's staff and care-team pages: accounts (create with a one-time link, deactivate,
reactivate, reset) and who is on each patient's care team (add, remove, primary, transfer)."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from tracker.auth.two_factor import reset_second_factor as reset_staff_second_factor
from tracker.core import access
from tracker.core.access import allow, parse_id
from tracker.core.audit.service import record_event
from tracker.core.saving import Attempt, save
from tracker.core.users import LEAD
from tracker.extensions import db
from tracker.lead import services
from tracker.lead import staff_queries as q
from tracker.lead.forms import (
    ClinicianChoiceForm,
    DeactivateForm,
    StaffForm,
    StaffPhoneForm,
    TransferForm,
)
from tracker.lead.routes import bp
from tracker.paging import paginate


def _staff_or_404(staff_id):
    user = db.session.scalar(q.staff_member(current_user.clinic_id, parse_id(staff_id)))
    if user is None:
        abort(404)
    return user


def _staff_page(form: StaffForm, status: int = 200):
    rows = db.session.execute(q.staff_list(current_user.clinic_id)).all()
    return render_template("lead/staff.html", rows=rows, form=form), status


def _show_link(user, token: str, purpose: str):
    """The one-time link, shown once: only its hash is stored."""
    url = url_for("auth.redeem_link", token=token, _external=True)
    hours = current_app.config["INVITE_TTL_HOURS"]
    return render_template("lead/staff_link.html", staff=user, url=url, purpose=purpose,
                           token=token, expires_in=timedelta(hours=hours))


@bp.route("/staff")
@allow(LEAD)
def staff():
    return _staff_page(StaffForm(formdata=None))


@bp.route("/staff", methods=["POST"])
@allow(LEAD)
def create_staff():
    form = StaffForm()
    outcome = save(form, lambda: services.create_staff(
        clinic_id=current_user.clinic_id, full_name=form.full_name.data,
        email=form.email.data, role=form.role.data, by=current_user, phone=form.phone.data),
        audit=Attempt("create", "user"))
    if not outcome.saved:
        if outcome.problem:
            form.email.errors = [*form.email.errors, outcome.problem]
        return _staff_page(form, outcome.status)
    user, token = outcome.value
    return _show_link(user, token, "invite")


@bp.route("/staff/<staff_id>/phone", methods=["POST"])
@allow(LEAD)
def set_staff_phone(staff_id):
    user = _staff_or_404(staff_id)
    form = StaffPhoneForm(prefix=f"phone-{user.id}")
    outcome = save(form, lambda: services.set_staff_phone(user, form.phone.data, by=current_user),
                   audit=Attempt("update", "user", user.id))
    if outcome.saved:
        flash(f"{user.full_name}'s phone is saved.", "success")
    else:
        flash(" ".join(form.phone.errors) or outcome.problem or "The phone was not saved.",
              "danger")
    return redirect(url_for("lead.staff"))


@bp.route("/staff/<staff_id>/deactivate", methods=["GET", "POST"])
@allow(LEAD)
def deactivate_staff(staff_id):
    """Ask first (what ends, which patients are left without a clinician), with a reason."""
    user = _staff_or_404(staff_id)
    form = DeactivateForm()
    outcome = save(form, lambda: services.deactivate_staff(user, by=current_user,
                                                           reason=form.reason.data),
                   audit=Attempt("deactivate", "user", user.id))
    if not outcome.saved:
        left = db.session.scalar(sa.select(sa.func.count()).select_from(
            services.patients_left_without_clinician(user.id).subquery()))
        return render_template("lead/staff_deactivate.html", form=form, staff=user,
                               problem=outcome.problem, left_without_clinician=left), \
            outcome.status
    orphaned = outcome.value
    flash(f"{user.full_name}'s account is deactivated; their sessions have ended.", "success")
    if orphaned:
        flash(f"{orphaned} patient(s) now have no active clinician on their care team: "
              "assign another clinician.", "warning")
        return redirect(url_for("lead.care_teams", unstaffed=1))
    return redirect(url_for("lead.staff"))


@bp.route("/staff/<staff_id>/reset-second-factor", methods=["POST"])
@allow(LEAD)
def reset_second_factor(staff_id):
    """A lost phone: the staff member sets up two-factor sign-in again at their next sign-in
    (with the password alone, once); their sessions end."""
    return _staff_button(staff_id, reset_staff_second_factor, "reset_second_factor",
                         "{name}'s second factor is reset; their sessions have ended. They set "
                         "it up again after their next sign-in.")


@bp.route("/staff/<staff_id>/reactivate", methods=["POST"])
@allow(LEAD)
def reactivate_staff(staff_id):
    return _staff_button(staff_id, services.reactivate_staff, "reactivate",
                         "{name}'s account is active again. If they have forgotten their "
                         "password, send a reset link.")


@bp.route("/staff/<staff_id>/end-sessions", methods=["POST"])
@allow(LEAD)
def end_staff_sessions(staff_id):
    return _staff_button(staff_id, services.end_staff_sessions, "end_sessions",
                         "{name} is signed out on every device; their password still works.")


def _staff_button(staff_id, change, action: str, done: str):
    """A staff page button that posts no fields: one service on the account, audited as
    `action` (a refusal too), then back to the staff page saying what happened."""
    user = _staff_or_404(staff_id)
    outcome = save(None, lambda: change(user, by=current_user),
                   audit=Attempt(action, "user", user.id))
    if outcome.saved:
        flash(done.format(name=user.full_name), "success")
    else:
        flash(outcome.problem, "danger")
    return redirect(url_for("lead.staff"))


@bp.route("/staff/<staff_id>/reset-link", methods=["POST"])
@allow(LEAD)
def reset_staff_password(staff_id):
    user = _staff_or_404(staff_id)
    outcome = save(None, lambda: services.reset_staff_password(user, by=current_user),
                   audit=Attempt("issue_reset_link", "user", user.id))
    if not outcome.saved:
        flash(outcome.problem, "danger")
        return redirect(url_for("lead.staff"))
    return _show_link(user, outcome.value, "reset")


# --- care teams ---------------------------------------------------------------------------------

@bp.route("/care-teams")
@allow(LEAD)
def care_teams():
    search = request.args.get("q", "")[:100]
    clinician_id = parse_id(request.args.get("clinician"))
    unstaffed = request.args.get("unstaffed") == "1"
    page = paginate(q.care_team_list(current_user, search=search, clinician_id=clinician_id,
                                     unstaffed=unstaffed),
                    per_page=current_app.config["PAGE_SIZE"], error_out=False)
    clinicians = db.session.execute(q.clinic_clinicians(current_user.clinic_id)).all()
    record_event("list", "care_team", None)  # patients' names and their clinicians
    db.session.commit()
    return render_template("lead/staff_care_teams.html", page=page, search=search,
                           clinician_id=clinician_id, unstaffed=unstaffed, clinicians=clinicians)


def _care_team_page(patient, *, add_form=None, transfer_form=None, status: int = 200):
    team = db.session.scalars(q.care_team_of(patient.id)).all()
    choices = [SelectChoice(c.id, c.full_name)
               for c in db.session.execute(q.active_clinicians(patient.clinic_id))]
    primary = next((m for m in team if m.is_primary), None)
    on_team = {m.clinician_id for m in team}
    add_form = add_form or ClinicianChoiceForm(formdata=None, prefix="add")
    add_form.clinician_id.choices = [c for c in choices if c.value not in on_team]
    transfer_form = transfer_form or TransferForm(formdata=None, prefix="transfer")
    # Always the primary shown on this page: a stale transfer is refused once, then the lead
    # sees the current team and may submit again.
    transfer_form.expected_primary_id.data = str(primary.clinician_id) if primary else ""
    transfer_form.clinician_id.choices = [c for c in choices
                                          if not primary or c.value != primary.clinician_id]
    return render_template("lead/staff_care_team.html", patient=patient, team=team,
                           primary=primary, add_form=add_form,
                           transfer_form=transfer_form), status


@bp.route("/patients/<patient_id>/care-team")
@allow(LEAD)
def care_team(patient_id):
    patient = access.patient_or_404(patient_id, record_type="care_team")
    db.session.commit()  # the read's audit event
    return _care_team_page(patient)


def _change_team(patient_id, change, *, action: str, record_type: str = "care_team_member",
                 form=None, form_slot: str | None = None):
    """Run one care-team change: commit and redirect, or show the rule's message. A refused
    change is audited as `action` on the patient's care team."""
    patient = access.patient_or_404(patient_id, audit_action=None)
    outcome = save(form, lambda: change(patient),
                   audit=Attempt(action, record_type, patient.id if record_type == "patient"
                                 else None, patient.id))
    if outcome.saved:
        flash(outcome.value, "success")
        return redirect(url_for("lead.care_team", patient_id=patient.id))
    if form is not None:
        if outcome.problem:
            form.clinician_id.errors = [*form.clinician_id.errors, outcome.problem]
        return _care_team_page(patient, **{form_slot: form}, status=outcome.status)
    flash(outcome.problem, "danger")
    return redirect(url_for("lead.care_team", patient_id=patient.id))


def _choice_form(form_class, prefix: str):
    """A bound form whose choices are the clinic's active clinicians (the service re-checks)."""
    form = form_class(prefix=prefix)
    form.clinician_id.choices = [SelectChoice(c.id, c.full_name) for c in
                                 db.session.execute(q.active_clinicians(current_user.clinic_id))]
    return form


@bp.route("/patients/<patient_id>/care-team/add", methods=["POST"])
@allow(LEAD)
def add_to_care_team(patient_id):
    form = _choice_form(ClinicianChoiceForm, "add")

    def change(patient):
        member = services.add_to_care_team(patient, form.clinician_id.data, by=current_user)
        return f"{member.clinician.full_name} is now on {patient.full_name}'s care team."
    return _change_team(patient_id, change, action="add_care_team_member", form=form,
                        form_slot="add_form")


# The clinician's id comes in the form body: patient-scoped URLs carry only the patient's id.
@bp.route("/patients/<patient_id>/care-team/remove", methods=["POST"])
@allow(LEAD)
def remove_from_care_team(patient_id):
    def change(patient):
        services.remove_from_care_team(patient, parse_id(request.form.get("clinician_id")),
                                       by=current_user)
        return f"Removed from {patient.full_name}'s care team."
    return _change_team(patient_id, change, action="remove_care_team_member")


@bp.route("/patients/<patient_id>/care-team/primary", methods=["POST"])
@allow(LEAD)
def set_primary_clinician(patient_id):
    def change(patient):
        services.set_primary_clinician(patient, parse_id(request.form.get("clinician_id")),
                                       by=current_user)
        return f"The primary clinician of {patient.full_name} is changed."
    return _change_team(patient_id, change, action="set_primary")


@bp.route("/patients/<patient_id>/transfer", methods=["POST"])
@allow(LEAD)
def transfer_patient(patient_id):
    form = _choice_form(TransferForm, "transfer")

    def change(patient):
        services.transfer_patient(patient, form.clinician_id.data,
                                  expected_primary_id=form.expected_primary_id.data,
                                  keep_previous=form.keep_previous.data, by=current_user)
        return f"{patient.full_name} is transferred."
    return _change_team(patient_id, change, action="transfer", record_type="patient", form=form,
                        form_slot="transfer_form")
