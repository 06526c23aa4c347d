"""My journey: what is next, each session so far with what I reflected after it."""
import re
from datetime import timedelta

import sqlalchemy as sa

from tests import factories as make
from tests.conftest import page_text
from tests.portal.builders import more_sessions
from tracker.core.audit.models import AuditEvent
from tracker.db import utcnow
from tracker.extensions import db
from tracker.integration.models import Reflection


def test_the_next_session_its_intention_and_the_follow_ups_come_first(login_as, patient_user, mine):
    text = page_text(login_as(patient_user).get("/me/"))
    next_part = text.split("Next dosing session", 1)[1].split("Coming up", 1)[0]
    assert mine.words["upcoming intention"] in next_part
    coming = text.split("Coming up", 1)[1].split("Your sessions so far", 1)[0]
    assert "Follow-up: check-in call" in coming and "with Casey Clinician" in coming


def test_past_sessions_show_intention_shared_notes_debrief_tasks_and_reflections(
        login_as, patient_user, mine):
    text = page_text(login_as(patient_user).get("/me/"))
    past = text.split("Your sessions so far", 1)[1]
    session_1 = past.split("Cancelled session", 1)[0]
    for key in ("intention", "goal", "shared note", "task", "once task"):
        assert mine.words[key] in session_1, key
    assert "Debrief Held on" in session_1
    # reflections reach the session both directly and through the tasks of its debrief
    assert mine.words["reflection"] in session_1 and mine.words["journal"] in session_1
    assert "dropped task" not in text  # a task the clinician cancelled is not offered


def test_sessions_are_listed_oldest_first_and_cancelled_ones_are_not_numbered(
        login_as, patient_user, patient, clinician, mine):
    more_sessions(patient, clinician, mine.course, 3)
    db.session.commit()
    text = page_text(login_as(patient_user).get("/me/"))
    numbers = [int(n) for n in re.findall(r"Session (\d) ·", text)]
    assert numbers == [1, 2, 3, 4]
    assert text.index("Extra intention 2") < text.index("Extra intention 0") < text.index(
        mine.words["intention"])
    assert "Cancelled session" in text


def test_a_journal_entry_about_no_session_stays_off_the_journey(login_as, patient_user, patient, mine):
    db.session.add(Reflection(patient_id=patient.id, text="A loose thought"))
    db.session.commit()
    assert "A loose thought" not in page_text(login_as(patient_user).get("/me/"))


def test_a_new_patient_sees_plain_empty_states(login_as, patient_user, patient):
    text = page_text(login_as(patient_user).get("/me/"))
    assert "No dosing session is booked yet" in text
    assert "Your sessions will show here" in text


def test_the_session_page_shows_one_session(login_as, patient_user, mine):
    text = page_text(login_as(patient_user).get(f"/me/sessions/{mine.past.id}"))
    assert "Session 1" in text and mine.words["intention"] in text and mine.words["reflection"] in text
    assert mine.words["upcoming intention"] not in text


def test_reading_the_journey_is_audited(login_as, patient_user, patient):
    login_as(patient_user).get("/me/")
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.record_type == "journey")).one()
    assert (event.action, event.patient_id, event.user_id) == ("read", patient.id, patient_user.id)


def _journey_queries(client, count_queries):
    with count_queries() as q:
        assert client.get("/me/").status_code == 200
    return q.count


def test_the_journey_page_runs_the_same_number_of_queries_for_n_and_3n_sessions(
        login_as, patient_user, patient, clinician, mine, count_queries):
    client = login_as(patient_user)
    more_sessions(patient, clinician, mine.course, 3)
    db.session.commit()
    small = _journey_queries(client, count_queries)
    more_sessions(patient, clinician, mine.course, 6)
    db.session.commit()
    assert _journey_queries(client, count_queries) == small
    assert small <= 20, small


def test_an_upcoming_session_without_an_intention_says_so(login_as, patient_user, patient, clinician):
    course = make.course(patient)
    make.dosing_session(course, clinician=clinician, scheduled_at=utcnow() + timedelta(days=3))
    db.session.commit()
    assert "You will set your intention" in page_text(login_as(patient_user).get("/me/"))
