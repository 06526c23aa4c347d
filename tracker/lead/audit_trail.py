"""The lead's access audit trail: filter, page through (keyset, newest first), see the hash
chain's state, export the filtered trail as CSV (streamed, and itself audited)."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import current_app, render_template, request
from flask_login import current_user

from tracker.core.access import allow, parse_id
from tracker.core.audit import queries as q
from tracker.core.users import LEAD
from tracker.db import utcnow
from tracker.extensions import db
from tracker.lead.exports import stream_csv
from tracker.lead.forms import AuditFilterForm
from tracker.lead.routes import bp
from tracker.timezones import clinic_zone, to_local

ACTION_SUGGESTIONS = (
    "read", "create", "update", "sign", "addendum", "print", "submit", "sign_in", "sign_out", "export",
    "deactivate", "reactivate", "issue_invite_link", "issue_reset_link", "redeem_link",
    "add_care_team_member", "remove_care_team_member", "set_primary", "transfer",
    "change_status", "acknowledge", "raise_flag", "lock_account")
RECORD_TYPE_SUGGESTIONS = (
    "patient", "user", "care_team", "care_team_member", "treatment_course", "dosing_session",
    "intention", "session_note", "vital_sign", "debrief", "integration_task", "task_completion",
    "reflection", "follow_up", "questionnaire_response", "safety_flag", "clinic_settings",
    "audit_trail", "journey", "rems_form")
CSV_HEADER = ("event_id", "occurred_at_utc", "occurred_at_local", "user_email", "user_name", "role",
              "action", "record_type", "record_id", "patient_record_number", "ip_address",
              "outcome", "hash")


def _filters(form: AuditFilterForm) -> tuple[q.TrailFilter | None, list[str]]:
    """The TrailFilter for valid input, or None and the reasons nothing can match."""
    clinic_id, notes = current_user.clinic_id, []
    user_id = patient_id = None
    if form.user.data and form.user.data.strip():
        user_id = db.session.scalar(q.user_by_email(clinic_id, form.user.data))
        if user_id is None:
            notes.append(f"No account of this clinic has the email {form.user.data.strip()!r}.")
    if form.patient.data and form.patient.data.strip():
        patient_id = db.session.scalar(q.patient_by_record_number(clinic_id, form.patient.data))
        if patient_id is None:
            notes.append(f"No patient of this clinic has the record number {form.patient.data.strip()!r}.")
    if notes:
        return None, notes
    zone = clinic_zone()
    since = until = None
    if form.since.data:
        since = datetime.combine(form.since.data, time(0), tzinfo=zone)
    if form.until.data:
        until = datetime.combine(form.until.data + timedelta(days=1), time(0), tzinfo=zone)
    return q.TrailFilter(
        user_id=user_id, patient_id=patient_id,
        action=(form.action.data or "").strip() or None,
        record_type=(form.record_type.data or "").strip() or None,
        outcome=form.outcome.data or None, since=since, until=until), []


def _query_args(form: AuditFilterForm) -> dict:
    """The filter as URL arguments, for paging and export links."""
    return {name: request.args[name] for name in form.data if request.args.get(name)}


def _page(filters: q.TrailFilter):
    """One page of events and whether there are older / newer ones."""
    size = current_app.config["PAGE_SIZE"]
    base = q.audit_trail(current_user.clinic_id, filters)
    before, after = parse_id(request.args.get("before")), parse_id(request.args.get("after"))
    cursor_id = before or after
    cursor = None
    if cursor_id:
        cursor = db.session.scalar(q.event_time(current_user.clinic_id, cursor_id))
    if cursor is not None and after:
        rows = db.session.execute(q.newer_than(base, cursor, after).limit(size + 1)).all()
        has_newer, rows = len(rows) > size, list(reversed(rows[:size]))
        return rows, True, has_newer
    if cursor is not None:
        stmt = q.older_than(base, cursor, before)
    else:
        stmt = q.newest_first(base)
    rows = db.session.execute(stmt.limit(size + 1)).all()
    return rows[:size], len(rows) > size, cursor is not None


@bp.route("/audit")
@allow(LEAD)
def audit_trail():
    form = AuditFilterForm(formdata=request.args)
    rows, has_older, has_newer, notes = [], False, False, []
    status = 200
    if not form.validate():
        status = 400
    else:
        filters, notes = _filters(form)
        if filters is not None:
            rows, has_older, has_newer = _page(filters)
    chain = q.verify_recent_window()
    return render_template(
        "lead/audit.html", form=form, rows=rows, has_older=has_older, has_newer=has_newer,
        notes=notes, chain=chain, args=_query_args(form), actions=ACTION_SUGGESTIONS,
        record_types=RECORD_TYPE_SUGGESTIONS), status


def _csv_rows(stmt):
    """The export's rows, read in batches (a server-side cursor on PostgreSQL)."""
    zone = clinic_zone()
    for event_id, at, *middle, event_hash in db.session.execute(
            stmt.execution_options(yield_per=2000)):
        yield (event_id, at.isoformat(), at.astimezone(zone).isoformat(), *middle, event_hash)


@bp.route("/audit/export.csv")
@allow(LEAD)
def export_audit_trail():
    form = AuditFilterForm(formdata=request.args)
    if not form.validate():
        return audit_trail()
    filters, _notes = _filters(form)
    if filters is None:
        return audit_trail()
    stmt = q.newest_first(q.audit_trail(current_user.clinic_id, filters, columns=q.export_columns()))
    day = to_local(utcnow()).strftime("%Y%m%d")
    # stream_csv records the export ("export", "audit_trail") and commits before sending.
    return stream_csv(f"audit-trail-{day}.csv", CSV_HEADER, _csv_rows(stmt),
                      record_type="audit_trail", patient_id=filters.patient_id)
