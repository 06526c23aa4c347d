"""The debrief page (stage 3, clinician side): the debrief beside the intention, its signature
and addenda, and the integration plan with the patient's progress on each task.

Clinicians on the care team write; leads read. The patient's own screens are in tracker.portal.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from tracker.core.access import allow, can_change_clinical, record_or_404
from tracker.core.audit.service import record_event
from tracker.core.users import CLINICIAN, LEAD
from tracker.core.sessions import DosingSession
from tracker.core.signing.queries import record_addenda
from tracker.rules import RuleRefused as RuleError, StaleRecord
from tracker.extensions import db
from tracker.integration import queries, services
from tracker.integration.forms import CancelTaskForm, TaskForm, debrief_form_for
from tracker.integration.models import REPEATS, TASK_KINDS, Debrief, IntegrationTask
from tracker.core.signing.forms import AddendumForm
from tracker.core.signing.service import RecordSigned
from tracker.timezones import clinic_today

bp = Blueprint("integration", __name__)


def _load(session_id, *, audit_action: str | None = None) -> DosingSession:
    return record_or_404(DosingSession, session_id, audit_action=audit_action,
                         record_type="dosing_session")


def _goals(record: DosingSession) -> list:
    return list(record.intention.goals) if record.intention is not None else []


def _debrief_form(record: DosingSession, *, submitted: bool = False):
    debrief = record.debrief
    if submitted:  # a held time sent back unchanged keeps its seconds (LocalDateTimeField)
        kept = {"held_at": debrief.held_at} if debrief is not None else {}
        return debrief_form_for(_goals(record), prefix="debrief", **kept)
    notes = {f"goal_{entry.goal_id}": entry.note
             for entry in (debrief.goal_progress if debrief else [])}
    return debrief_form_for(_goals(record), prefix="debrief", formdata=None, obj=debrief,
                            version=debrief.version if debrief else 0, **notes)


def _cancel_form(task_id: int, *, submitted: bool = False) -> CancelTaskForm:
    kwargs = {} if submitted else {"formdata": None}
    return CancelTaskForm(prefix=f"cancel-{task_id}", **kwargs)


def _render(session_id: int, *, debrief_form=None, task_form=None,
            cancel_form: tuple | None = None, status: int = 200, alert: str | None = None, section_errors: dict | None = None,
            stale: bool = False):
    """The debrief page; a form passed in is shown as the user sent it (errors, text kept)."""
    record = db.session.scalar(queries.debrief_page(session_id)
                               .execution_options(populate_existing=True))
    debrief = record.debrief
    tasks = db.session.scalars(queries.plan_tasks(debrief.id)).all() if debrief else []
    reflections = queries.reflections_by_task(
        db.session.scalars(queries.task_reflections([t.id for t in tasks])) if tasks else [])
    today = clinic_today()
    can_chart = can_change_clinical(current_user)
    cancel_forms = {}
    if can_chart:
        if debrief is None or not debrief.is_signed:
            if debrief_form is None:
                debrief_form = _debrief_form(record)
        if debrief is not None:
            if task_form is None:
                task_form = TaskForm(prefix="task", formdata=None)
            cancel_forms = {t.id: _cancel_form(t.id) for t in tasks if t.active}
            if cancel_form is not None:  # (task id, the form as sent)
                cancel_forms[cancel_form[0]] = cancel_form[1]
    return render_template(
        "integration/debrief.html", record=record, patient=record.patient,
        intention=record.intention, debrief=debrief, can_chart=can_chart,
        debrief_form=debrief_form if can_chart else None,
        task_form=task_form if can_chart else None,
        cancel_forms=cancel_forms, stale=stale, alert=alert, section_errors=section_errors or {},
        plan=[queries.task_progress(t, reflections.get(t.id, []), today) for t in tasks],
        addenda=db.session.scalars(record_addenda("debrief", debrief.id)).all() if debrief else [],
        hash_matches=services.debrief_hash_matches(debrief),
        labels={"kind": TASK_KINDS, "repeat": REPEATS},
        addendum_form=AddendumForm(prefix="addendum", formdata=None),
        links={"session": url_for("dosing.session", session_id=record.id),
               "chart": url_for("patients.chart", patient_id=record.patient_id),
               "intention": url_for("intention.edit", session_id=record.id)},
    ), status


def _refuse_signed(session_id: int, debrief_id: int | None, patient_id: int, error):
    db.session.rollback()
    record_event("update", "debrief", debrief_id, patient_id=patient_id, outcome="denied")
    db.session.commit()
    return _render(session_id, status=409, alert=str(error))


@bp.get("/sessions/<session_id>/debrief")
@allow(LEAD, CLINICIAN)
def debrief(session_id):
    record = _load(session_id)
    debrief_id = db.session.scalar(sa.select(Debrief.id).where(Debrief.session_id == record.id))
    if debrief_id is not None:
        record_event("read", "debrief", debrief_id, patient_id=record.patient_id)
    else:  # nothing written yet: the read is of the session the debrief will belong to
        record_event("read", "dosing_session", record.id, patient_id=record.patient_id)
    db.session.commit()
    return _render(record.id)


@bp.post("/sessions/<session_id>/debrief")
@allow(CLINICIAN)
def save_debrief(session_id):
    record = db.session.scalar(queries.debrief_page(_load(session_id).id))
    sid, pid = record.id, record.patient_id
    debrief_id = record.debrief.id if record.debrief else None
    form = _debrief_form(record, submitted=True)
    if not form.validate_on_submit():
        if record.debrief is not None and record.debrief.is_signed:
            return _refuse_signed(sid, debrief_id, pid, RecordSigned(services.DEBRIEF))
        return _render(sid, debrief_form=form, status=422)
    fields = {name: form[name].data for name in ("version", "held_at", "emotions", "insights",
                                                 "what_surfaced", "relation_to_intention")}
    try:
        services.hold_debrief(record, **fields, progress=form.progress(), user=current_user)
        db.session.commit()
    except RecordSigned as error:
        return _refuse_signed(sid, debrief_id, pid, error)
    except (StaleRecord, StaleDataError, IntegrityError):
        db.session.rollback()
        current = db.session.scalar(queries.debrief_page(sid)).debrief
        form.version.renew(current.version if current else 0)
        return _render(sid, debrief_form=form, status=409, stale=True,
                       section_errors={"debrief": StaleRecord().args[0]})
    except RuleError as error:
        db.session.rollback()
        target = getattr(form, error.field, None) if error.field else None
        if target is not None:
            target.errors.append(str(error))
        return _render(sid, debrief_form=form, status=422,
                       section_errors={} if target is not None else {"debrief": str(error)})
    flash("The debrief is saved.", "success")
    return redirect(url_for(".debrief", session_id=sid))


@bp.post("/sessions/<session_id>/debrief/sign")
@allow(CLINICIAN)
def sign_debrief(session_id):
    record = db.session.scalar(queries.debrief_page(_load(session_id).id))
    sid, pid = record.id, record.patient_id
    if record.debrief is None:
        return _render(sid, status=422,
                       section_errors={"debrief": "Save the debrief before signing it."})
    debrief_id = record.debrief.id
    try:
        services.sign_debrief(record.debrief, current_user)
        db.session.commit()
    except RecordSigned as error:
        return _refuse_signed(sid, debrief_id, pid, error)
    flash("The debrief is signed. Corrections from now on are addenda.", "success")
    return redirect(url_for(".debrief", session_id=sid, _anchor="signature"))


@bp.post("/sessions/<session_id>/debrief/tasks")
@allow(CLINICIAN)
def add_task(session_id):
    record = db.session.scalar(queries.debrief_page(_load(session_id).id))
    sid = record.id
    if record.debrief is None:
        return _render(sid, status=422, section_errors={
            "plan": "Save the debrief first: the integration plan belongs to it."})
    form = TaskForm(prefix="task")
    if not form.validate_on_submit():
        return _render(sid, task_form=form, status=422)
    fields = {name: form[name].data for name in ("title", "kind", "instructions", "repeat",
                                                 "due_on", "starts_on", "repeat_until")}
    try:
        services.add_integration_task(record.debrief, **fields, today=clinic_today(),
                                      user=current_user)
        db.session.commit()
    except RuleError as error:
        db.session.rollback()
        form[error.field or "title"].errors.append(str(error))
        return _render(sid, task_form=form, status=422)
    flash("The task is added to the integration plan.", "success")
    return redirect(url_for(".debrief", session_id=sid, _anchor="plan"))


@bp.post("/integration-tasks/<task_id>/cancel")
@allow(CLINICIAN)
def cancel_task(task_id):
    task = record_or_404(IntegrationTask, task_id, audit_action=None)
    tid = task.id
    session_id = task.debrief.session_id if task.debrief_id else None
    back = (url_for(".debrief", session_id=session_id, _anchor="plan") if session_id
            else url_for("patients.chart", patient_id=task.patient_id))
    form = _cancel_form(tid, submitted=True)
    if form.validate_on_submit():
        try:
            services.cancel_integration_task(task, reason=form.reason.data, user=current_user)
            db.session.commit()
        except RuleError as error:
            db.session.rollback()
            form.reason.errors.append(str(error))
        else:
            flash("The task is cancelled; it stays on the plan with the reason.", "success")
            return redirect(back)
    if session_id is None:  # a task outside any debrief's plan is not shown on this page
        flash(" ".join(form.reason.errors), "error")
        return redirect(back)
    return _render(session_id, cancel_form=(tid, form), status=422)
