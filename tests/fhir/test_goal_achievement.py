"""Goal.achievementStatus from the debriefs' ratings, compared with the goal it carries forward."""
from tests.fhir.helpers import validate
from tests.integration.goal_builders import rated_goals
from tracker.db import utcnow
from tracker.fhir.bundle import journey_bundle
from tracker.fhir.records import Audience

SYSTEM = "http://terminology.hl7.org/CodeSystem/goal-achievement"


def _statuses(bundle) -> dict[str, list]:
    found: dict[str, list] = {}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "Goal":
            codes = resource.get("achievementStatus", {}).get("coding", [])
            assert all(c["system"] == SYSTEM for c in codes)
            found.setdefault(resource["description"]["text"], []).append(
                codes[0]["code"] if codes else None)
    return found


def test_each_goal_carries_its_achievement_status(app, clinic, clinician, patient):
    rated_goals(patient, clinician, [{"Walk": 2, "Call": 5}, {"Walk": 4, "Call": 5},
                                     {"Walk": 3, "Call": None}], notes={"Walk": "Rain."})
    bundle = journey_bundle(patient, clinic, Audience.CARE_TEAM, utcnow())
    validate(bundle)
    assert _statuses(bundle) == {"Walk": ["in-progress", "improving", "worsening"],
                                 "Call": ["achieved", "sustaining", None]}
    notes = [n["text"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Goal"
             for n in e["resource"].get("note", [])]
    assert "Rated: A little progress (2 of 5). Rain." in notes


def test_the_patients_copy_has_signed_ratings_only(app, clinic, clinician, patient):
    rated_goals(patient, clinician, [{"Walk": 2}], signed=False)
    bundle = journey_bundle(patient, clinic, Audience.PATIENT, utcnow())
    validate(bundle)
    assert _statuses(bundle) == {"Walk": [None]}
    care = journey_bundle(patient, clinic, Audience.CARE_TEAM, utcnow())
    assert _statuses(care) == {"Walk": ["in-progress"]}   # the care team sees the draft's
