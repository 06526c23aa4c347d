"""My questionnaires: due and assigned, the phone form, the result with the crisis text for
PHQ-9 item 9 above 0 (and the care team's flag), my scores over time."""
import json
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tests import factories as make
from tests.conftest import page_text
from tests.portal.builders import questionnaire
from tracker.care.models import QuestionnaireAssignment, QuestionnaireResponse
from tracker.core.clinic import DEFAULT_CRISIS_TEXT
from tracker.core.flags import SafetyFlag
from tracker.core.outbox import Message
from tracker.db import utcnow
from tracker.extensions import db


def _answers(values):
    return {f"item_{n}": str(v) for n, v in enumerate(values, start=1)}


def _due_section(client):
    text = page_text(client.get("/me/questionnaires"))
    return text.split("To answer now", 1)[1].split("My scores over time", 1)[0]


def test_a_new_patient_is_asked_for_phq9_and_gad7(login_as, patient_user, patient):
    due = _due_section(login_as(patient_user))
    assert "Answer the PHQ-9" in due and "Answer the GAD-7" in due and "not answered it yet" in due


def test_nothing_is_due_after_recent_answers(login_as, patient_user, patient, clinician):
    questionnaire(patient, clinician, "phq9", [0] * 9, completed_at=utcnow() - timedelta(days=3))
    questionnaire(patient, clinician, "gad7", [0] * 7, completed_at=utcnow() - timedelta(days=3))
    db.session.commit()
    due = _due_section(login_as(patient_user))
    assert "Nothing is due" in due


def test_the_clinic_period_decides_when_it_is_due_again(login_as, patient_user, patient, clinician, clinic):
    questionnaire(patient, clinician, "phq9", [0] * 9, completed_at=utcnow() - timedelta(days=12))
    questionnaire(patient, clinician, "gad7", [0] * 7, completed_at=utcnow() - timedelta(days=12))
    db.session.commit()
    client = login_as(patient_user)
    assert "Nothing is due" in _due_section(client)
    clinic.settings = {"phq9_every_days": 10}
    db.session.commit()
    assert "more than 10 days" in _due_section(client)


def test_due_before_an_upcoming_session(login_as, patient_user, patient, clinician):
    questionnaire(patient, clinician, "phq9", [0] * 9, completed_at=utcnow() - timedelta(days=6))
    questionnaire(patient, clinician, "gad7", [0] * 7, completed_at=utcnow() - timedelta(days=1))
    make.dosing_session(make.course(patient), scheduled_at=utcnow() + timedelta(days=3))
    db.session.commit()
    due = _due_section(login_as(patient_user))
    assert "Answer the PHQ-9" in due and "before your next dosing session" in due
    # GAD-7 is not due: it is offered only among those the patient may answer any time
    required = due.split("Answer one whenever you like", 1)[0]
    assert "GAD-7" not in required and "Answer the GAD-7 (anxiety)" in due


def test_an_assigned_pcl5_is_listed_until_answered(login_as, patient_user, patient, clinician):
    db.session.add(QuestionnaireAssignment(patient_id=patient.id, instrument="pcl5",
                                           assigned_by_id=clinician.id))
    db.session.commit()
    client = login_as(patient_user)
    assert "Answer the PCL-5" in _due_section(client)
    response = client.post("/me/questionnaires/pcl5/new", data=_answers([1] * 20))
    assert response.status_code == 302
    assignment = db.session.scalars(sa.select(QuestionnaireAssignment)).one()
    assert assignment.response_id is not None
    assert "PCL-5" not in _due_section(client)


def test_the_form_is_one_fieldset_per_question_with_labelled_radios(login_as, patient_user, patient):
    body = login_as(patient_user).get("/me/questionnaires/phq9/new").get_data(as_text=True)
    assert body.count("<fieldset") == 9 and body.count("<legend") == 9
    assert body.count('type="radio"') == 36
    for match in re.finditer(r'<input id="(item_\d-\d)"', body):
        assert f'for="{match.group(1)}"' in body


def test_missing_answers_are_named_and_the_given_answers_kept(login_as, patient_user, patient):
    data = _answers([1, 2, 0, 1, 0, 0, 0, 0])  # no answer to question 9
    response = login_as(patient_user).post("/me/questionnaires/phq9/new", data=data)
    assert response.status_code == 422
    assert "Choose an answer for question 9." in page_text(response)
    body = response.get_data(as_text=True)
    assert re.search(r'id="item_2-2"[^>]*checked|checked[^>]*id="item_2-2"', body)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionnaireResponse)) == 0


@pytest.mark.parametrize("bad", ["7", "-1", "two", ""])
def test_out_of_range_answers_are_refused(login_as, patient_user, patient, bad):
    data = _answers([0] * 9)
    data["item_3"] = bad
    response = login_as(patient_user).post("/me/questionnaires/phq9/new", data=data)
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionnaireResponse)) == 0


def test_a_phq9_without_item_9_shows_the_score_and_no_crisis_text(login_as, patient_user, patient):
    client = login_as(patient_user)
    response = client.post("/me/questionnaires/phq9/new", data=_answers([2, 2, 1, 1, 1, 1, 1, 1, 0]),
                           follow_redirects=True)
    text = page_text(response)
    assert "Score: 10 out of 27" in text
    assert "Your answers suggest moderate symptoms of depression." in text
    assert 'role="alert"' not in response.get_data(as_text=True) and "988" not in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SafetyFlag)) == 0


def test_item_9_above_0_shows_the_crisis_text_at_once_and_raises_a_flag(login_as, patient_user,
                                                                        patient):
    client = login_as(patient_user)
    response = client.post("/me/questionnaires/phq9/new", data=_answers([1, 1, 1, 1, 0, 0, 0, 0, 2]))
    assert response.status_code == 302
    result = client.get(response.headers["Location"])
    body = result.get_data(as_text=True)
    alert = re.search(r'<div[^>]*role="alert"[^>]*>(.*?)</div>', body, re.S)
    assert alert and "call or text 988" in alert.group(1)
    assert body.index('role="alert"') < body.index("Score:")  # before the score, at the top
    stored = db.session.scalars(sa.select(QuestionnaireResponse)).one()
    queued = db.session.scalars(sa.select(Message)).one()  # to the one clinician on the team
    told = queued.created_at.astimezone(ZoneInfo(patient_user.clinic.timezone)).strftime("%H:%M")
    assert f"Your care team was notified at {told}" in page_text(result)
    assert 'href="tel:988"' in body and 'href="sms:988"' in body
    assert (stored.source, stored.entered_by_id, stored.total) == ("patient", patient_user.id, 6)
    flag = db.session.scalars(sa.select(SafetyFlag)).one()
    assert (flag.patient_id, flag.source, flag.source_id) == (patient.id, "phq9_item9", stored.id)
    assert flag.summary not in body


def test_the_clinics_own_crisis_text_is_shown(login_as, patient_user, patient, clinic):
    clinic.crisis_text = "Call the Samaritans on 116 123, any time."
    db.session.commit()
    client = login_as(patient_user)
    response = client.post("/me/questionnaires/phq9/new", data=_answers([0] * 8 + [1]),
                           follow_redirects=True)
    text = page_text(response)
    assert "Call the Samaritans on 116 123" in text and DEFAULT_CRISIS_TEXT not in text


def test_scores_over_time_in_a_chart_block_and_a_table(login_as, patient_user, patient, clinician):
    questionnaire(patient, clinician, "phq9", [2] * 9, completed_at=utcnow() - timedelta(days=40))
    questionnaire(patient, clinician, "phq9", [1] * 9, completed_at=utcnow() - timedelta(days=10))
    questionnaire(patient, clinician, "gad7", [1] * 7, completed_at=utcnow() - timedelta(days=10))
    db.session.commit()
    response = login_as(patient_user).get("/me/questionnaires")
    body = response.get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/json" id="score-data">(.*?)</script>',
                                body, re.S).group(1))
    phq9 = next(s for s in data if s["code"] == "phq9")
    assert [p["total"] for p in phq9["points"]] == [18, 9] and phq9["max"] == 27
    assert 'data-score-chart="phq9"' in body and 'data-score-chart="gad7"' in body
    assert "<script>" not in body and "onload=" not in body  # no inline JS
    text = page_text(response)
    assert "moderately severe symptoms of depression" in text and "mild symptoms of anxiety" in text
    assert "vendor/chartjs/chart.umd.min.js" in body and "js/portal.js" in body


def test_the_questionnaires_page_runs_a_bounded_number_of_queries(
        login_as, patient_user, patient, clinician, count_queries):
    client = login_as(patient_user)

    def count():
        with count_queries() as q:
            assert client.get("/me/questionnaires").status_code == 200
        return q.count
    for day in range(3):
        questionnaire(patient, clinician, "phq9", [1] * 9, completed_at=utcnow() - timedelta(days=day))
    db.session.commit()
    small = count()
    for day in range(3, 12):
        questionnaire(patient, clinician, "gad7", [1] * 7, completed_at=utcnow() - timedelta(days=day))
    db.session.commit()
    assert count() == small


def test_patient_two_never_sees_patient_ones_scores(login_as, patient2_user, patient, patient2, clinician):
    questionnaire(patient, clinician, "phq9", [3] * 9)
    db.session.commit()
    body = login_as(patient2_user).get("/me/questionnaires").get_data(as_text=True)
    assert "score-data" not in body and "Your scores will show here" in body


def test_any_open_questionnaire_can_be_answered_while_another_is_due(login_as, patient_user,
                                                                     patient, clinician):
    questionnaire(patient, clinician, "phq9", [0] * 9, completed_at=utcnow() - timedelta(days=3))
    db.session.commit()  # PHQ-9 answered 3 days ago; GAD-7 never: only GAD-7 is due
    client = login_as(patient_user)
    due = _due_section(client)
    assert "Answer the GAD-7" in due
    assert "Answer one whenever you like" in due and "Answer the PHQ-9 (mood)" in due
    assert "Answer the PCL-5" not in due  # only once the care team assigns it
    assert client.get("/me/questionnaires/phq9/new").status_code == 200
