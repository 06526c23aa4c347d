"""Download my record: the printable page and the FHIR file, the patient's own only."""
from __future__ import annotations

import json

from tests.conftest import page_text
from tests.fhir.helpers import CLINICIAN_ONLY_TEXT, SHARED_TEXT, full_journey, unresolved, validate
from tracker.core.audit.models import AuditEvent
from tracker.extensions import db


def _exports(patient) -> list[str]:
    return list(db.session.scalars(db.select(AuditEvent.record_type).where(
        AuditEvent.patient_id == patient.id, AuditEvent.action == "export")))


def test_the_printable_page_shows_what_the_patient_may_see(login_as, clinician, patient, patient_user):
    full_journey(patient, clinician)
    client = login_as(patient_user)
    response = client.get("/me/record")
    assert response.status_code == 200
    text = page_text(response)
    for words in (SHARED_TEXT, "Writing helped.", "A journal entry of my own.", "To feel less weighed down.",
                  "Walk", "LOT-", "PCL-5", "128/82", "Breaths"):
        assert words in text, words
    for words in CLINICIAN_ONLY_TEXT:
        assert words not in text, words

    assert _exports(patient) == ["record_copy"]


def test_the_fhir_copy_is_valid_and_leaves_out_clinician_only_notes(login_as, clinician, patient,
                                                                     patient_user):
    full_journey(patient, clinician)
    response = login_as(patient_user).get("/me/record/fhir.json")
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    bundle = json.loads(response.get_data(as_text=True))
    validate(bundle)
    assert unresolved(bundle) == []
    body = json.dumps(bundle)
    assert SHARED_TEXT in body
    assert not [w for w in CLINICIAN_ONLY_TEXT if w in body]
    assert _exports(patient) == ["fhir_bundle"]


def test_each_patient_gets_only_their_own(login_as, clinician, patient, patient2, patient2_user):
    full_journey(patient, clinician)
    client = login_as(patient2_user)
    page = page_text(client.get("/me/record"))
    assert patient2.full_name in page and patient.full_name not in page
    body = client.get("/me/record/fhir.json").get_data(as_text=True)
    assert patient.record_number not in body and SHARED_TEXT not in body


def test_staff_cannot_use_the_patients_download(login_as, clinician, patient):
    client = login_as(clinician)
    assert client.get("/me/record").status_code == 403
    assert client.get("/me/record/fhir.json").status_code == 403


def test_the_journey_and_access_log_link_to_the_download(login_as, patient, patient_user):
    client = login_as(patient_user)
    for page in ("/me/", "/me/record-access"):
        html = client.get(page).get_data(as_text=True)
        assert 'href="/me/record"' in html and "Download my record" in html, page
