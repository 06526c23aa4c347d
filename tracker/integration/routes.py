"""The debrief page (stage 3, clinician side): the debrief beside the intention, its signature
and addenda, and the integration plan with the patient's progress on each task.

Clinicians on the care team write; leads read. The patient's own screens are in tracker.portal.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from tracker.core.access import allow, can_change_clinical, record_or_404
from tracker.core.audit.service import record_event
from tracker.core.saving import Attempt, save
from tracker.core.sessions import DosingSession
from tracker.core.signing.forms import AddendumForm
from tracker.core.signing.queries import record_addenda
from tracker.core.signing.service import ensure_unsigned
from tracker.core.users import CLINICIAN, LEAD
from tracker.extensions import db
from tracker.integration import queries, services
from tracker.integration.forms import CancelTaskForm, TaskForm, debrief_form_for
from tracker.integration.models import REPEATS, TASK_KINDS, Debrief, IntegrationTask
from tracker.rules import Refused
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
    notes = {}
    for entry in (debrief.goal_progress if debrief else []):
        notes[f"goal_{entry.goal_id}"] = entry.note
        notes[f"rating_{entry.goal_id}"] = entry.rating
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
        if (debrief is None or not debrief.is_signed) and debrief_form is None:
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
    sid, pid, debrief = record.id, record.patient_id, record.debrief
    audit = Attempt("update" if debrief else "create", "debrief",
                    debrief.id if debrief else None, pid)
    form = _debrief_form(record, submitted=True)
    if debrief is not None and debrief.is_signed:  # why nothing can change, not what was mistyped
        outcome = save(None, lambda: ensure_unsigned(debrief, services.DEBRIEF), audit=audit)
    else:
        fields = {name: form[name].data for name in (
            "version", "held_at", "emotions", "insights", "what_surfaced",
            "relation_to_intention")}
        outcome = save(form, lambda: services.hold_debrief(
            record, **fields, progress=form.progress(), ratings=form.ratings(),
            user=current_user), audit=audit)
    if outcome.saved:
        flash("The debrief is saved.", "success")
        return redirect(url_for(".debrief", session_id=sid))
    current = db.session.scalar(queries.debrief_page(sid)).debrief
    if current is not None and current.is_signed:
        return _render(sid, status=outcome.status, alert=outcome.problem)
    stale = outcome.status == 409
    if stale:
        form.version.renew(current.version if current else 0)
    return _render(sid, debrief_form=form, status=outcome.status, stale=stale,
                   section_errors={"debrief": outcome.problem} if outcome.problem else {})


@bp.post("/sessions/<session_id>/debrief/sign")
@allow(CLINICIAN)
def sign_debrief(session_id):
    record = db.session.scalar(queries.debrief_page(_load(session_id).id))
    sid, pid, debrief = record.id, record.patient_id, record.debrief

    def sign():
        if debrief is None:
            raise Refused("Save the debrief before signing it.")
        services.sign_debrief(debrief, current_user)
    outcome = save(None, sign, audit=Attempt("sign", "debrief", debrief.id if debrief else None,
                                             pid))
    if not outcome.saved:
        if outcome.status == 409:  # already signed
            return _render(sid, status=409, alert=outcome.problem)
        return _render(sid, status=outcome.status, section_errors={"debrief": outcome.problem})
    flash("The debrief is signed. Corrections from now on are addenda.", "success")
    return redirect(url_for(".debrief", session_id=sid, _anchor="signature"))


@bp.post("/sessions/<session_id>/debrief/tasks")
@allow(CLINICIAN)
def add_task(session_id):
    record = db.session.scalar(queries.debrief_page(_load(session_id).id))
    sid, debrief = record.id, record.debrief
    form = TaskForm(prefix="task")
    audit = Attempt("create", "integration_task", None, record.patient_id)
    if debrief is None:
        outcome = save(None, _no_debrief_yet, audit=audit)
        return _render(sid, status=outcome.status, section_errors={"plan": outcome.problem})
    fields = {name: form[name].data for name in ("title", "kind", "instructions", "repeat",
                                                 "due_on", "starts_on", "repeat_until")}
    outcome = save(form, lambda: services.add_integration_task(
        debrief, **fields, today=clinic_today(), user=current_user), audit=audit)
    if not outcome.saved:
        if outcome.problem:  # a rule of the plan as a whole: shown beside the title
            form.title.errors = [*form.title.errors, outcome.problem]
        return _render(sid, task_form=form, status=outcome.status)
    flash("The task is added to the integration plan.", "success")
    return redirect(url_for(".debrief", session_id=sid, _anchor="plan"))


def _no_debrief_yet():
    raise Refused("Save the debrief first: the integration plan belongs to it.")


@bp.post("/integration-tasks/<task_id>/cancel")
@allow(CLINICIAN)
def cancel_task(task_id):
    task = record_or_404(IntegrationTask, task_id, audit_action=None)
    tid = task.id
    session_id = task.debrief.session_id if task.debrief_id else None
    back = (url_for(".debrief", session_id=session_id, _anchor="plan") if session_id
            else url_for("patients.chart", patient_id=task.patient_id))
    form = _cancel_form(tid, submitted=True)
    outcome = save(form, lambda: services.cancel_integration_task(
        task, reason=form.reason.data, user=current_user),
        audit=Attempt("cancel", "integration_task", tid, task.patient_id))
    if outcome.saved:
        flash("The task is cancelled; it stays on the plan with the reason.", "success")
        return redirect(back)
    if outcome.problem:
        form.reason.errors = [*form.reason.errors, outcome.problem]
    if session_id is None:  # a task outside any debrief's plan is not shown on this page
        flash(" ".join(form.reason.errors), "error")
        return redirect(back)
    return _render(session_id, cancel_form=(tid, form), status=outcome.status)
