"""The dosing session page (stage 2): everything of the session on one page.

Clinicians on the care team record and sign; leads may read (audit) but change nothing. Every
change is a plain form POST to its own endpoint: parse the form, call one service, commit,
redirect back to the page; on bad input or a refused rule the page is shown again with the
form as typed and the reason beside the field.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from tracker.core.access import allow, can_change_clinical, record_or_404
from tracker.core.audit.service import record_event
from tracker.core.care_team import care_team_clinicians
from tracker.core.flags import FlagSource
from tracker.core.forms import choices
from tracker.core.saving import Attempt, save
from tracker.core.sessions import MEDICATIONS, ROUTES, DosingSession
from tracker.core.signing.forms import AddendumForm
from tracker.core.signing.queries import record_addenda
from tracker.core.signing.service import ensure_unsigned
from tracker.core.users import CLINICIAN, LEAD, User
from tracker.datetext import show_time
from tracker.db import utcnow
from tracker.dosing import queries, recording, services
from tracker.dosing.discharge import discharge_gates, observation_minutes
from tracker.dosing.forms import (
    AdverseEventForm,
    DischargeForm,
    EndSessionForm,
    MedicationForm,
    NoteForm,
    SedationForm,
    SessionDetailsForm,
    StartSessionForm,
    VitalsForm,
)
from tracker.dosing.models import (
    ADVERSE_EVENT_KINDS,
    MOAAS_LABELS,
    NOTE_KINDS,
    VITAL_PHASES,
    Discharge,
    SessionNote,
)
from tracker.dosing.rems import rems_summary
from tracker.dosing.schedule import CHECK_STATUSES, vitals_schedule
from tracker.dosing.vitals import classify_vitals
from tracker.extensions import db
from tracker.intention.readiness import readiness_gaps
from tracker.timezones import clinic_style, to_local

bp = Blueprint("dosing", __name__)

# form name on the page -> (form class, field prefix: several forms share one page)
FORMS = {
    "start_form": (StartSessionForm, "start"),
    "end_form": (EndSessionForm, "end"),
    "details_form": (SessionDetailsForm, "details"),
    "medication_form": (MedicationForm, "medication"),
    "note_form": (NoteForm, "note"),
    "vitals_form": (VitalsForm, "vitals"),
    "sedation_form": (SedationForm, "sedation"),
    "adverse_event_form": (AdverseEventForm, "event"),
    "discharge_form": (DischargeForm, "discharge"),
}
NEXT_PHASE = ("pre_dose", "during", "pre_discharge")
LABELS = {"medication": MEDICATIONS, "route": ROUTES, "note": NOTE_KINDS, "phase": VITAL_PHASES,
          "moaas": MOAAS_LABELS, "event": ADVERSE_EVENT_KINDS}


def _links(record: DosingSession) -> dict:
    return {"chart": url_for("patients.chart", patient_id=record.patient_id),
            "intention": url_for("intention.edit", session_id=record.id),
            "debrief": url_for("integration.debrief", session_id=record.id)}


def _load(session_id, *, audit_action: str | None = None, options=()) -> DosingSession:
    return record_or_404(DosingSession, session_id, audit_action=audit_action, options=options,
                         record_type="dosing_session")


def _team(record: DosingSession) -> list:
    return list(db.session.scalars(care_team_clinicians(record.patient_id)))


def _build(name: str, record: DosingSession, team: list | None = None, *,
           submitted: bool = False):
    """One of the page's forms: bound to the request if it is the one submitted, else filled
    from the record (or with defaults) and blind to the request's data. `team` (the care
    team's clinicians) is read here when the form needs it and it is not given."""
    form_class, prefix = FORMS[name]
    kwargs = {"prefix": prefix}
    if not submitted:
        kwargs["formdata"] = None
    if name in ("details_form", "medication_form"):
        kwargs["obj"] = record
    if name == "discharge_form" and not submitted and record.discharge is not None:
        kwargs["obj"] = record.discharge
    form = form_class(**kwargs)
    if hasattr(form, "clinician_id"):
        team = _team(record) if team is None else team
        form.clinician_id.choices = choices({c.id: c.full_name for c in team})
        if form.clinician_id.data is None and not submitted:
            form.clinician_id.data = record.clinician_id or current_user.id
    if not submitted:
        _defaults(name, form, record)
    return form


def _defaults(name: str, form, record: DosingSession) -> None:
    if name == "start_form":  # what was scheduled carries over (the guide is set in _build)
        form.room.data = record.room
    elif name == "medication_form" and form.weight_kg.data is None:
        form.weight_kg.data = record.patient.weight_kg
        form.weighed_on.data = record.patient.weighed_on
    elif name == "vitals_form":
        form.phase.data = NEXT_PHASE[min(len(record.vitals), len(NEXT_PHASE) - 1)]
    elif (name == "discharge_form" and record.discharge is None
          and record.intention is not None and record.intention.escort_name):
        form.escort_name.data = record.intention.escort_name


def _render(session_id: int, *, record: DosingSession | None = None,
            submitted: dict | None = None, status: int = 200, alert: str | None = None,
            section_errors: dict | None = None):
    """The session page; `submitted` holds a form as the user sent it (errors, text kept).
    `record`, if given, is already loaded with queries.SESSION_PAGE; else it is read afresh."""
    return render_template("dosing/session.html", **_page(
        session_id, record=record, submitted=submitted, alert=alert,
        section_errors=section_errors)), status


def _page(session_id: int, *, record: DosingSession | None = None, submitted: dict | None = None,
          alert: str | None = None, section_errors: dict | None = None) -> dict:
    """Everything the session page shows, read from the database (nothing is read while it
    renders)."""
    if record is None:
        record = db.session.scalar(queries.session_page(session_id)
                                   .execution_options(populate_existing=True))
    can_chart = can_change_clinical(current_user)
    forms = {}
    if can_chart and not record.is_signed:
        team = _team(record)
        forms = {name: _build(name, record, team) for name in FORMS}
        forms.update(submitted or {})
    override_by = dose_confirmed_by = None
    if record.checklist_override_by_id:
        override_by = db.session.get(User, record.checklist_override_by_id)
    if record.dose_confirmed_by_id:
        dose_confirmed_by = db.session.get(User, record.dose_confirmed_by_id)
    thresholds = current_user.clinic.thresholds
    flags = db.session.scalars(queries.session_flags(record.id)).all()
    return dict(
        record=record, patient=record.patient, intention=record.intention,
        gaps=readiness_gaps(record.intention), forms=forms, can_chart=can_chart,
        findings={v.id: classify_vitals(v, thresholds) for v in record.vitals},
        addenda=db.session.scalars(record_addenda("dosing_session", record.id)).all(),
        flags=flags, override_by=override_by, dose_confirmed_by=dose_confirmed_by,
        weight_within_days=current_user.clinic.setting("weight_within_days"),
        schedule=_schedule(record, thresholds), gates=_gates(record, forms, flags, thresholds),
        observed=observation_minutes(record.started_at, record.discharge.discharged_at
                                     if record.discharge else None),
        check_statuses=CHECK_STATUSES, hash_matches=services.hash_matches(record), alert=alert,
        section_errors=section_errors or {}, labels=LABELS, links=_links(record),
        addendum_form=AddendumForm(prefix="addendum", formdata=None),
        rems=rems_summary(record, current_user.clinic),
    )


def _schedule(record: DosingSession, thresholds: dict) -> list:
    return vitals_schedule(
        started_at=record.started_at, ended_at=record.ended_at,
        discharged_at=record.discharge.discharged_at if record.discharge else None,
        route=record.route, readings=[v.measured_at for v in record.vitals], now=utcnow(),
        iv_interval=thresholds["iv_vitals_interval_minutes"])


def _gates(record: DosingSession, forms: dict, flags: list, thresholds: dict) -> list:
    """The discharge gates as they stand: at the time typed in the discharge form if it was
    sent (a refused discharge), else now; with the escort and override reason of the form (or
    of the saved discharge)."""
    if record.started_at is None or record.medication is None:
        return []
    form = forms.get("discharge_form")
    at = utcnow()
    escort, reason = None, None
    if form is not None:
        at = form.discharged_at.data or at
        escort, reason = form.escort_name.data, form.vitals_override_reason.data
    elif record.discharge is not None:
        at, escort = record.discharge.discharged_at, record.discharge.escort_name
        reason = record.discharge.vitals_override_reason
    elif record.intention is not None:
        escort = record.intention.escort_name
    open_flags = [flag for flag in flags if flag.acknowledged_at is None
                  and flag.source in (FlagSource.VITAL_ALERT, FlagSource.ADVERSE_EVENT)]
    return discharge_gates(record, at=at, thresholds=thresholds, open_flags=open_flags,
                           escort_name=escort, override_reason=reason,
                           fmt=lambda t: show_time(to_local(t), clinic_style()))


def _fields(form) -> dict:
    return {name: field.data for name, field in form._fields.items() if name != "csrf_token"}


def _save(record: DosingSession, form, service, audit: Attempt):
    """Save through the core helper; a signed record refuses whatever was typed (409), so its
    form is not validated (say why nothing can change, not what was mistyped)."""
    if record.is_signed:
        return save(None, lambda: ensure_unsigned(record, services.SESSION), audit=audit)
    return save(form, service, audit=audit)


def _change(session_id, name: str, service, *, audit, done, anchor: str):
    """The shape of every change on the page: validate, call one service, commit, go back.
    `audit` is the (action, record type) the service records, or a function of the session
    giving (action, record type, record id); a new row has no id yet."""
    record = _load(session_id)
    sid, pid = record.id, record.patient_id
    form = _build(name, record, submitted=True)
    if callable(audit):
        action, record_type, record_id = audit(record)
    else:
        action, record_type = audit
        record_id = sid if record_type == "dosing_session" else None
    outcome = _save(record, form, lambda: service(record, **_fields(form), user=current_user),
                    Attempt(action, record_type, record_id, pid))
    if outcome.saved:
        flash(done(outcome.value) if callable(done) else done, "success")
        return redirect(url_for(".session", session_id=sid, _anchor=anchor))
    return _refused(sid, outcome, name, form)


def _refused(sid: int, outcome, name: str | None = None, form=None):
    """The page again after a refusal: the form as typed, the message beside its field or above
    the form's section (a signed record: above the page, with no forms left to fill)."""
    record = db.session.scalar(queries.session_page(sid).execution_options(populate_existing=True))
    if record.is_signed:
        return _render(sid, record=record, status=outcome.status, alert=outcome.problem)
    if outcome.status == 409 and form is not None and hasattr(form, "version"):
        form.version.renew(record.version)
    submitted = {name: form} if form is not None else None
    section = {name or "sign": outcome.problem} if outcome.problem else {}
    return _render(sid, record=record, submitted=submitted, status=outcome.status,
                   section_errors=section)


@bp.get("/sessions/<session_id>")
@allow(LEAD, CLINICIAN)
def session(session_id):
    record = _load(session_id, audit_action="read", options=queries.SESSION_PAGE)
    page = _page(record.id, record=record)
    db.session.commit()  # the read is audited even if rendering fails; nothing reads after it
    return render_template("dosing/session.html", **page)


@bp.post("/sessions/<session_id>/start")
@allow(CLINICIAN)
def start_session(session_id):
    return _change(session_id, "start_form", services.start_session,
                   audit=("start", "dosing_session"),
                   done="The session has started.", anchor="session-times")


@bp.post("/sessions/<session_id>/end")
@allow(CLINICIAN)
def end_session(session_id):
    return _change(session_id, "end_form", services.end_session,
                   audit=("end", "dosing_session"),
                   done="The end of the session is recorded.", anchor="session-times")


@bp.post("/sessions/<session_id>/details")
@allow(CLINICIAN)
def edit_details(session_id):
    return _change(session_id, "details_form", services.update_session_details,
                   audit=("update", "dosing_session"),
                   done="The session's times, guide and room are saved.", anchor="session-times")


@bp.post("/sessions/<session_id>/medication")
@allow(CLINICIAN)
def record_medication(session_id):
    return _change(session_id, "medication_form", services.record_medication,
                   audit=("record_medication", "dosing_session"),
                   done=_medication_saved, anchor="medication")


def _medication_saved(check) -> str:
    if check.needs_confirmation:
        return "The medication is saved, with your confirmation of the dose outside the usual range."
    return "The medication is saved."


@bp.post("/sessions/<session_id>/notes")
@allow(CLINICIAN)
def add_note(session_id):
    return _change(session_id, "note_form", recording.add_session_note,
                   audit=("create", "session_note"), done="Note saved.", anchor="note-entry")


@bp.post("/sessions/<session_id>/vitals")
@allow(CLINICIAN)
def record_vitals(session_id):
    return _change(session_id, "vitals_form", recording.record_vitals,
                   audit=("create", "vital_sign"), done="The reading is saved.", anchor="vitals")


@bp.post("/sessions/<session_id>/sedation")
@allow(CLINICIAN)
def record_sedation(session_id):
    return _change(session_id, "sedation_form", recording.record_sedation,
                   audit=("create", "sedation_rating"),
                   done="The sedation rating is saved.", anchor="sedation")


@bp.post("/sessions/<session_id>/adverse-events")
@allow(CLINICIAN)
def record_adverse_event(session_id):
    return _change(session_id, "adverse_event_form", recording.record_adverse_event,
                   audit=("create", "adverse_event"),
                   done="The adverse event is saved.", anchor="adverse-events")


def _discharge_attempt(record: DosingSession) -> tuple[str, str, int | None]:
    discharge_id = db.session.scalar(sa.select(Discharge.id)
                                     .where(Discharge.session_id == record.id))
    return ("update" if discharge_id else "create"), "discharge", discharge_id


@bp.post("/sessions/<session_id>/discharge")
@allow(CLINICIAN)
def record_discharge(session_id):
    return _change(session_id, "discharge_form", services.record_discharge,
                   audit=_discharge_attempt,
                   done="The discharge is saved.", anchor="discharge")


@bp.post("/sessions/<session_id>/sign")
@allow(CLINICIAN)
def sign(session_id):
    record = _load(session_id)
    sid, pid = record.id, record.patient_id
    outcome = save(None, lambda: services.sign_session_record(record, current_user),
                   audit=Attempt("sign", "dosing_session", sid, pid))
    if not outcome.saved:
        return _refused(sid, outcome)
    flash("The in-session record is signed. Corrections from now on are addenda.", "success")
    return redirect(url_for(".session", session_id=sid, _anchor="signature"))


# --- one note ---------------------------------------------------------------------------------

def _note_or_404(session_id, note_id, *, audit_action: str | None = None):
    """The note and its session, if visible and the note is of that session; else 404."""
    note = record_or_404(SessionNote, note_id, audit_action=audit_action)
    if str(note.session_id) != str(session_id):
        record_event("read", "session_note", note.id, patient_id=note.patient_id,
                     outcome="denied")
        db.session.commit()
        abort(404)
    return note, _load(note.session_id)


def _note_page(note, record, form, status: int = 200):
    return render_template("dosing/edit_note.html", note=note, record=record, form=form,
                           labels=LABELS), status


@bp.get("/sessions/<session_id>/notes/<note_id>/edit")
@allow(CLINICIAN)
def edit_note(session_id, note_id):
    note, record = _note_or_404(session_id, note_id, audit_action="read")
    db.session.commit()
    return _note_page(note, record, NoteForm(obj=note, prefix="note", formdata=None))


@bp.post("/sessions/<session_id>/notes/<note_id>/edit")
@allow(CLINICIAN)
def update_note(session_id, note_id):
    note, record = _note_or_404(session_id, note_id)
    sid, pid = record.id, record.patient_id
    form = NoteForm(prefix="note", noted_at=note.noted_at)  # unchanged keeps its seconds
    outcome = _save(record, form,
                    lambda: recording.update_session_note(record, note, **_fields(form),
                                                          user=current_user),
                    Attempt("update", "session_note", note.id, pid))
    if not outcome.saved:
        if outcome.refusal is not None:  # the session is signed: nothing of it can change
            return _refused(sid, outcome)
        return _note_page(note, record, form, outcome.status)
    flash("The note is saved.", "success")
    return redirect(url_for(".session", session_id=sid, _anchor=f"note-{note.id}"))


def _share(session_id, note_id, shared: bool):
    note, record = _note_or_404(session_id, note_id)
    sid, pid = record.id, record.patient_id
    outcome = save(None, lambda: recording.share_session_note(record, note, shared=shared,
                                                              user=current_user),
                   audit=Attempt("share" if shared else "unshare", "session_note", note.id, pid))
    if not outcome.saved:
        return _refused(sid, outcome)
    flash("The note is shared with the patient." if shared
          else "The note is no longer shared with the patient.", "success")
    return redirect(url_for(".session", session_id=sid, _anchor=f"note-{note.id}"))


@bp.post("/sessions/<session_id>/notes/<note_id>/share")
@allow(CLINICIAN)
def share_note(session_id, note_id):
    return _share(session_id, note_id, True)


@bp.post("/sessions/<session_id>/notes/<note_id>/unshare")
@allow(CLINICIAN)
def unshare_note(session_id, note_id):
    return _share(session_id, note_id, False)
