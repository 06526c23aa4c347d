"""The clinic-wide Bulk Data export: one NDJSON file per type, counted, valid, resolvable."""
from __future__ import annotations

import json

import pytest
from fhir.resources.R4B import get_fhir_model_class

from tests.conftest import page_text
from tests.fhir.helpers import full_journey, references
from tests.patients import builders
from tracker.core.audit.models import AuditEvent
from tracker.extensions import db
from tracker.fhir import bulk
from tracker.fhir.records import RESOURCE_TYPES


def _lines(client, resource_type):
    response = client.get(f"/lead/fhir-export/{resource_type}.ndjson")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+ndjson"
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


def test_every_file_validates_resolves_and_matches_its_count(login_as, lead, clinician, clinician2,
                                                             patient, patient2):
    full_journey(patient, clinician)
    builders.journey(patient2, clinician2, 1)
    db.session.commit()
    client = login_as(lead)
    page = page_text(client.get("/lead/fhir-export"))
    counts = bulk.resource_counts(lead.clinic_id)
    files = {t: _lines(client, t) for t in RESOURCE_TYPES}
    assert {t: len(lines) for t, lines in files.items()} == counts
    assert all(counts[t] for t in RESOURCE_TYPES)
    assert f"Observation {counts['Observation']}" in page
    urls = set()
    for resource_type, lines in files.items():
        model = get_fhir_model_class(resource_type)
        for resource in lines:
            assert resource["resourceType"] == resource_type
            model.model_validate(resource)
            urls.add(f"urn:uuid:{resource['id']}")
    wanted = {r for lines in files.values() for res in lines for r in references(res)}
    assert wanted <= urls
    exported = set(db.session.scalars(db.select(AuditEvent.record_type).where(AuditEvent.action == "export")))
    assert exported == {f"fhir_bulk_{t}" for t in RESOURCE_TYPES}


def test_batches_bound_what_is_held(app, clinic, clinician, patient, patient2):
    """A batch of one patient at a time gives the same file as one batch of all."""
    full_journey(patient, clinician)
    builders.journey(patient2, clinician, 1)
    db.session.commit()
    whole = list(bulk.clinic_resources(clinic.id, "Observation", batch=100))
    one_by_one = list(bulk.clinic_resources(clinic.id, "Observation", batch=1))
    assert whole == one_by_one and whole


def test_the_manifest_lists_the_files(login_as, lead, clinician, patient):
    full_journey(patient, clinician)
    manifest = json.loads(login_as(lead).get("/lead/fhir-export/manifest.json").get_data(as_text=True))
    assert {o["type"] for o in manifest["output"]} == set(RESOURCE_TYPES)
    assert all(o["url"].endswith(f"/lead/fhir-export/{o['type']}.ndjson") for o in manifest["output"])


def test_another_clinic_is_not_in_the_export(login_as, intruder, clinician, patient):
    full_journey(patient, clinician)
    client = login_as(intruder)
    assert _lines(client, "Patient") == []
    assert [p["name"][0]["text"] for p in _lines(client, "Practitioner")] == [intruder.full_name]


def test_an_unknown_type_is_404(login_as, lead):
    assert login_as(lead).get("/lead/fhir-export/Bogus.ndjson").status_code == 404


@pytest.mark.parametrize("who", ["clinician", "patient_user"])
def test_only_the_lead_exports_the_clinic(request, login_as, who):
    client = login_as(request.getfixturevalue(who))
    assert client.get("/lead/fhir-export").status_code == 403
    assert client.get("/lead/fhir-export/Patient.ndjson").status_code == 403


def _patients(clinic, clinician, n):
    from tests import factories as make
    for i in range(n):
        p = make.patient(clinic, clinicians=[clinician], given=f"P{i}", family="Bulk")
        builders.journey(p, clinician, 1)
    db.session.commit()


@pytest.mark.parametrize("resource_type", ["Observation", "Task"])
def test_queries_per_batch_do_not_grow_with_patients(app, clinic, clinician, count_queries,
                                                     resource_type):
    _patients(clinic, clinician, 2)
    with count_queries() as few:
        small = list(bulk.clinic_resources(clinic.id, resource_type, batch=50))
    _patients(clinic, clinician, 4)
    with count_queries() as many:
        large = list(bulk.clinic_resources(clinic.id, resource_type, batch=50))
    assert len(large) == 3 * len(small)
    assert many.count == few.count  # one batch either way: a fixed number of queries
