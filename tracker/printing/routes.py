"""Print views: the in-session record, the debrief with its integration plan, and the REMS
monitoring form, each on a page without navigation, with a header (clinic, patient, record
number, date), the signature block (signer, time, content hash) and the addenda beside the
original. Access is the printed page's own (clinicians on the care team and leads; never a
patient), and each print is audited as a `print` of the record."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from tracker.core.access import allow, record_or_404
from tracker.core.audit.service import record_event
from tracker.core.sessions import MEDICATIONS, ROUTES, DosingSession
from tracker.core.signing.queries import record_addenda
from tracker.core.users import CLINICIAN, LEAD
from tracker.db import utcnow
from tracker.dosing import queries as dosing_queries
from tracker.dosing import rems
from tracker.dosing.models import ADVERSE_EVENT_KINDS, NOTE_KINDS, VITAL_PHASES
from tracker.dosing.services import hash_matches
from tracker.dosing.vitals import classify_vitals
from tracker.extensions import db
from tracker.integration import queries as integration_queries
from tracker.integration.models import REPEATS, TASK_KINDS
from tracker.integration.services import debrief_hash_matches
from tracker.timezones import clinic_today

bp = Blueprint("printing", __name__, url_prefix="/print")

LABELS = {"medication": MEDICATIONS, "route": ROUTES, "note": NOTE_KINDS, "phase": VITAL_PHASES,
          "event": ADVERSE_EVENT_KINDS, "kind": TASK_KINDS, "repeat": REPEATS}


def _session(session_id, options=()) -> DosingSession:
    return record_or_404(DosingSession, session_id, audit_action=None, options=options,
                         record_type="dosing_session")


def _page(template: str, record: DosingSession, **context):
    return render_template(template, record=record, patient=record.patient,
                           clinic=current_user.clinic, printed_at=utcnow(), labels=LABELS,
                           **context)


@bp.get("/sessions/<session_id>")
@allow(LEAD, CLINICIAN)
def session_record(session_id):
    """The in-session record (signed, or marked as a draft)."""
    record = _session(session_id, dosing_queries.SESSION_PAGE)
    record_event("print", "dosing_session", record.id, patient_id=record.patient_id)
    db.session.commit()
    thresholds = current_user.clinic.thresholds
    return _page("printing/session_record.html", record,
                 findings={v.id: classify_vitals(v, thresholds) for v in record.vitals},
                 signed=record, hash_matches=hash_matches(record),
                 addenda=db.session.scalars(record_addenda("dosing_session", record.id)).all())


@bp.get("/sessions/<session_id>/debrief")
@allow(LEAD, CLINICIAN)
def debrief(session_id):
    """The debrief beside the intention, with its integration plan."""
    record = db.session.scalar(integration_queries.debrief_page(_session(session_id).id))
    debrief = record.debrief
    if debrief is None:
        abort(404)
    record_event("print", "debrief", debrief.id, patient_id=record.patient_id)
    db.session.commit()
    tasks = db.session.scalars(integration_queries.plan_tasks(debrief.id)).all()
    today = clinic_today()
    plan = [integration_queries.task_progress(t, [], today) for t in tasks]
    return _page("printing/debrief.html", record, debrief=debrief, plan=plan, signed=debrief,
                 hash_matches=debrief_hash_matches(debrief),
                 addenda=db.session.scalars(record_addenda("debrief", debrief.id)).all())


@bp.get("/sessions/<session_id>/rems")
@allow(LEAD, CLINICIAN)
def rems_form(session_id):
    """The Spravato REMS monitoring form, on one page."""
    record = _session(session_id, dosing_queries.SESSION_PAGE)
    if not rems.applies(record):
        abort(404)
    form = rems.rems_form_of(record.id)
    record_event("print", "rems_form" if form else "dosing_session",
                 form.id if form else record.id, patient_id=record.patient_id)
    db.session.commit()
    fields = rems.rems_fields(record, form, current_user.clinic)
    return _page("printing/rems_form.html", record, rems_form=form, fields=fields,
                 missing=rems.missing_fields(fields))



