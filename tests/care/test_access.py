"""Every stage-4 route x every role: clinicians on the team change, leads read, others are out."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tracker.care.models import FollowUp, QuestionnaireResponse
from tracker.core.audit.models import AuditEvent
from tracker.core.flags import SafetyFlag
from tracker.db import utcnow
from tracker.extensions import db

GETS = {
    "care.follow_ups": "/patients/{p}/follow-ups",
    "care.record_outcome": "/patients/{p}/follow-ups/{f}/outcome",
    "care.questionnaires": "/patients/{p}/questionnaires",
    "care.enter_questionnaire": "/patients/{p}/questionnaires/phq9/new",
    "care.questionnaire_response": "/patients/{p}/questionnaires/responses/{r}",
    "care.safety_flags": "/patients/{p}/flags",
    "care.acknowledge_flag": "/flags/{flag}/acknowledge",
}


def _post_data(endpoint, care):
    later = (utcnow() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    return {
        "care.add_follow_up": ("/patients/{p}/follow-ups",
                               {"kind": "check_in", "scheduled_at": later,
                                "clinician_id": str(care.clinician_id)}),
        "care.record_outcome": ("/patients/{p}/follow-ups/{f}/outcome",
                                {"outcome": "missed", "version": "1", "note": "No answer."}),
        "care.assign_questionnaire": ("/patients/{p}/questionnaires/assignments",
                                      {"instrument": "pcl5"}),
        "care.enter_questionnaire": ("/patients/{p}/questionnaires/gad7/new",
                                     {f"item_{n}": "1" for n in range(1, 8)}),
        "care.acknowledge_flag": ("/flags/{flag}/acknowledge", {"note": "Called; safe."}),
    }[endpoint]


POSTS = ["care.add_follow_up", "care.record_outcome", "care.assign_questionnaire",
         "care.enter_questionnaire", "care.acknowledge_flag"]

# role fixture -> (GET status, POST status)
EXPECTED = {
    "clinician": (200, 302),      # on the care team
    "lead": (200, 403),           # reads, does not chart
    "clinician2": (404, 404),     # same clinic, not on the team: the record does not exist
    "intruder": (404, 403),       # a lead of another clinic: not found; and leads never change
    "patient_user": (403, 403),   # patients use the portal, even for their own record
    "patient2_user": (403, 403),
}


def _url(template, care):
    return template.format(p=care.patient.id, f=care.follow_up.id, r=care.response.id,
                           flag=care.flag.id)


@pytest.fixture
def ids(care, clinician):
    care.clinician_id = clinician.id
    return care


@pytest.mark.parametrize("role", EXPECTED)
@pytest.mark.parametrize("endpoint", GETS)
def test_get_matrix(request, login_as, ids, role, endpoint):
    client = login_as(request.getfixturevalue(role))
    response = client.get(_url(GETS[endpoint], ids))
    assert response.status_code == EXPECTED[role][0], endpoint


@pytest.mark.parametrize("role", EXPECTED)
@pytest.mark.parametrize("endpoint", POSTS)
def test_post_matrix(request, login_as, ids, role, endpoint):
    client = login_as(request.getfixturevalue(role))
    template, data = _post_data(endpoint, ids)
    response = client.post(_url(template, ids), data=data)
    assert response.status_code == EXPECTED[role][1], (endpoint, response.get_data(as_text=True)[:2000])


def test_nothing_changes_for_refused_posts(request, login_as, ids):
    before = _counts()
    # A lead (of this clinic or another) is refused by role: 403 (leads do not chart). A
    # clinician off the care team has the role but may not see the record: 404.
    for role in ("lead", "clinician2", "intruder"):
        client = login_as(request.getfixturevalue(role))
        for endpoint in POSTS:
            template, data = _post_data(endpoint, ids)
            status = client.post(_url(template, ids), data=data).status_code
            assert status == EXPECTED[role][1], (role, endpoint, status)
        client.post("/logout")
    assert _counts() == before


def _counts():
    db.session.expire_all()
    flag_open = db.session.scalar(sa.select(sa.func.count()).select_from(SafetyFlag)
                                  .where(SafetyFlag.acknowledged_at.is_(None)))
    follow_ups = db.session.execute(sa.select(FollowUp.id, FollowUp.outcome, FollowUp.version)).all()
    responses = db.session.scalar(sa.select(sa.func.count()).select_from(QuestionnaireResponse))
    return flag_open, sorted(follow_ups), responses


@pytest.mark.parametrize("path", [
    "/patients/{p}/follow-ups", "/patients/{p}/questionnaires", "/patients/{p}/flags",
    "/flags/{flag}/acknowledge"])
def test_anonymous_is_sent_to_sign_in(client, ids, path):
    response = client.get(_url(path, ids))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_foreign_records_under_an_own_patient_id_are_not_found(login_as, clinician, ids,
                                                               foreign_care):
    client = login_as(clinician)
    p = ids.patient.id
    for url in (f"/patients/{p}/follow-ups/{foreign_care.follow_up.id}/outcome",
                f"/patients/{p}/questionnaires/responses/{foreign_care.response.id}",
                f"/flags/{foreign_care.flag.id}/acknowledge",
                f"/patients/{foreign_care.patient.id}/questionnaires/phq9/new"):
        assert client.get(url).status_code == 404, url
    response = client.post(f"/patients/{p}/follow-ups/{foreign_care.follow_up.id}/outcome",
                           data={"outcome": "missed", "version": "1"})
    assert response.status_code == 404
    assert client.post(f"/flags/{foreign_care.flag.id}/acknowledge",
                       data={"note": "x"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(SafetyFlag, foreign_care.flag.id).acknowledged_at is None


def test_a_record_of_another_visible_patient_under_the_wrong_patient_id_is_not_found(
        login_as, lead, ids, foreign_care):
    # The lead sees both patients, but a response belongs under its own patient's URL only.
    client = login_as(lead)
    assert client.get(f"/patients/{ids.patient.id}/questionnaires/responses/"
                      f"{foreign_care.response.id}").status_code == 404
    assert client.get(f"/patients/{ids.patient.id}/follow-ups/"
                      f"{foreign_care.follow_up.id}/outcome").status_code == 404


@pytest.mark.parametrize("url", ["/patients/999999/follow-ups", "/patients/99999999999999999999/flags",
                                 "/flags/999999/acknowledge", "/patients/{p}/questionnaires/madrs/new",
                                 "/patients/{p}/questionnaires/responses/999999"])
def test_unknown_ids_are_not_found(login_as, clinician, ids, url):
    assert login_as(clinician).get(_url(url, ids)).status_code == 404


def test_reads_and_denials_are_audited(login_as, clinician2, clinician, ids):
    login_as(clinician2).get(f"/patients/{ids.patient.id}/flags").close()
    login_as(clinician2).post("/logout")
    denied = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.outcome == "denied")).all()
    assert [(e.user_id, e.record_type, e.record_id) for e in denied] == \
        [(clinician2.id, "safety_flags", ids.patient.id)]
    client = login_as(clinician)
    client.get(f"/patients/{ids.patient.id}/questionnaires/responses/{ids.response.id}")
    read = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.user_id == clinician.id, AuditEvent.action == "read",
        AuditEvent.record_type == "questionnaire_response")).all()
    assert [(e.record_id, e.patient_id) for e in read] == [(ids.response.id, ids.patient.id)]
