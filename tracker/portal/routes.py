"""The patient's own journey."""
import sqlalchemy as sa
from flask import Blueprint, abort, render_template
from flask_login import current_user

from tracker.access import allow
from tracker.audit.service import record_event
from tracker.auth.models import PATIENT
from tracker.extensions import db
from tracker.patients.models import Patient

bp = Blueprint("portal", __name__, url_prefix="/me")


def own_patient() -> Patient:
    patient = db.session.scalar(sa.select(Patient).where(Patient.user_id == current_user.id))
    if patient is None:
        abort(404)
    return patient


@bp.route("/")
@allow(PATIENT)
def journey():
    patient = own_patient()
    record_event("read", "journey", patient.id, patient_id=patient.id)
    db.session.commit()
    return render_template("portal/journey.html", patient=patient)
