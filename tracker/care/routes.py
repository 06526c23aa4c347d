"""Stage 4 for clinicians: follow-ups, questionnaires and safety flags of one patient.

Clinicians on the care team read and change; clinic leads read (GET) and are refused (403)
on every change; patients use the portal instead. Records outside the user's view answer 404.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from tracker.care import queries, services
from tracker.care.forms import (
    AcknowledgeFlagForm,
    AssignQuestionnaireForm,
    FollowUpForm,
    OutcomeForm,
    questionnaire_form,
)
from tracker.care.models import FOLLOW_UP_KINDS, FOLLOW_UP_OUTCOMES, FollowUp, QuestionnaireResponse
from tracker.care.scoring import INSTRUMENTS, InvalidAnswers, change_from_baseline
from tracker.core.access import STAFF, allow, can_change_clinical, patient_or_404, record_or_404
from tracker.core.audit.service import record_event
from tracker.core.care_team import care_team_clinicians
from tracker.core.flags import FLAG_SOURCES, SafetyFlag
from tracker.core.patients import Patient
from tracker.core.saving import Attempt, save
from tracker.core.users import CLINICIAN, User
from tracker.extensions import db
from tracker.paging import paginate
from tracker.rules import Refused

bp = Blueprint("care", __name__)


# --- helpers ------------------------------------------------------------------------------------

def _refuse_changes_unless_clinician() -> None:
    """Leads read these pages; a change (POST) is for clinicians on the care team only."""
    if request.method == "POST" and not can_change_clinical(current_user):
        abort(403)


def _page_size() -> int:
    return current_app.config["PAGE_SIZE"]


def _page(template: str, patient: Patient, status: int = 200, **context):
    """Commit (the read's audit event), then render: loaded rows stay loaded after a commit
    (expire_on_commit is off), and a template never runs inside an open transaction."""
    db.session.commit()
    return render_template(template, patient=patient,
                           can_change=can_change_clinical(current_user), **context), status


# --- follow-ups ---------------------------------------------------------------------------------

def _follow_ups_page(patient: Patient, form: FollowUpForm, schedule, status=200):
    page = paginate(queries.follow_up_list(patient.id), per_page=_page_size(), error_out=False)
    return _page("care/follow_ups.html", patient, status, form=form, page=page,
                 schedule=schedule, next_due=queries.next_follow_up_due(schedule),
                 sessions={s.id: s for s in schedule},
                 within_days=current_user.clinic.setting("follow_up_within_days"),
                 kinds=FOLLOW_UP_KINDS, outcomes=FOLLOW_UP_OUTCOMES)


def _follow_up_choices(patient: Patient):
    clinicians = db.session.scalars(care_team_clinicians(patient.id)).all()
    schedule = queries.follow_up_schedule(
        patient.id, current_user.clinic.setting("follow_up_within_days"))
    return clinicians, schedule


@bp.get("/patients/<int:patient_id>/follow-ups")
@allow(*STAFF)
def follow_ups(patient_id):
    patient = patient_or_404(patient_id, record_type="follow_ups")
    clinicians, schedule = _follow_up_choices(patient)
    form = FollowUpForm(clinician_id=current_user.id if current_user.role == CLINICIAN else None)
    form.set_choices(clinicians, schedule)
    return _follow_ups_page(patient, form, schedule)


@bp.post("/patients/<int:patient_id>/follow-ups")
@allow(CLINICIAN)
def add_follow_up(patient_id):
    patient = patient_or_404(patient_id, audit_action=None, record_type="follow_ups")
    clinicians, schedule = _follow_up_choices(patient)
    form = FollowUpForm()
    form.set_choices(clinicians, schedule)
    outcome = save(form, lambda: services.schedule_follow_up(
        patient, kind=form.kind.data, scheduled_at=form.scheduled_at.data,
        clinician_id=form.clinician_id.data, session_id=form.session_id.data,
        note=form.note.data, by=current_user),
        audit=Attempt("create", "follow_up", None, patient.id))
    if outcome.saved:
        flash("Follow-up scheduled.", "success")
        return redirect(url_for("care.follow_ups", patient_id=patient.id))
    return _follow_ups_page(patient, form, schedule, status=outcome.status)


def _follow_up_or_404(patient_id, follow_up_id) -> tuple[Patient, FollowUp]:
    patient = patient_or_404(patient_id, audit_action=None)
    follow_up = record_or_404(FollowUp, follow_up_id, options=(joinedload(FollowUp.clinician),),
                              audit_action="read" if request.method == "GET" else None,
                              of_patient=patient.id)
    return patient, follow_up


@bp.route("/patients/<int:patient_id>/follow-ups/<int:follow_up_id>/outcome",
          methods=["GET", "POST"])
@allow(*STAFF)
def record_outcome(patient_id, follow_up_id):
    _refuse_changes_unless_clinician()
    patient, follow_up = _follow_up_or_404(patient_id, follow_up_id)
    # A completion time sent back unchanged keeps its seconds (LocalDateTimeField).
    form = (OutcomeForm(completed_at=follow_up.completed_at) if request.method == "POST"
            else OutcomeForm(obj=follow_up))
    outcome = save(form, lambda: services.record_follow_up_outcome(
        follow_up, outcome=form.outcome.data, completed_at=form.completed_at.data,
        note=form.note.data, version=form.version.data, by=current_user),
        audit=Attempt("record_outcome", "follow_up", follow_up.id, patient.id))
    if outcome.saved:
        flash("Outcome recorded.", "success")
        return redirect(url_for("care.follow_ups", patient_id=patient.id))
    if outcome.status == 409:  # show the saved version; a deliberate second save goes through
        db.session.refresh(follow_up)
        form.version.raw_data, form.version.data = [], follow_up.version
    return _page("care/record_outcome.html", patient, outcome.status, form=form,
                 follow_up=follow_up, conflict=outcome.problem, kinds=FOLLOW_UP_KINDS,
                 outcomes=FOLLOW_UP_OUTCOMES)


# --- questionnaires -----------------------------------------------------------------------------

def _questionnaires_page(patient: Patient, assign_form, status=200):
    instrument = request.args.get("instrument")
    instrument = instrument if instrument in INSTRUMENTS else None
    page = paginate(queries.questionnaire_history(patient.id, instrument),
                    per_page=_page_size(), error_out=False)
    baselines = {row.instrument: row for row in db.session.execute(queries.baselines(patient.id))}
    assignments = db.session.scalars(queries.open_assignments(patient.id)).all()
    return _page("care/questionnaires.html", patient, status, page=page, baselines=baselines,
                 assignments=assignments, assign_form=assign_form, instruments=INSTRUMENTS,
                 instrument=instrument, change=change_from_baseline)


@bp.get("/patients/<int:patient_id>/questionnaires")
@allow(*STAFF)
def questionnaires(patient_id):
    patient = patient_or_404(patient_id, record_type="questionnaires")
    return _questionnaires_page(patient, AssignQuestionnaireForm())


@bp.post("/patients/<int:patient_id>/questionnaires/assignments")
@allow(CLINICIAN)
def assign_questionnaire(patient_id):
    patient = patient_or_404(patient_id, audit_action=None, record_type="questionnaires")
    form = AssignQuestionnaireForm()
    outcome = save(form, lambda: services.assign_questionnaire(
        patient, form.instrument.data, current_user, due_on=form.due_on.data),
        audit=Attempt("create", "questionnaire_assignment", None, patient.id))
    if outcome.saved:
        flash(f"{INSTRUMENTS[outcome.value.instrument].name} assigned: the patient will see it "
              "in the portal.", "success")
        return redirect(url_for("care.questionnaires", patient_id=patient.id))
    return _questionnaires_page(patient, form, status=outcome.status)


@bp.route("/patients/<int:patient_id>/questionnaires/<instrument>/new", methods=["GET", "POST"])
@allow(*STAFF)
def enter_questionnaire(patient_id, instrument):
    _refuse_changes_unless_clinician()
    patient = patient_or_404(patient_id, audit_action=None, record_type="questionnaires")
    if instrument not in INSTRUMENTS:
        abort(404)
    sessions = db.session.execute(queries.dosing_markers(patient.id)).all()
    form = questionnaire_form(instrument, sessions)
    outcome = save(form, lambda: _record_answers(patient, instrument, form),
                   audit=Attempt("create", "questionnaire_response", None, patient.id))
    if outcome.saved:
        response, flag = outcome.value
        name = INSTRUMENTS[instrument].name
        if flag is not None:
            flash(f"{name} saved: total {response.total} ({response.band}). Item 9 is above "
                  "0: a safety flag was raised. Acknowledge it once you have acted.", "warning")
            return redirect(url_for("care.safety_flags", patient_id=patient.id))
        flash(f"{name} saved: total {response.total} ({response.band}).", "success")
        return redirect(url_for("care.questionnaires", patient_id=patient.id))
    if request.method == "GET":
        record_event("read", "questionnaires", patient.id, patient_id=patient.id)
    return _page("care/enter_questionnaire.html", patient, outcome.status, form=form,
                 instrument=INSTRUMENTS[instrument], message=outcome.problem)


def _record_answers(patient: Patient, instrument: str, form):
    """Answers the scoring module cannot score are refused like any rule (422), by the page."""
    try:
        return services.record_questionnaire(
            patient, instrument, form.answers, source="clinician", entered_by=current_user,
            completed_at=form.completed_at.data, session_id=form.session_id.data)
    except InvalidAnswers as error:
        raise Refused(str(error)) from error


@bp.get("/patients/<int:patient_id>/questionnaires/responses/<int:response_id>")
@allow(*STAFF)
def questionnaire_response(patient_id, response_id):
    patient = patient_or_404(patient_id, audit_action=None)
    response = record_or_404(QuestionnaireResponse, response_id,
                             options=(selectinload(QuestionnaireResponse.answers),),
                             of_patient=patient.id)
    baseline = db.session.execute(queries.baselines(patient.id, response.instrument)).first()
    entered_by = db.session.get(User, response.entered_by_id)
    flag = db.session.scalar(queries.flag_for_source("phq9_item9", response.id))
    return _page("care/questionnaire_response.html", patient, response=response,
                 instrument=INSTRUMENTS[response.instrument], baseline=baseline,
                 entered_by=entered_by, flag=flag, change=change_from_baseline)


# --- safety flags -------------------------------------------------------------------------------

@bp.get("/patients/<int:patient_id>/flags")
@allow(*STAFF)
def safety_flags(patient_id):
    patient = patient_or_404(patient_id, record_type="safety_flags")
    page = paginate(queries.flag_list(patient.id), per_page=_page_size(), error_out=False)
    return _page("care/safety_flags.html", patient, page=page, sources=FLAG_SOURCES)


@bp.route("/flags/<int:flag_id>/acknowledge", methods=["GET", "POST"])
@allow(*STAFF)
def acknowledge_flag(flag_id):
    _refuse_changes_unless_clinician()
    flag = record_or_404(SafetyFlag, flag_id, options=(joinedload(SafetyFlag.acknowledged_by),),
                         audit_action="read" if request.method == "GET" else None)
    patient = db.session.get(Patient, flag.patient_id)
    form = AcknowledgeFlagForm()
    outcome = save(form, lambda: services.acknowledge_flag(flag, note=form.note.data,
                                                           by=current_user),
                   audit=Attempt("acknowledge", "safety_flag", flag.id, patient.id))
    if outcome.saved:
        flash("Safety flag acknowledged.", "success")
        return redirect(url_for("care.safety_flags", patient_id=patient.id))
    if outcome.status == 409:  # someone else acknowledged it: show their note
        db.session.refresh(flag)
    return _page("care/acknowledge_flag.html", patient, outcome.status, flag=flag, form=form,
                 sources=FLAG_SOURCES)
