"""Who has seen my record: the audit trail's events about me, in plain words."""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, request
from flask_login import current_user

from tracker.core.access import allow
from tracker.core.audit.service import record_event
from tracker.core.users import PATIENT, ROLE_LABELS, User
from tracker.extensions import db
from tracker.portal import queries
from tracker.portal.routes import bp, own_patient, show

ACTION_WORDS = {
    "read": "Looked at", "create": "Added", "update": "Changed", "sign": "Signed",
    "addendum": "Added a correction (addendum) to", "export": "Downloaded",
    "mark_done": "Marked a day done on", "mark_skipped": "Marked a day skipped on", "complete": "Completed",
    "raise_flag": "Raised", "acknowledge": "Acknowledged", "record_outcome": "Recorded the outcome of",
    "cancel": "Cancelled", "share": "Shared", "unshare": "Stopped sharing", "override": "Overrode",
    "assign": "Assigned", "pause": "Paused", "resume": "Resumed", "discharge": "Discharged",
}
RECORD_WORDS = {
    "patient": "your record", "journey": "your journey page", "task_list": "your task list",
    "journal": "your journal", "questionnaire_list": "your questionnaires page",
    "access_log": "this list of who has seen your record", "calendar": "your calendar file",
    "treatment_course": "a treatment course", "care_team_member": "your care team",
    "dosing_session": "a dosing session", "intention": "an intention", "goal": "a goal",
    "session_note": "an in-session note", "vital_sign": "vital signs",
    "sedation_rating": "a sedation rating", "adverse_event": "an adverse event record",
    "discharge": "a discharge record", "debrief": "a debrief",
    "integration_task": "an integration task", "task_completion": "a task mark",
    "reflection": "a reflection", "follow_up": "a follow-up",
    "questionnaire_response": "a questionnaire", "questionnaire_assignment": "a questionnaire request",
    "safety_flag": "a safety flag", "addendum": "an addendum", "chart": "your chart",
}
OUTCOME_WORDS = {"success": "Done", "denied": "Refused (no access)", "failure": "Failed"}


def describe(event) -> str:
    """'Looked at your record', 'Added a reflection': the event in plain words."""
    verb = ACTION_WORDS.get(event.action, event.action.replace("_", " ").capitalize())
    what = RECORD_WORDS.get(event.record_type, event.record_type.replace("_", " "))
    return f"{verb} {what}"


def who(event, names: dict[int, str]) -> str:
    if event.user_id is not None and event.user_id == current_user.id:
        return "You"
    if event.role is None:
        return "The tracker itself"
    label = ROLE_LABELS.get(event.role, event.role)
    if event.role == PATIENT or event.user_id not in names:
        return label
    return f"{names[event.user_id]} ({label})"


@bp.route("/record-access")
@allow(PATIENT)
def access_log():
    patient = own_patient()
    include_mine = request.args.get("mine") == "1"
    record_event("read", "access_log", patient.id, patient_id=patient.id)
    stmt = (queries.record_access(patient.id) if include_mine
            else queries.record_access_by_others(patient.id, current_user.id))
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    staff_ids = {e.user_id for e in page.items if e.user_id and e.user_id != current_user.id}
    names = dict(db.session.execute(sa.select(User.id, User.full_name).where(User.id.in_(staff_ids))).all()) \
        if staff_ids else {}
    return show("portal/access_log.html", page=page, include_mine=include_mine,
                describe=describe, who=lambda e: who(e, names), outcome_words=OUTCOME_WORDS)

