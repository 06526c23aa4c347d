"""Download my record: a print-ready page of everything the patient may see, and the same as a
FHIR Bundle. Each download is audited as an export."""
from __future__ import annotations

from flask_login import current_user

from tracker.care.models import FOLLOW_UP_KINDS, FOLLOW_UP_OUTCOMES
from tracker.care.scoring import INSTRUMENTS
from tracker.core.access import allow
from tracker.core.audit.service import record_event
from tracker.core.sessions import MEDICATIONS, ROUTES
from tracker.core.users import PATIENT
from tracker.db import utcnow
from tracker.dosing.models import ADVERSE_EVENT_KINDS, NOTE_KINDS, VITAL_PHASES
from tracker.extensions import db
from tracker.fhir.bundle import journey_bundle
from tracker.fhir.http import fhir_json
from tracker.fhir.records import Audience
from tracker.integration.models import REPEATS, TASK_KINDS
from tracker.portal.record_copy import record_copy
from tracker.portal.routes import bp, own_patient, show

LABELS = {"medication": MEDICATIONS, "route": ROUTES, "phase": VITAL_PHASES, "note": NOTE_KINDS,
          "adverse": ADVERSE_EVENT_KINDS, "follow_up": FOLLOW_UP_KINDS,
          "outcome": FOLLOW_UP_OUTCOMES, "task": TASK_KINDS, "repeat": REPEATS,
          "instrument": {code: i.name for code, i in INSTRUMENTS.items()}}


@bp.route("/record")
@allow(PATIENT)
def my_record():
    patient = own_patient()
    copy = record_copy(patient)
    record_event("export", "record_copy", patient.id, patient_id=patient.id)
    return show("portal/record.html", copy=copy, patient=patient, labels=LABELS,
                generated_at=utcnow())


@bp.route("/record/fhir.json")
@allow(PATIENT)
def my_record_fhir():
    patient = own_patient()
    bundle = journey_bundle(patient, current_user.clinic, Audience.PATIENT, utcnow())
    record_event("export", "fhir_bundle", patient.id, patient_id=patient.id)
    db.session.commit()
    return fhir_json(bundle, "my-record-fhir.json")
