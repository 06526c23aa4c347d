"""The clinic lead's pages."""
import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user

from tracker.continuity.rules import STATE_LABELS
from tracker.core.access import allow
from tracker.core.audit.service import record_event
from tracker.core.flags import FLAG_SOURCES
from tracker.core.patients import Patient
from tracker.core.users import CLINICIAN, LEAD, User
from tracker.db import utcnow
from tracker.extensions import db
from tracker.lead.today import today_tiles
from tracker.timezones import clinic_today

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
    tiles = today_tiles(current_user.clinic, utcnow(), clinic_today())
    record_event("list", "lead_today", None)  # lists patients' records (the most urgent rows)
    db.session.commit()
    return render_template("lead/overview.html", by_status=by_status, clinicians=clinicians,
                           tiles=tiles, states=STATE_LABELS, flag_sources=FLAG_SOURCES)


# The staff, settings and audit-trail views register themselves on bp.
from tracker.lead import (  # noqa: E402,F401
    audit_trail,
    dashboard,
    fhir_export,
    settings,
    staff,
)
