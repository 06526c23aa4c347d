"""My integration tasks: each day's occurrence to mark, reflections, the journal."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.orm import load_only, noload, selectinload
from wtforms.fields.choices import SelectChoice

from tracker.core.access import allow, record_or_404
from tracker.core.audit.service import record_event
from tracker.core.saving import Attempt, save
from tracker.core.users import PATIENT
from tracker.extensions import db
from tracker.integration.models import IntegrationTask, Reflection, TaskCompletion
from tracker.portal import pages, queries, services
from tracker.portal.forms import (
    EditReflectionForm,
    JournalEntryForm,
    MarkDoneForm,
    ReflectionForm,
    SkipForm,
)
from tracker.portal.routes import bp, day_or_404, own_patient, show
from tracker.portal.schedule import can_mark_on, is_occurrence
from tracker.timezones import clinic_today


def _task_or_404(task_id: int, audit_action: str | None = "read") -> IntegrationTask:
    return record_or_404(IntegrationTask, task_id, audit_action=audit_action, options=[
        load_only(*queries.TASK_COLUMNS, raiseload=True), noload(IntegrationTask.debrief)])


@bp.route("/tasks")
@allow(PATIENT)
def tasks():
    patient = own_patient()
    today = clinic_today()
    page = pages.tasks(patient, today, current_user.clinic)
    record_event("read", "task_list", patient.id, patient_id=patient.id)
    return show("portal/tasks.html", today=today, **page)


def _render_task(patient, task, form=None, status: int = 200):
    detail = pages.task_detail(patient, task, clinic_today(), current_user.clinic)
    return show("portal/task.html", status, task=task, form=form or ReflectionForm(),
                today=clinic_today(), **detail)


@bp.route("/tasks/<int:task_id>")
@allow(PATIENT)
def task(task_id: int):
    patient = own_patient()
    return _render_task(patient, _task_or_404(task_id))


@bp.route("/tasks/<int:task_id>/reflections", methods=["POST"])
@allow(PATIENT)
def add_reflection(task_id: int):
    patient = own_patient()
    task = _task_or_404(task_id, audit_action=None)
    form = ReflectionForm()
    outcome = save(form, lambda: services.add_reflection(patient, form.text.data, task=task),
                   audit=Attempt("create", "reflection", None, patient.id))
    if outcome.saved:
        flash("Your reflection is saved.", "success")
        return redirect(url_for("portal.task", task_id=task.id))
    _beside(form.text, outcome)
    return _render_task(patient, task, form, outcome.status)


def _beside(field, outcome) -> None:
    """The portal's forms have one text field: a refusal is shown beside it."""
    if outcome.problem:
        field.errors = [*field.errors, outcome.problem]


# --- one day of a task -------------------------------------------------------------------------

def _occurrence_or_404(task_id: int, day: str, audit_action: str | None = "read"):
    """The task and the day, if the task is visible and falls due that day. The read is recorded
    once both are known: a read flushed before the day's 404 would be rendered over, then lost."""
    task = _task_or_404(task_id, audit_action=None)
    on = day_or_404(day)
    if not is_occurrence(task, on):
        abort(404)
    if audit_action:
        record_event(audit_action, IntegrationTask.__tablename__, task.id, patient_id=task.patient_id)
    return task, on


def _render_occurrence(patient, task, on, done_form=None, skip_form=None, status: int = 200):
    mark = db.session.scalar(queries.completions(patient.id, [task.id]).where(
        TaskCompletion.occurrence_on == on))
    today = clinic_today()
    return show("portal/occurrence.html", status, task=task, on=on, mark=mark, today=today,
                can_mark=task.active and can_mark_on(task, on, today),
                done_form=done_form or MarkDoneForm(prefix="done"),
                skip_form=skip_form or SkipForm(prefix="skip"))


@bp.route("/tasks/<int:task_id>/on/<day>")
@allow(PATIENT)
def occurrence(task_id: int, day: str):
    patient = own_patient()
    task, on = _occurrence_or_404(task_id, day)
    return _render_occurrence(patient, task, on)


@bp.route("/tasks/<int:task_id>/on/<day>/done", methods=["POST"])
@allow(PATIENT)
def mark_done(task_id: int, day: str):
    patient = own_patient()
    task, on = _occurrence_or_404(task_id, day, audit_action=None)
    form = MarkDoneForm(prefix="done")
    outcome = save(form, lambda: services.mark_occurrence(
        patient, task, on, "done", today=clinic_today(), reflection_text=form.reflection.data),
        audit=Attempt("mark_done", "integration_task", task.id, patient.id))
    if outcome.saved:
        flash(f"Marked done: {task.title}."
              + (" Your reflection is saved." if (form.reflection.data or "").strip() else ""),
              "success")
        return redirect(url_for("portal.tasks"))
    _beside(form.reflection, outcome)
    return _render_occurrence(patient, task, on, done_form=form, status=outcome.status)


@bp.route("/tasks/<int:task_id>/on/<day>/skip", methods=["POST"])
@allow(PATIENT)
def mark_skipped(task_id: int, day: str):
    patient = own_patient()
    task, on = _occurrence_or_404(task_id, day, audit_action=None)
    form = SkipForm(prefix="skip")
    outcome = save(form, lambda: services.mark_occurrence(
        patient, task, on, "skipped", today=clinic_today(), skip_reason=form.skip_reason.data),
        audit=Attempt("mark_skipped", "integration_task", task.id, patient.id))
    if outcome.saved:
        flash(f"Marked skipped: {task.title}.", "success")
        return redirect(url_for("portal.tasks"))
    _beside(form.skip_reason, outcome)
    return _render_occurrence(patient, task, on, skip_form=form, status=outcome.status)


# --- journal and reflections -------------------------------------------------------------------

def _journal_form(patient, formdata=None) -> JournalEntryForm:
    form = JournalEntryForm() if formdata is None else JournalEntryForm(formdata=formdata)
    form.session_id.choices = [SelectChoice("0", "Not about a particular session")] + [
        SelectChoice(str(value), label) for value, label in pages.session_choices(patient.id)]
    return form


def _render_journal(patient, form, status: int = 200):
    page = pages.journal(patient)
    return show("portal/journal.html", status, form=form, **page)


@bp.route("/journal")
@allow(PATIENT)
def journal():
    patient = own_patient()
    form = _journal_form(patient)
    record_event("read", "journal", patient.id, patient_id=patient.id)
    return _render_journal(patient, form)


@bp.route("/journal", methods=["POST"])
@allow(PATIENT)
def add_journal_entry():
    patient = own_patient()
    form = _journal_form(patient, request.form)
    outcome = save(form, lambda: services.add_reflection(
        patient, form.text.data, session_id=form.session_id.data or None),
        audit=Attempt("create", "reflection", None, patient.id))
    if outcome.saved:
        flash("Your journal entry is saved.", "success")
        return redirect(url_for("portal.journal"))
    _beside(form.text, outcome)
    return _render_journal(patient, form, outcome.status)


def _reflection_or_404(reflection_id: int, audit_action: str | None) -> Reflection:
    return record_or_404(Reflection, reflection_id, audit_action=audit_action, options=[
        selectinload(Reflection.revisions), noload(Reflection.task)])


def _back_to(reflection) -> str:
    if reflection.task_id:
        return url_for("portal.task", task_id=reflection.task_id)
    return url_for("portal.journal")


@bp.route("/reflections/<int:reflection_id>/edit", methods=["GET", "POST"])
@allow(PATIENT)
def edit_reflection(reflection_id: int):
    patient = own_patient()
    reflection = _reflection_or_404(reflection_id, "read" if request.method == "GET" else None)
    form = EditReflectionForm(obj=reflection)
    outcome = save(form, lambda: services.edit_reflection(
        patient, reflection, form.text.data, expected_version=form.version.data),
        audit=Attempt("update", "reflection", reflection.id, patient.id))
    if outcome.saved:
        flash("Your reflection is saved. The earlier text is kept in its history.", "success")
        return redirect(_back_to(reflection))
    conflict = None
    if outcome.status == 409:  # the saved text above, the patient's below, the next save wins
        conflict = services.STALE_REFLECTION
        reflection = _reflection_or_404(reflection_id, None)
        form.version.data = str(reflection.version)
    else:
        _beside(form.text, outcome)
    return show("portal/edit_reflection.html", outcome.status, reflection=reflection, form=form,
                conflict=conflict, back=_back_to(reflection))
