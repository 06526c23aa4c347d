"""Walk app.url_map: every route that names a patient's record refuses every outsider.

A full dataset is built for `patient` (clinician's care team); then each rule whose URL
parameters can be filled with that patient's ids is requested, GET and POST, by clinician2 (a
clinician of the same clinic, not on the team), patient2 (another patient) and an intruder
(a lead of another clinic). Each must get the refusal access.py decides (403 for a role the
route refuses, 404 for a record not visible), never a page, a redirect or a 500.
The insiders (lead, clinician, the patient) never get a 500 on any GET of those routes.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests import factories as make
from tracker.care.models import FollowUp, QuestionnaireAnswer, QuestionnaireResponse
from tracker.core.flags import SafetyFlag
from tracker.core.signing.models import Addendum
from tracker.db import utcnow
from tracker.dosing.models import AdverseEvent, Discharge, SedationRating, SessionNote, VitalSign
from tracker.extensions import db
from tracker.integration.models import GoalProgress, Reflection, TaskCompletion


@pytest.fixture
def journey(clinic, lead, clinician, clinician2, patient, patient2, patient_user, patient2_user):
    """One patient with a record of every kind; returns URL parameter values for its ids."""
    now = utcnow()
    course = make.course(patient)
    session = make.dosing_session(course, clinician=clinician, ended=True,
                                  scheduled_at=now - timedelta(days=3))
    intention = make.intention(session, clinician)
    note = SessionNote(session_id=session.id, patient_id=patient.id, noted_at=now, kind="observation",
                       text="calm", author_id=clinician.id)
    vital = VitalSign(session_id=session.id, patient_id=patient.id, measured_at=now, phase="pre_dose",
                      systolic=120, diastolic=80, heart_rate=70, spo2=98, recorded_by_id=clinician.id)
    sedation = SedationRating(session_id=session.id, patient_id=patient.id, rated_at=now, moaas=4,
                              recorded_by_id=clinician.id)
    adverse = AdverseEvent(session_id=session.id, patient_id=patient.id, occurred_at=now, kind="nausea",
                           severity="mild", recorded_by_id=clinician.id)
    db.session.add_all([note, vital, sedation, adverse])
    db.session.add(Discharge(session_id=session.id, discharged_at=now, observation_minutes=120,
                             alert_at_baseline=True, vitals_acceptable=True, escort_present=True,
                             no_driving_acknowledged=True, recorded_by_id=clinician.id))
    debrief = make.debrief(session, clinician)
    db.session.add(GoalProgress(debrief_id=debrief.id, goal_id=intention.goals[0].id, note="walked"))
    task = make.task(patient, clinician, debrief=debrief)
    completion = TaskCompletion(task_id=task.id, patient_id=patient.id, occurrence_on=task.due_on,
                                outcome="done")
    reflection = Reflection(patient_id=patient.id, task_id=task.id, text="It helped.")
    follow_up = FollowUp(patient_id=patient.id, session_id=session.id, kind="check_in",
                         scheduled_at=now + timedelta(days=3), clinician_id=clinician.id,
                         created_by_id=clinician.id)
    response = QuestionnaireResponse(patient_id=patient.id, instrument="phq9", completed_at=now,
                                     total=1, band="minimal", source="clinician",
                                     entered_by_id=clinician.id)
    db.session.add_all([completion, reflection, follow_up, response])
    db.session.flush()
    db.session.add_all([QuestionnaireAnswer(response_id=response.id, instrument="phq9", item=i,
                                            value=1 if i == 9 else 0) for i in range(1, 10)])
    flag = SafetyFlag(patient_id=patient.id, source="phq9_item9", source_id=response.id,
                      summary="item 9")
    session.signed_at, session.signed_by_id, session.content_hash = now, clinician.id, "0" * 64
    db.session.add(flag)
    db.session.flush()
    addendum = Addendum(patient_id=patient.id, record_type="dosing_session", record_id=session.id,
                        author_id=clinician.id, reason="typo", text="correction")
    db.session.add(addendum)
    db.session.commit()
    ids = {
        "patient_id": patient.id, "course_id": course.id, "session_id": session.id,
        "intention_id": intention.id, "note_id": note.id, "vital_id": vital.id,
        "vitals_id": vital.id, "rating_id": sedation.id, "sedation_id": sedation.id,
        "adverse_event_id": adverse.id, "event_id": adverse.id, "debrief_id": debrief.id,
        "task_id": task.id, "completion_id": completion.id, "reflection_id": reflection.id,
        "entry_id": reflection.id, "follow_up_id": follow_up.id, "followup_id": follow_up.id,
        "response_id": response.id, "flag_id": flag.id, "addendum_id": addendum.id,
        "goal_id": intention.goals[0].id,
        "record_id": session.id, "record_type": "dosing_session", "instrument": "phq9",
        "occurrence_on": task.due_on.isoformat(), "on": task.due_on.isoformat(),
        "day": task.due_on.isoformat(),
    }
    return ids


# Parameters that do not point at a patient's record; a rule with only these is not
# patient-scoped and is covered by the role tests of its own area.
NOT_PATIENT_SCOPED = {"filename", "token", "user_id", "notice_id", "staff_id", "rule", "state", "instrument", "code",
                      "record_type", "on", "day", "occurrence_on", "resource_type"}


def _patient_rules(app, ids):
    rules = []
    for rule in app.url_map.iter_rules():
        args = set(rule.arguments)
        if not args or not (args - NOT_PATIENT_SCOPED):
            continue
        if not args <= set(ids):
            continue
        rules.append(rule)
    return rules


def _url(rule, ids):
    from flask import url_for
    return url_for(rule.endpoint, **{a: ids[a] for a in rule.arguments})


def test_the_walk_covers_the_patient_routes(app, journey):
    with app.test_request_context():
        rules = _patient_rules(app, journey)
        unresolved = sorted(
            f"{r.rule} ({', '.join(sorted(set(r.arguments) - set(journey)))})"
            for r in app.url_map.iter_rules()
            if set(r.arguments) - NOT_PATIENT_SCOPED and not set(r.arguments) <= set(journey))
    assert unresolved == [], "add these parameter names to the journey fixture"
    scoped = [r for r in app.url_map.iter_rules() if set(r.arguments) - NOT_PATIENT_SCOPED]
    assert sorted(map(str, rules)) == sorted(map(str, scoped))  # every one of them is walked
    assert {"patients.chart", "dosing.session", "intention.edit", "integration.debrief",
            "care.follow_ups"} <= {r.endpoint for r in rules}


@pytest.mark.parametrize("outsider", ["clinician2", "patient2_user", "intruder"])
def test_outsiders_never_reach_a_patients_record(request, app, journey, outsider):
    from tests.conftest import login

    user = request.getfixturevalue(outsider)
    client = app.test_client()
    assert login(client, user).status_code == 302
    with app.test_request_context():
        targets = [(rule, _url(rule, journey)) for rule in _patient_rules(app, journey)]
    breaches = []
    for rule, url in targets:
        for method in sorted(rule.methods & {"GET", "POST"}):
            expected = _refusal(app, user, rule.endpoint, method)
            response = client.open(url, method=method, data={})
            if response.status_code != expected:
                breaches.append(f"{method} {url} -> {response.status_code}, expected {expected}")
    assert breaches == []


# Pages a lead may open (the route allows staff) whose POST is a clinical change: the view
# refuses a lead by role before it looks the record up.
LEADS_READ_ONLY = {"care.record_outcome", "care.enter_questionnaire", "care.acknowledge_flag"}


def _refusal(app, user, endpoint: str, method: str) -> int:
    """What tracker/core/access.py answers an outsider: 403 for a role the route (or, for a lead
    posting a clinical change, the view) refuses; 404 for a record the user may not see."""
    from tracker.core.access import declared_rule

    with app.test_request_context():
        roles = declared_rule(endpoint)
    if user.role not in roles or (user.role == "lead" and method == "POST"
                                  and endpoint in LEADS_READ_ONLY):
        return 403
    return 404


@pytest.mark.parametrize("insider", ["lead", "clinician", "patient_user"])
def test_insiders_get_no_server_error(request, app, journey, insider):
    from tests.conftest import login

    user = request.getfixturevalue(insider)
    client = app.test_client()
    assert login(client, user).status_code == 302
    with app.test_request_context():
        targets = [_url(rule, journey) for rule in _patient_rules(app, journey) if "GET" in rule.methods]
    errors = [f"GET {url} -> {r.status_code}" for url in targets
              if (r := client.get(url)).status_code >= 500]
    assert errors == []
