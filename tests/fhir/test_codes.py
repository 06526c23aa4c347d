"""The code tables against an independently written table, and the values FHIR binds required.

fhir.resources checks structure and types, not a required binding's codes: those are checked
here against the R4 value sets, written out by hand from the specification."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.fhir.helpers import full_journey
from tracker.care.models import Instrument
from tracker.core.sessions import Medication, Route
from tracker.db import utcnow
from tracker.fhir import codes
from tracker.fhir.bundle import journey_bundle
from tracker.fhir.ids import resource_id
from tracker.fhir.records import Audience

# Written from the LOINC, RxNorm and SNOMED CT sources named in codes.py, not from its tables.
EXPECTED = {
    ("instrument", "phq9"): "44261-6", ("instrument", "gad7"): "70274-6",
    ("instrument", "pcl5"): "101698-9",
    ("medication", "ketamine"): "6130", ("medication", "esketamine"): "2201623",
    ("route", "iv"): "47625008", ("route", "im"): "78421000", ("route", "intranasal"): "46713006",
    ("route", "sublingual"): "37839007", ("route", "oral"): "26643006",
}
TABLES = {"instrument": codes.INSTRUMENT_TOTALS, "medication": codes.MEDICATION_CODES,
          "route": codes.ROUTE_CODES}

# R4 required bindings (hl7.org/fhir/R4/valueset-*.html).
REQUIRED = {
    ("Encounter", "status"): {"planned", "arrived", "triaged", "in-progress", "onleave", "finished",
                              "cancelled", "entered-in-error", "unknown"},
    ("EpisodeOfCare", "status"): {"planned", "waitlist", "active", "onhold", "finished", "cancelled",
                                  "entered-in-error"},
    ("CarePlan", "status"): {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error",
                             "unknown"},
    ("CarePlan", "intent"): {"proposal", "plan", "order", "option"},
    ("Goal", "lifecycleStatus"): {"proposed", "planned", "accepted", "active", "on-hold", "completed",
                                  "cancelled", "entered-in-error", "rejected"},
    ("MedicationAdministration", "status"): {"in-progress", "not-done", "on-hold", "completed",
                                             "entered-in-error", "stopped", "unknown"},
    ("Observation", "status"): {"registered", "preliminary", "final", "amended", "corrected",
                                "cancelled", "entered-in-error", "unknown"},
    ("QuestionnaireResponse", "status"): {"in-progress", "completed", "amended", "entered-in-error",
                                          "stopped"},
    ("Task", "status"): {"draft", "requested", "received", "accepted", "rejected", "ready",
                         "cancelled", "in-progress", "on-hold", "failed", "completed",
                         "entered-in-error"},
    ("Task", "intent"): {"unknown", "proposal", "plan", "order", "original-order", "reflex-order",
                         "filler-order", "instance-order", "option"},
    ("AdverseEvent", "actuality"): {"actual", "potential"},
}


def test_every_value_has_its_expected_code():
    for (table, value), code in EXPECTED.items():
        assert TABLES[table][value][1] == code, (table, value)
    assert set(codes.MEDICATION_CODES) == set(Medication)
    assert set(codes.ROUTE_CODES) == set(Route)
    assert set(codes.INSTRUMENT_TOTALS) == set(Instrument)


@given(st.sampled_from(sorted(TABLES)), st.data())
def test_every_table_inverts(table_name, data):
    table = TABLES[table_name]
    value = data.draw(st.sampled_from(sorted(table)))
    system, code, _ = table[value]
    assert codes.inverse(table)[(system, code)] == value


@given(st.sampled_from(["Patient", "Encounter", "Observation"]), st.integers(1, 2**62),
       st.integers(1, 2**62))
def test_ids_are_stable_and_distinct(resource_type, a, b):
    assert resource_id(resource_type, a) == resource_id(resource_type, a)
    assert (resource_id(resource_type, a) == resource_id(resource_type, b)) == (a == b)
    assert resource_id("Patient", a) != resource_id("CarePlan", a)


def test_every_status_is_in_its_required_value_set(app, clinic, clinician, patient):
    full_journey(patient, clinician)
    bundle = journey_bundle(patient, clinic, Audience.CARE_TEAM, utcnow())
    checked = set()
    for entry in bundle["entry"]:
        resource = entry["resource"]
        for (kind, element), allowed in REQUIRED.items():
            if resource["resourceType"] == kind:
                assert resource[element] in allowed, (kind, element, resource[element])
                checked.add((kind, element))
    assert checked == set(REQUIRED)
