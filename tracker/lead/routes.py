"""The clinic lead's pages."""
import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user

from tracker.core.access import allow
from tracker.core.flags import SafetyFlag
from tracker.core.patients import Patient
from tracker.core.users import CLINICIAN, LEAD, User
from tracker.extensions import db

bp = Blueprint("lead", __name__, url_prefix="/lead")


@bp.route("/")
@allow(LEAD)
def overview():
    clinic_id = current_user.clinic_id
    by_status = dict(db.session.execute(
        sa.select(Patient.status, sa.func.count()).where(Patient.clinic_id == clinic_id)
        .group_by(Patient.status)).all())
    clinicians = db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.clinic_id == clinic_id, User.role == CLINICIAN, User.active.is_(True)))
    open_flags = db.session.scalar(
        sa.select(sa.func.count()).select_from(SafetyFlag).join(Patient)
        .where(Patient.clinic_id == clinic_id, SafetyFlag.acknowledged_at.is_(None)))
    return render_template("lead/overview.html", by_status=by_status, clinicians=clinicians,
                           open_flags=open_flags)


# The staff, settings and audit-trail views register themselves on bp.
from tracker.lead import (  # noqa: E402,F401
    audit_trail,
    dashboard,
    fhir_export,
    settings,
    staff,
)
