"""The clinician's patients: the list, adding and editing, status, invitations, courses, the chart."""
from __future__ import annotations

from datetime import datetime, time

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from tracker.care.scoring import INSTRUMENTS
from tracker.continuity.attention import ATTENTION_REASONS, attention_map
from tracker.core.access import allow, can_change_clinical, patient_or_404, record_or_404
from tracker.core.audit.service import record_event
from tracker.core.care_team import care_team_clinicians
from tracker.core.patients import PATIENT_STATUSES, Patient, TreatmentCourse
from tracker.core.saving import Attempt, save
from tracker.core.users import CLINICIAN, LEAD
from tracker.db import utcnow
from tracker.extensions import db
from tracker.fhir.bundle import journey_bundle
from tracker.fhir.http import fhir_json
from tracker.fhir.records import Audience
from tracker.paging import paginate
from tracker.patients import queries, services
from tracker.patients.chart import load_chart
from tracker.patients.forms import CourseForm, PatientForm, ScheduleSessionForm, StatusChangeForm
from tracker.timezones import clinic_today, from_local

bp = Blueprint("patients", __name__, url_prefix="/patients")

# --- the list ---------------------------------------------------------------------------------

@bp.route("/")
@allow(CLINICIAN)
def my_patients():
    search = request.args.get("q", "")[:100]
    status = request.args.get("status", "")
    status = status if status in PATIENT_STATUSES else ""
    attention = request.args.get("attention", "")
    attention = attention if attention in ATTENTION_REASONS or attention == queries.ANY_ATTENTION else ""
    clinic, now = current_user.clinic, utcnow()
    page = paginate(queries.patient_list(current_user, search=search, status=status,
                                         attention=attention, clinic=clinic, now=now),
                    per_page=current_app.config["PAGE_SIZE"], error_out=False, max_per_page=100)
    ids = [p.id for p in page.items]
    summaries, attention_by_id = {}, {}
    if ids:
        since = from_local(datetime.combine(clinic_today(), time()))
        summaries = {row.id: row for row in db.session.execute(queries.page_summaries(ids, since=since))}
        attention_by_id = attention_map(ids, clinic, now)
    record_event("list", "patient", None)
    db.session.commit()
    return render_template("patients/my_patients.html", page=page, search=search, status=status,
                           statuses=PATIENT_STATUSES, attention=attention, reasons=ATTENTION_REASONS,
                           summaries=summaries, attention_by_id=attention_by_id,
                           today=clinic_today())

# --- adding and editing -----------------------------------------------------------------------

def _team_choices(form: PatientForm, locked=()) -> None:
    """Other clinicians of the clinic; the signed-in and the primary clinician always stay."""
    others = db.session.scalars(queries.clinic_clinicians(current_user.clinic_id))
    form.care_team.choices = [SelectChoice(u.id, u.full_name) for u in others
                              if u.id != current_user.id and u.id not in locked]

PATIENT_FIELDS = ("given_name", "family_name", "date_of_birth", "sex", "record_number", "email",
                  "phone", "weight_kg", "weighed_on")

def _details(form: PatientForm) -> services.PatientDetails:
    return services.PatientDetails(
        given_name=form.given_name.data, family_name=form.family_name.data,
        date_of_birth=form.date_of_birth.data, record_number=form.record_number.data,
        email=form.email.data, phone=form.phone.data, weight_kg=form.weight_kg.data,
        weighed_on=form.weighed_on.data, sex=form.sex.data or None,
        care_team_ids=form.care_team.data or [])

def _read_on_get() -> str | None:
    """GET shows the record (audit a read); a POST's service records the change instead."""
    return "read" if request.method == "GET" else None

@bp.route("/new", methods=["GET", "POST"])
@allow(CLINICIAN)
def add():
    form = PatientForm()
    _team_choices(form)
    outcome = save(
        form, lambda: services.add_patient(_details(form), by=current_user),
        audit=Attempt("create", "patient", None, None))
    if outcome.saved:
        patient = outcome.value
        flash(f"{patient.full_name} is added. You are their primary clinician.", "success")
        return redirect(url_for("patients.chart", patient_id=patient.id))
    return render_template("patients/patient_form.html", form=form, patient=None,
                           problem=outcome.problem), outcome.status

@bp.route("/<int:patient_id>/edit", methods=["GET", "POST"])
@allow(CLINICIAN)
def edit(patient_id: int):
    patient = patient_or_404(patient_id, audit_action=_read_on_get())
    team = db.session.scalars(queries.care_team(patient.id)).all()
    primary = {m.clinician_id for m in team if m.is_primary}
    saved_data = None
    if request.method == "GET":
        saved_data = {name: getattr(patient, name) for name in PATIENT_FIELDS}
        saved_data["care_team"] = [m.clinician_id for m in team if m.clinician_id not in primary]
        saved_data["version"] = str(patient.version)
    form = PatientForm(data=saved_data)
    _team_choices(form, locked=primary)
    outcome = save(
        form, lambda: services.update_patient(patient, _details(form),
                                              expected_version=form.version.data, by=current_user),
        audit=Attempt("update", "patient", patient.id, patient.id))
    if outcome.saved:
        flash("The patient's details are saved.", "success")
        return redirect(url_for("patients.chart", patient_id=patient.id))
    if outcome.status == 409:
        form.version.data = str(patient.version)  # warned: a deliberate second save goes through
    return render_template("patients/patient_form.html", form=form, patient=patient,
                           team=team, problem=outcome.problem), outcome.status

# --- status and invitation --------------------------------------------------------------------

def _moves(statuses) -> list[SelectChoice]:
    return [SelectChoice(s, services.MOVE_LABELS[s]) for s in statuses]

@bp.route("/<int:patient_id>/status", methods=["GET", "POST"])
@allow(CLINICIAN)
def change_status(patient_id: int):
    patient = patient_or_404(patient_id, audit_action=_read_on_get())
    form = StatusChangeForm()
    form.to_status.choices = _moves(services.PATIENT_MOVES[patient.status])
    outcome = save(
        form, lambda: services.change_patient_status(patient, form.to_status.data,
                                                     form.reason.data, by=current_user),
        audit=Attempt("change_status", "patient", patient.id, patient.id))
    if outcome.saved:
        flash(f"{patient.full_name} is now {patient.status}.", "success")
        return redirect(url_for("patients.chart", patient_id=patient.id))
    return render_template("patients/status_form.html", form=form, patient=patient, course=None,
                           problem=outcome.problem), outcome.status

@bp.route("/<int:patient_id>/invite", methods=["POST"])
@allow(CLINICIAN)
def invite(patient_id: int):
    """Show the invitation link once, on this response only (only its hash is stored)."""
    patient = patient_or_404(patient_id, audit_action=None)
    outcome = save(None, lambda: services.invite_to_portal(patient, by=current_user),
                   audit=Attempt("invite", "patient", patient.id, patient.id))
    if not outcome.saved:
        flash(outcome.problem, "danger")
        return redirect(url_for("patients.chart", patient_id=patient.id), 303)
    link = url_for("auth.redeem_link", token=outcome.value, _external=True)
    return render_template("patients/invite_link.html", patient=patient, link=link,
                           token=outcome.value, hours=current_app.config["INVITE_TTL_HOURS"])

# --- courses and the schedule -----------------------------------------------------------------

@bp.route("/<int:patient_id>/courses/new", methods=["GET", "POST"])
@allow(CLINICIAN)
def add_course(patient_id: int):
    patient = patient_or_404(patient_id, audit_action=_read_on_get())
    form = CourseForm()
    if request.method == "GET":
        form.started_on.data = clinic_today()
    outcome = save(
        form, lambda: services.add_course(patient, kind=form.kind.data,
                                          started_on=form.started_on.data,
                                          planned_sessions=form.planned_sessions.data,
                                          by=current_user),
        audit=Attempt("create", "treatment_course", None, patient.id))
    if outcome.saved:
        flash("The treatment course is added.", "success")
        return redirect(url_for("patients.chart", patient_id=patient.id))
    return render_template("patients/course_form.html", form=form, patient=patient,
                           problem=outcome.problem), outcome.status

@bp.route("/<int:patient_id>/courses/<int:course_id>/status", methods=["GET", "POST"])
@allow(CLINICIAN)
def change_course_status(patient_id: int, course_id: int):
    course = record_or_404(TreatmentCourse, course_id, audit_action=_read_on_get(),
                           of_patient=patient_id)
    patient = db.session.get(Patient, course.patient_id)
    form = StatusChangeForm()
    form.to_status.choices = _moves(services.COURSE_MOVES[course.status])
    outcome = save(
        form, lambda: services.change_course_status(course, form.to_status.data,
                                                    form.reason.data, by=current_user),
        audit=Attempt("change_status", "treatment_course", course.id, patient.id))
    if outcome.saved:
        flash(f"The {course.kind} course is now {course.status}.", "success")
        return redirect(url_for("patients.chart", patient_id=patient.id))
    return render_template("patients/status_form.html", form=form, patient=patient, course=course,
                           problem=outcome.problem), outcome.status

@bp.route("/<int:patient_id>/sessions/new", methods=["GET", "POST"])
@allow(CLINICIAN)
def schedule_session(patient_id: int):
    patient = patient_or_404(patient_id, audit_action=_read_on_get())
    form = ScheduleSessionForm()
    courses = db.session.scalars(queries.active_courses(patient.id)).all()
    form.course_id.choices = [SelectChoice(c.id, f"{c.kind.capitalize()}, from {c.started_on:%d %b %Y}")
                              for c in courses]
    form.clinician_id.choices = [SelectChoice(u.id, u.full_name) for u in
                                 db.session.scalars(care_team_clinicians(patient.id))]
    if request.method == "GET":
        form.clinician_id.data = current_user.id
    outcome = save(
        form, lambda: services.schedule_session(
            patient, course_id=form.course_id.data, scheduled_at=form.scheduled_at.data,
            clinician_id=form.clinician_id.data, room=form.room.data, by=current_user),
        audit=Attempt("schedule", "dosing_session", None, patient.id))
    if outcome.saved:
        flash("The dosing session is scheduled. Record the intention before it starts.", "success")
        return redirect(url_for("patients.chart", patient_id=patient.id))
    return render_template("patients/schedule_form.html", form=form, patient=patient,
                           courses=courses, problem=outcome.problem), outcome.status

# --- the chart --------------------------------------------------------------------------------

@bp.route("/<int:patient_id>")
@allow(LEAD, CLINICIAN)
def chart(patient_id: int):
    """The patient chart: header, courses, the journey of every dosing session, the scores.

    A clinic lead reads it (continuity audits drill down to it) without the charting actions."""
    patient = patient_or_404(patient_id)
    data = load_chart(patient, current_user.clinic)
    db.session.commit()  # the read's audit event
    return render_template("patients/chart.html", chart=data, course_moves=services.COURSE_MOVES,
                           can_chart=can_change_clinical(current_user),

                           instrument_names={code: i.name for code, i in INSTRUMENTS.items()})


@bp.route("/<int:patient_id>/fhir.json")
@allow(LEAD, CLINICIAN)
def fhir_export(patient_id: int):
    """The patient's whole journey as a FHIR R4 Bundle (collection), for whoever may read the
    chart; audited as an export, not a read."""
    patient = patient_or_404(patient_id, audit_action=None)
    bundle = journey_bundle(patient, current_user.clinic, Audience.CARE_TEAM, utcnow())
    record_event("export", "fhir_bundle", patient.id, patient_id=patient.id)
    db.session.commit()
    return fhir_json(bundle, f"patient-{patient.record_number}-fhir.json")
