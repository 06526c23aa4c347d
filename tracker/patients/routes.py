"""The clinician's patients."""
from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from tracker.access import allow
from tracker.auth.models import CLINICIAN
from tracker.extensions import db
from tracker.patients.models import PATIENT_STATUSES
from tracker.patients.queries import patient_list

bp = Blueprint("patients", __name__, url_prefix="/patients")


@bp.route("/")
@allow(CLINICIAN)
def my_patients():
    search = request.args.get("q", "")[:100]
    status = request.args.get("status", "")
    if status not in PATIENT_STATUSES:
        status = ""
    page = db.paginate(patient_list(current_user, search=search, status=status),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("patients/my_patients.html", page=page, search=search, status=status,
                           statuses=PATIENT_STATUSES)
