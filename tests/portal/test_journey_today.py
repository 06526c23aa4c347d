"""My journey leads with today: the task days to mark today (linking to the marking page, as
on the tasks page), what to answer, the next session with how to prepare and its calendar
link; past sessions are folded. Patients only; never clinician-only text; fixed queries."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests import factories as make
from tests.conftest import page_text
from tests.portal.builders import SECRET_MARKERS, local_today, more_sessions, more_tasks
from tracker.core.preparation import PREPARATION_STEPS
from tracker.db import utcnow
from tracker.extensions import db


def _today_part(text: str) -> str:
    return text.split(" Today ", 1)[1].split("Next dosing session", 1)[0]


def test_today_comes_first_with_the_tasks_to_mark_and_what_to_answer(login_as, patient_user, mine):
    response = login_as(patient_user).get("/me/")
    html, text = response.get_data(as_text=True), page_text(response)
    assert text.index(" Today ") < text.index("Next dosing session") < text.index("Your sessions so far")
    today = _today_part(text)
    assert mine.words["task"] in today            # the daily task's day today
    assert mine.words["once task"] not in today   # due in two days: not today
    day = local_today(mine.patient).isoformat()
    assert f'href="/me/tasks/{mine.daily_task.id}/on/{day}"' in html
    # the daily task's two unmarked earlier days, in words, linking to the tasks page
    assert "Not marked yet" in today and "2 earlier days to mark" in today
    # GAD-7 never answered; the care team asked for a PCL-5
    assert "Answer the GAD-7" in today and "You have not answered it yet." in today
    assert "Answer the PCL-5" in today and "Your care team asked for it" in today
    assert 'href="/me/questionnaires/gad7/new"' in html


def test_a_day_marked_today_shows_done_in_words(login_as, patient_user, mine):
    from tracker.integration.models import TaskCompletion
    db.session.add(TaskCompletion(task_id=mine.daily_task.id, patient_id=mine.patient.id,
                                  occurrence_on=local_today(mine.patient), outcome="done",
                                  marked_at=utcnow()))
    db.session.commit()
    today = _today_part(page_text(login_as(patient_user).get("/me/")))
    assert re.search(rf"{mine.words['task']} Done", today)


def test_the_next_session_says_how_to_prepare_with_its_calendar_link(login_as, patient_user, mine):
    response = login_as(patient_user).get("/me/")
    html, text = response.get_data(as_text=True), page_text(response)
    next_part = text.split("Next dosing session", 1)[1].split("Coming up", 1)[0]
    assert "How to prepare" in next_part
    for step in PREPARATION_STEPS:
        assert step.replace("'", "&#39;") in html or step in next_part
    assert f'href="/me/sessions/{mine.upcoming.id}/calendar.ics"' in html


def test_no_next_session_no_preparation(login_as, patient_user, patient):
    text = page_text(login_as(patient_user).get("/me/"))
    assert "How to prepare" not in text and "Nothing for today." in text


def test_past_sessions_are_folded_with_their_state_in_words(login_as, patient_user, mine):
    html = login_as(patient_user).get("/me/").get_data(as_text=True)
    past = html.split('id="past-heading"', 1)[1]
    folds = re.findall(r"<details[^>]*>", past)
    assert len(folds) == 2 and not any("open" in f for f in folds)  # a session is upcoming
    assert re.search(r'data-state="done"><svg[^>]*aria-hidden="true".*?</svg><span>Held</span>', past, re.S)
    assert "Cancelled" in past
    assert f'href="/me/sessions/{mine.past.id}"' in past


def test_between_sessions_the_latest_held_one_stays_unfolded(login_as, patient_user, patient,
                                                             clinician):
    course = make.course(patient)
    older = make.dosing_session(course, clinician=clinician, ended=True,
                                scheduled_at=utcnow() - timedelta(days=20))
    latest = make.dosing_session(course, clinician=clinician, ended=True,
                                 scheduled_at=utcnow() - timedelta(days=5))
    make.intention(older, clinician, text="Older intention")
    make.intention(latest, clinician, text="Latest intention")
    db.session.commit()
    html = login_as(patient_user).get("/me/").get_data(as_text=True)
    folds = re.findall(r"<details[^>]*>(.*?)</details>", html, re.S)
    opened = [f for f in re.findall(r"<details[^>]*>", html) if " open" in f]
    assert len(folds) == 2 and len(opened) == 1
    assert "Latest intention" in html.split(opened[0], 1)[1].split("</details>", 1)[0]


def test_no_clinician_only_text_reaches_the_journey(login_as, patient_user, mine):
    html = login_as(patient_user).get("/me/").get_data(as_text=True)
    for what, marker in SECRET_MARKERS.items():
        assert marker not in html, what


@pytest.mark.parametrize("who", ["clinician", "lead"])
def test_staff_get_403(request, login_as, mine, who):
    assert login_as(request.getfixturevalue(who)).get("/me/").status_code == 403


def test_another_patients_tasks_are_not_shown(login_as, patient2_user, mine, theirs):
    text = page_text(login_as(patient2_user).get("/me/"))
    assert mine.words["task"] not in text and theirs.words["task"] in _today_part(text)


def _count(client, count_queries):
    with count_queries() as q:
        assert client.get("/me/").status_code == 200
    return q.count


def test_the_same_queries_for_n_and_3n_tasks_and_sessions(login_as, patient_user, patient,
                                                          clinician, mine, count_queries):
    client = login_as(patient_user)
    more_tasks(patient, clinician, mine.debrief, 2)
    more_sessions(patient, clinician, mine.course, 2)
    db.session.commit()
    small = _count(client, count_queries)
    more_tasks(patient, clinician, mine.debrief, 6)
    more_sessions(patient, clinician, mine.course, 6)
    db.session.commit()
    assert _count(client, count_queries) == small
    assert small <= 21, small
