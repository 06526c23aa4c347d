"""Changes to an esketamine session's REMS monitoring form: the clinician's answer to the
evaluation question, and marking the form submitted. Each validates, flushes and records its
audit event in the caller's transaction (no commit)."""
from __future__ import annotations

from tracker.core.audit.service import record_event
from tracker.core.sessions import DosingSession
from tracker.core.signing.service import content_hash
from tracker.db import utcnow
from tracker.dosing import rems
from tracker.dosing.rems import RemsForm, rems_form_of
from tracker.extensions import db
from tracker.rules import Refused, check_version

NOT_ESKETAMINE = "Only esketamine sessions have a REMS monitoring form."
SUBMITTED = ("The REMS monitoring form has been submitted and can no longer be changed. "
             "A correction to the record is an addendum.")


def _form_for(session: DosingSession) -> tuple[RemsForm, str]:
    form = rems_form_of(session.id)
    if form is not None:
        return form, "update"
    form = RemsForm(session_id=session.id, patient_id=session.patient_id)
    db.session.add(form)
    return form, "create"


def answer_evaluation(session: DosingSession, *, ready_to_leave_minutes: int,
                      version: int | None, user) -> RemsForm:
    """Record the clinician's answer to the REMS evaluation question: when the patient would
    have been ready to leave, in minutes from the start of administration."""
    if not rems.applies(session):
        raise Refused(NOT_ESKETAMINE, status=409)
    if session.started_at is None:
        raise Refused("Start the session before answering the REMS evaluation question.",
                      field="ready_to_leave_minutes")
    form, action = _form_for(session)
    if action == "update":
        check_version(form, version, "REMS monitoring form")
        if form.is_submitted:
            raise Refused(SUBMITTED, status=409)
    if not 0 <= ready_to_leave_minutes <= 1440:
        raise Refused("Give the minutes from the start of administration (0 to 1440).",
                      field="ready_to_leave_minutes")
    form.ready_to_leave_minutes = ready_to_leave_minutes
    form.answered_by_id = user.id
    db.session.flush()
    record_event(action, "rems_form", form.id, patient_id=session.patient_id, user=user)
    return form


def mark_submitted(session: DosingSession, *, version: int | None, user, clinic) -> RemsForm:
    """Record that the clinic submitted the form to the REMS: who, when, and a hash of every
    field as submitted. Refused while the in-session record is unsigned or a field is
    missing (the message lists them)."""
    if not rems.applies(session):
        raise Refused(NOT_ESKETAMINE, status=409)
    form = rems_form_of(session.id)
    if form is not None:
        check_version(form, version, "REMS monitoring form")
        if form.is_submitted:
            raise Refused("The REMS monitoring form is already marked as submitted.", status=409)
    if not session.is_signed:
        raise Refused("Sign the in-session record before submitting its REMS monitoring form.")
    fields = rems.rems_fields(session, form, clinic)
    missing = rems.missing_fields(fields)
    if missing:
        raise Refused("The form is not complete. Still missing: "
                      + "; ".join(f.label for f in missing) + ".")
    form.submitted_at, form.submitted_by_id = utcnow(), user.id
    form.content_hash = content_hash(rems.form_content(fields))
    db.session.flush()
    record_event("submit", "rems_form", form.id, patient_id=session.patient_id, user=user)
    return form
