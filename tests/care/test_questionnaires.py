"""Questionnaires through the clinician's pages: entry, bad input, history, one response."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.care import builders
from tests.conftest import page_text as _page_text
from tracker.care.models import QuestionnaireAnswer, QuestionnaireAssignment, QuestionnaireResponse
from tracker.core.flags import SafetyFlag
from tracker.db import utcnow
from tracker.extensions import db


def page_text(response) -> str:
    return html.unescape(_page_text(response))


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _form(values) -> dict:
    return {f"item_{n}": str(v) for n, v in enumerate(values, start=1)}


def _checked(body: str, item: int) -> str | None:
    """The value of the checked radio of one item, as rendered."""
    for tag in re.findall(rf'<input[^>]*name="item_{item}"[^>]*>', body):
        if " checked" in tag:
            return re.search(r'value="([^"]*)"', tag).group(1)
    return None


def test_entering_a_gad7(login_as, clinician, patient):
    client = login_as(clinician)
    page = client.get(f"/patients/{patient.id}/questionnaires/gad7/new")
    assert page.status_code == 200
    assert "Feeling nervous, anxious, or on edge" in page_text(page)
    response = client.post(f"/patients/{patient.id}/questionnaires/gad7/new",
                           data=_form([2, 2, 2, 1, 1, 1, 1]))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/patients/{patient.id}/questionnaires")
    saved = db.session.scalar(sa.select(QuestionnaireResponse))
    assert (saved.instrument, saved.total, saved.band, saved.source, saved.entered_by_id) == \
        ("gad7", 10, "moderate", "clinician", clinician.id)
    assert _count(SafetyFlag) == 0
    assert "GAD-7 saved: total 10 (moderate)." in page_text(client.get(response.headers["Location"]))


@pytest.mark.parametrize("item, bad, message", [
    (3, None, "Question 3 needs an answer."),
    (3, "", "Question 3 needs an answer."),
    (5, "4", "Question 5: choose one of the answers (0-3)."),
    (5, "-1", "Question 5: choose one of the answers (0-3)."),
    (5, "two", "Question 5: choose one of the answers (0-3)."),
    (9, "1.5", "Question 9: choose one of the answers (0-3)."),
])
def test_bad_answers_are_refused_beside_the_question_and_the_rest_kept(
        login_as, clinician, patient, item, bad, message):
    values = [1, 2, 0, 3, 1, 2, 0, 1, 0]
    data = _form(values)
    if bad is None:
        del data[f"item_{item}"]
    else:
        data[f"item_{item}"] = bad
    response = login_as(clinician).post(f"/patients/{patient.id}/questionnaires/phq9/new",
                                        data=data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    # the message sits beside the question (its error element), and in the summary
    assert re.search(rf'id="item_{item}-error"[^>]*>\s*{re.escape(html.escape(message))}', body)
    assert f'aria-describedby="item_{item}-error"' in body
    for n, value in enumerate(values, start=1):
        if n != item:
            assert _checked(body, n) == str(value), n
    assert _checked(body, item) is None
    assert _count(QuestionnaireResponse) == _count(QuestionnaireAnswer) == _count(SafetyFlag) == 0


def test_every_bad_answer_is_reported_at_once(login_as, clinician, patient):
    response = login_as(clinician).post(f"/patients/{patient.id}/questionnaires/gad7/new",
                                        data={"item_1": "1", "item_4": "9"})
    text = page_text(response)
    for n in (2, 3, 5, 6, 7):
        assert f"Question {n} needs an answer." in text
    assert "Question 4: choose one of the answers (0-3)." in text
    assert _count(QuestionnaireResponse) == 0


def test_a_future_time_and_a_foreign_session_are_refused(login_as, clinician, patient, patient2,
                                                        clinician2):
    foreign = builders.ended_session(patient2, clinician2, ended_days_ago=1)
    client = login_as(clinician)
    url = f"/patients/{patient.id}/questionnaires/gad7/new"
    response = client.post(url, data=_form([0] * 7) | {"completed_at": "2999-01-01T09:00"})
    assert response.status_code == 422 and "This time is in the future." in page_text(response)
    response = client.post(url, data=_form([0] * 7) | {"session_id": str(foreign.id)})
    assert response.status_code == 422
    assert "Choose one of this patient's dosing sessions." in page_text(response)
    assert _count(QuestionnaireResponse) == 0


def test_phq9_item9_above_zero_raises_exactly_one_flag(login_as, clinician, patient):
    client = login_as(clinician)
    response = client.post(f"/patients/{patient.id}/questionnaires/phq9/new",
                           data=_form([1, 1, 1, 1, 1, 1, 1, 1, 2]))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/patients/{patient.id}/flags")
    saved = db.session.scalar(sa.select(QuestionnaireResponse))
    [flag] = db.session.scalars(sa.select(SafetyFlag)).all()
    assert (flag.patient_id, flag.source, flag.source_id, flag.acknowledged_at) == \
        (patient.id, "phq9_item9", saved.id, None)
    assert "answered 2" in flag.summary
    text = page_text(client.get(response.headers["Location"]))
    assert "a safety flag was raised" in text and "1 open" in text


def test_phq9_item9_at_zero_raises_none(login_as, clinician, patient):
    login_as(clinician).post(f"/patients/{patient.id}/questionnaires/phq9/new",
                             data=_form([3, 3, 3, 3, 3, 3, 3, 3, 0]))
    assert _count(QuestionnaireResponse) == 1 and _count(SafetyFlag) == 0


def test_history_shows_change_from_baseline_in_words(login_as, clinician, patient):
    builders.response(patient, clinician, "phq9", 21, days_ago=60)  # baseline
    builders.response(patient, clinician, "phq9", 9, days_ago=30)
    builders.response(patient, clinician, "phq9", 4, days_ago=1)
    builders.response(patient, clinician, "pcl5", 45, days_ago=50)  # baseline
    builders.response(patient, clinician, "pcl5", 35, days_ago=2)
    builders.response(patient, clinician, "gad7", 12, days_ago=3, source="patient")
    text = page_text(login_as(clinician).get(f"/patients/{patient.id}/questionnaires"))
    assert "Down 12 points (57%) from baseline 21: response." in text
    assert "Down 17 points (81%) from baseline 21: response; remission." in text
    assert "Down 10 points (22%) from baseline 45: clinically meaningful change." in text
    assert text.count("Baseline") == 3  # the first PHQ-9, PCL-5 and GAD-7
    assert "Self-report" in text and "Moderately severe" not in text
    # newest first
    assert text.index("from baseline 21: response; remission") < text.index("from baseline 21: response.")


def test_history_filters_by_instrument(login_as, clinician, patient):
    builders.response(patient, clinician, "phq9", 21, days_ago=5)
    builders.response(patient, clinician, "gad7", 3, days_ago=4)
    builders.response(patient, clinician, "gad7", 15, days_ago=3)
    text = page_text(login_as(clinician).get(f"/patients/{patient.id}/questionnaires?instrument=gad7"))
    assert "Up 12 points from baseline 3." in text
    history = text.split("History", 1)[1].split("Assigned in the portal")[0]
    assert history.count("Entered by a clinician") == 2 and "PHQ-9" not in history.split("Source")[1]


def test_history_query_count_does_not_grow(login_as, clinician, patient, count_queries):
    client = login_as(clinician)
    url = f"/patients/{patient.id}/questionnaires"

    def add(n, start):
        for i in range(n):
            builders.response(patient, clinician, ("phq9", "gad7", "pcl5")[i % 3], 5 + i % 5,
                              days_ago=start - i)
        db.session.commit()

    add(4, 100)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    add(8, 50)  # now 12 = 3N
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert few.count == many.count, "\n".join(s[:120] for s in many.statements)
    assert few.count <= 12


def test_one_response_shows_its_items(login_as, clinician, patient):
    first = builders.response(patient, clinician, "phq9", 20, days_ago=20)
    later = builders.response(patient, clinician, "phq9", 8, days_ago=1, item9=1)
    db.session.commit()
    client = login_as(clinician)
    text = page_text(client.get(f"/patients/{patient.id}/questionnaires/responses/{later.id}"))
    assert "Total 8 of 27: mild" in text
    assert "Down 12 points (60%) from baseline 20: response." in text
    assert "9. Thoughts that you would be better off dead or of hurting yourself in some way 1 · Several days" in text
    assert "Open" in text and "Acknowledge the flag" in text
    text = page_text(client.get(f"/patients/{patient.id}/questionnaires/responses/{first.id}"))
    assert "This is the baseline." in text


def test_assigning_a_pcl5_and_completing_it(login_as, clinician, patient):
    client = login_as(clinician)
    due = (utcnow() + timedelta(days=7)).date().isoformat()
    response = client.post(f"/patients/{patient.id}/questionnaires/assignments",
                           data={"instrument": "pcl5", "due_on": due})
    assert response.status_code == 302
    assignment = db.session.scalar(sa.select(QuestionnaireAssignment))
    assert (assignment.instrument, assignment.assigned_by_id, assignment.due_on.isoformat()) == \
        ("pcl5", clinician.id, due)
    assert "PCL-5, assigned" in page_text(client.get(f"/patients/{patient.id}/questionnaires"))
    # the same again while open is refused beside the field
    again = client.post(f"/patients/{patient.id}/questionnaires/assignments",
                        data={"instrument": "pcl5"})
    assert again.status_code == 422
    assert "PCL-5 is already assigned and not yet completed." in page_text(again)
    # a past due date is refused
    past = client.post(f"/patients/{patient.id}/questionnaires/assignments",
                       data={"instrument": "gad7", "due_on": "2020-01-01"})
    assert past.status_code == 422 and "The due date is in the past." in page_text(past)
    assert _count(QuestionnaireAssignment) == 1
    # completing a PCL-5 completes the assignment
    client.post(f"/patients/{patient.id}/questionnaires/pcl5/new", data=_form([1] * 20))
    db.session.expire_all()
    assignment = db.session.get(QuestionnaireAssignment, assignment.id)
    assert assignment.response_id == db.session.scalar(sa.select(QuestionnaireResponse.id))
    assert "Nothing is waiting for the patient." in page_text(
        client.get(f"/patients/{patient.id}/questionnaires"))


def test_a_lead_sees_the_form_read_only(login_as, lead, patient):
    response = login_as(lead).get(f"/patients/{patient.id}/questionnaires/phq9/new")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<fieldset disabled>" in body and "Save PHQ-9" not in body
