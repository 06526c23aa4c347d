"""The FHIR R4 Bundle of one patient's journey: valid, complete, resolvable, stable, private."""
from __future__ import annotations

import json

import pytest

from tests.fhir.helpers import (
    CLINICIAN_ONLY_TEXT,
    SHARED_TEXT,
    counts,
    full_journey,
    unresolved,
    validate,
)
from tracker.core.audit.models import AuditEvent
from tracker.db import utcnow
from tracker.extensions import db
from tracker.fhir.bundle import journey_bundle
from tracker.fhir.records import Audience

EVERY_TYPE = {"Patient", "Practitioner", "Organization", "EpisodeOfCare", "CarePlan", "Goal",
              "Encounter", "Medication", "MedicationAdministration", "Observation",
              "QuestionnaireResponse", "AdverseEvent", "Task", "Provenance"}


def _export(client, patient):
    response = client.get(f"/patients/{patient.id}/fhir.json")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/fhir+json"
    return json.loads(response.get_data(as_text=True))


def _codes(bundle, resource_type):
    return {(c["system"], c["code"]) for e in bundle["entry"]
            if e["resource"]["resourceType"] == resource_type
            for c in e["resource"].get("code", {}).get("coding", [])}


def test_the_chart_exports_a_valid_complete_bundle(login_as, clinic, clinician, patient):
    full_journey(patient, clinician)
    bundle = _export(login_as(clinician), patient)
    validate(bundle)
    assert bundle["type"] == "collection"
    assert set(counts(bundle)) == EVERY_TYPE
    assert unresolved(bundle) == []
    kinds = counts(bundle)
    assert kinds["Encounter"] == 2 + 2 + 3  # two sessions, two debriefs, three follow-ups
    assert kinds["MedicationAdministration"] == 2 and kinds["Provenance"] == 4
    observations = _codes(bundle, "Observation")
    loinc = "http://loinc.org"
    for code in ("85354-9", "8867-4", "59408-5", "9279-1", "29463-7", "44261-6", "70274-6", "101698-9"):
        assert (loinc, code) in observations, code
    components = {c["code"]["coding"][0]["code"] for e in bundle["entry"]
                  for c in e["resource"].get("component", [])}
    assert components == {"8480-6", "8462-4"}
    assert _codes(bundle, "Medication") == {("http://www.nlm.nih.gov/research/umls/rxnorm", "6130"),
                                             ("http://www.nlm.nih.gov/research/umls/rxnorm", "2201623")}
    text = json.dumps(bundle)
    for words in CLINICIAN_ONLY_TEXT:
        assert words in text, words  # the care team's copy is the whole record


def test_administration_dose_route_and_lot(login_as, clinician, patient):
    sessions = full_journey(patient, clinician)
    bundle = _export(login_as(clinician), patient)
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    given = [r for r in by_url.values() if r["resourceType"] == "MedicationAdministration"]
    iv = next(g for g in given if g["dosage"]["route"]["coding"][0]["code"] == "47625008")
    assert iv["dosage"]["dose"] == {"value": 35.0, "unit": "mg", "system": "http://unitsofmeasure.org",
                                    "code": "mg"}
    medication = by_url[iv["medicationReference"]["reference"]]
    assert medication["batch"]["lotNumber"].startswith("LOT-")
    nasal = next(g for g in given if g["dosage"]["route"]["coding"][0]["code"] == "46713006")
    assert nasal["dosage"]["dose"]["value"] == 56.0
    assert len(sessions) == 2


def test_ids_are_stable_between_exports(app, clinic, clinician, patient):
    full_journey(patient, clinician)
    first = journey_bundle(patient, clinic, Audience.CARE_TEAM, utcnow())
    second = journey_bundle(patient, clinic, Audience.CARE_TEAM, utcnow())
    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in second["entry"]]
    assert len({e["fullUrl"] for e in first["entry"]}) == len(first["entry"])  # no id twice
    assert first["id"] != second["id"]  # each export is its own bundle


def test_the_export_is_audited_as_an_export(login_as, clinician, patient):
    full_journey(patient, clinician)
    _export(login_as(clinician), patient)
    actions = db.session.execute(db.select(AuditEvent.action, AuditEvent.record_type)
                                 .where(AuditEvent.patient_id == patient.id)).all()
    assert ("export", "fhir_bundle") in actions


def test_the_lead_may_export_like_the_chart(login_as, lead, clinician, patient):
    full_journey(patient, clinician)
    validate(_export(login_as(lead), patient))


@pytest.mark.parametrize("who", ["clinician2", "patient_user", "patient2_user", "intruder"])
def test_others_get_404_or_403(request, login_as, clinician, patient, who):
    full_journey(patient, clinician)
    client = login_as(request.getfixturevalue(who))
    status = client.get(f"/patients/{patient.id}/fhir.json").status_code
    assert status == (403 if who.startswith("patient") else 404)


def test_the_patients_copy_leaves_out_clinician_only_notes(app, clinic, clinician, patient):
    full_journey(patient, clinician)
    bundle = journey_bundle(patient, clinic, Audience.PATIENT, utcnow())
    validate(bundle)
    assert unresolved(bundle) == []
    text = json.dumps(bundle)
    for words in CLINICIAN_ONLY_TEXT:
        assert words not in text, words
    assert SHARED_TEXT in text and "Writing helped." in text
    care = journey_bundle(patient, clinic, Audience.CARE_TEAM, utcnow())
    shared_ids = {e["fullUrl"] for e in bundle["entry"]}
    assert shared_ids < {e["fullUrl"] for e in care["entry"]}  # same ids, fewer resources


def test_an_empty_journey_still_validates(app, clinic, patient):
    bundle = journey_bundle(patient, clinic, Audience.CARE_TEAM, utcnow())
    validate(bundle)
    assert set(counts(bundle)) == {"Patient", "Organization", "CarePlan", "Practitioner"}
    assert unresolved(bundle) == []


def test_a_bundle_takes_a_fixed_number_of_queries(app, clinic, clinician, patient, patient2,
                                                  count_queries):
    from tests.patients import builders
    builders.journey(patient, clinician, 1)
    builders.journey(patient2, clinician, 3)
    db.session.commit()
    with count_queries() as one:
        small = journey_bundle(patient, clinic, Audience.CARE_TEAM, utcnow())
    with count_queries() as three:
        large = journey_bundle(patient2, clinic, Audience.CARE_TEAM, utcnow())
    assert len(large["entry"]) > len(small["entry"])
    assert three.count == one.count
