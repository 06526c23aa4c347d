"""The REMS monitoring form of an esketamine session (clinicians and leads; never the
patient: it is a report from the clinic to the REMS, not a record written for the patient).

The page shows the form filled from the record, the fields still missing (with where to
record each), the clinician's answer to the evaluation question, and "mark as submitted".
The printable form is tracker.printing's."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from tracker.core.access import allow, can_change_clinical, record_or_404
from tracker.core.audit.service import record_event
from tracker.core.saving import Attempt, save
from tracker.core.sessions import DosingSession
from tracker.core.users import CLINICIAN, LEAD
from tracker.dosing import queries, rems, rems_services
from tracker.dosing.rems_forms import EvaluationForm, SubmitForm
from tracker.extensions import db

bp = Blueprint("rems", __name__)


def _load(session_id) -> DosingSession:
    """The session (page options loaded) if visible and esketamine; else 404."""
    record = record_or_404(DosingSession, session_id, audit_action=None,
                           options=queries.SESSION_PAGE, record_type="dosing_session")
    if not rems.applies(record):
        abort(404)
    return record


def _render(session_id: int, *, evaluation=None, status: int = 200, problem: str | None = None):
    record = db.session.scalar(queries.session_page(session_id)
                               .execution_options(populate_existing=True))
    form = rems.rems_form_of(record.id)
    fields = rems.rems_fields(record, form, current_user.clinic)
    version = form.version if form is not None else 0
    can_answer = can_change_clinical(current_user) and not (form and form.is_submitted)
    if evaluation is None and can_answer:
        evaluation = EvaluationForm(formdata=None, version=version,
                                    ready_to_leave_minutes=form.ready_to_leave_minutes
                                    if form else None)
    return render_template(
        "dosing/rems.html", record=record, patient=record.patient, rems_form=form,
        fields=fields, missing=rems.missing_fields(fields), problem=problem,
        evaluation=evaluation if can_answer else None,
        submit_form=SubmitForm(formdata=None, version=version),
    ), status


@bp.get("/sessions/<session_id>/rems")
@allow(LEAD, CLINICIAN)
def form(session_id):
    record = _load(session_id)
    rems_form = rems.rems_form_of(record.id)
    record_event("read", "rems_form" if rems_form else "dosing_session",
                 rems_form.id if rems_form else record.id, patient_id=record.patient_id)
    db.session.commit()
    return _render(record.id)


@bp.post("/sessions/<session_id>/rems/evaluation")
@allow(CLINICIAN)
def answer(session_id):
    record = _load(session_id)
    sid, pid = record.id, record.patient_id
    existing = rems.rems_form_of(sid)
    evaluation = EvaluationForm()
    outcome = save(evaluation, lambda: rems_services.answer_evaluation(
        record, ready_to_leave_minutes=evaluation.ready_to_leave_minutes.data,
        version=evaluation.version.data, user=current_user),
        audit=Attempt("update" if existing else "create", "rems_form",
                      existing.id if existing else None, pid))
    if outcome.saved:
        flash("The answer to the REMS evaluation question is saved.", "success")
        return redirect(url_for(".form", session_id=sid, _anchor="evaluation"))
    return _render(sid, evaluation=evaluation, status=outcome.status, problem=outcome.problem)


@bp.post("/sessions/<session_id>/rems/submit")
@allow(LEAD, CLINICIAN)
def submit(session_id):
    record = _load(session_id)
    sid, pid = record.id, record.patient_id
    existing = rems.rems_form_of(sid)
    submit_form = SubmitForm()
    outcome = save(submit_form, lambda: rems_services.mark_submitted(
        record, version=submit_form.version.data, user=current_user, clinic=current_user.clinic),
        audit=Attempt("submit", "rems_form", existing.id if existing else None, pid))
    if outcome.saved:
        flash("The REMS monitoring form is marked as submitted.", "success")
        return redirect(url_for(".form", session_id=sid, _anchor="submission"))
    return _render(sid, status=outcome.status,
                   problem=outcome.problem or "The form could not be marked as submitted.")
