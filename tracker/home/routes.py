"""Each role's landing page."""
from flask import Blueprint, redirect, url_for
from flask_login import current_user

from tracker.core.access import ANY_ROLE, allow
from tracker.core.users import CLINICIAN, LEAD

bp = Blueprint("home", __name__)

HOMES = {LEAD: "lead.overview", CLINICIAN: "patients.my_patients"}


@bp.route("/")
@allow(*ANY_ROLE)
def index():
    """A clinician lands on their patients, a patient on their journey, a lead on the clinic."""
    return redirect(url_for(HOMES.get(current_user.role, "portal.journey")))
