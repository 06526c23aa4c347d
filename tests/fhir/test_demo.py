"""The demo clinic's busiest patient: the bundle validates and holds every resource type."""
from __future__ import annotations

import sqlalchemy as sa

from tests.fhir.helpers import counts, unresolved, validate
from tracker.core.clinic import Clinic
from tracker.core.patients import Patient
from tracker.core.sessions import DosingSession
from tracker.db import utcnow
from tracker.demo.seed import seed_demo_clinic
from tracker.extensions import db
from tracker.fhir.bundle import journey_bundle
from tracker.fhir.records import RESOURCE_TYPES, Audience


def test_the_busiest_demo_patient(app):
    seed_demo_clinic()
    db.session.commit()
    busiest_id = db.session.scalar(
        sa.select(DosingSession.patient_id).group_by(DosingSession.patient_id)
        .order_by(sa.func.count().desc(), DosingSession.patient_id).limit(1))
    patient = db.session.get(Patient, busiest_id)
    clinic = db.session.get(Clinic, patient.clinic_id)
    bundle = journey_bundle(patient, clinic, Audience.CARE_TEAM, utcnow())
    validate(bundle)
    assert unresolved(bundle) == []
    found = counts(bundle)
    print(f"busiest demo patient {patient.id}: {sum(found.values())} resources", dict(sorted(found.items())))
    # every type the issue names (AdverseEvent only where one happened: not to this patient)
    assert set(found) == set(RESOURCE_TYPES) - {"AdverseEvent"}
    own = journey_bundle(patient, clinic, Audience.PATIENT, utcnow())
    validate(own)
    assert unresolved(own) == []
