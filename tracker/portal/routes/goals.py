"""My goals: how each of the patient's goals has gone, debrief by debrief.

Only what the care team signed: a draft debrief's rating may still change, and the
clinician's notes on a goal are their documentation, not selected (as the debrief's text)."""
from __future__ import annotations

from tracker.core.access import allow
from tracker.core.audit.service import record_event
from tracker.core.users import PATIENT
from tracker.extensions import db
from tracker.integration.goal_progress import goal_history, goal_lines
from tracker.portal.routes import bp, own_patient, show


@bp.route("/goals")
@allow(PATIENT)
def goals():
    patient = own_patient()
    lines = goal_lines(db.session.execute(
        goal_history(patient.id, signed_only=True, with_notes=False)).all())
    record_event("read", "goal_progress", patient.id, patient_id=patient.id)
    return show("portal/goals.html", patient=patient, lines=lines)
