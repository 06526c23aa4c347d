"""Stage 1, the intention: roles, recording and editing, goals with stable ids, the readiness
checklist, stale saves, the lock once the session starts, audit."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests import factories as make
from tests.conftest import page_text
from tracker.core.audit.models import AuditEvent
from tracker.db import utcnow
from tracker.extensions import db
from tracker.intention.models import CHECKLIST_ITEMS, Goal, Intention
from tracker.intention.readiness import NO_INTENTION, checklist_open

ALL_TICKED = {column: "y" for column, _ in CHECKLIST_ITEMS}


def _data(**changes):
    data = {"focus_areas": ["depression", "grief"], "intention_text": "To be kinder to myself.",
            "goals-0-goal_id": "", "goals-0-text": "Walk outside three mornings a week",
            "goals-1-goal_id": "", "goals-1-text": "Call my sister on Sundays",
            "goals-2-goal_id": "", "goals-2-text": "",
            "preparation_notes": "Anxious about needles.", "version": ""}
    data.update(changes)
    return data


def _intention(session):
    db.session.expire_all()
    return db.session.scalar(sa.select(Intention).where(Intention.session_id == session.id))


def _events(action, outcome="success"):
    return db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.record_type == "intention", AuditEvent.action == action,
        AuditEvent.outcome == outcome)).all()


# --- roles ------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("role, expected", [  # (GET, POST): the page, then the saved form's redirect
    ("clinician", (200, 302)), ("lead", (403, 403)), ("patient_user", (403, 403)),
    ("intruder", (403, 403)), ("clinician2", (404, 404)), ("outsider", (404, 404)),
    ("patient2_user", (403, 403))])
def test_role_matrix(request, login_as, upcoming_session, role, expected, method):
    db.session.commit()
    client = login_as(request.getfixturevalue(role))
    url = f"/sessions/{upcoming_session.id}/intention"
    response = client.get(url) if method == "GET" else client.post(url, data=_data())
    assert response.status_code == expected[method == "POST"]


def test_unknown_session_is_404(login_as, clinician):
    assert login_as(clinician).get("/sessions/424242/intention").status_code == 404


# --- recording --------------------------------------------------------------------------------

def test_record_an_intention_with_two_goals(login_as, clinician, patient, upcoming_session):
    client = login_as(clinician)
    page = client.get(f"/sessions/{upcoming_session.id}/intention")
    assert page.status_code == 200 and "Goal 1" in page_text(page) and "Goal 2" in page_text(page)
    response = client.post(f"/sessions/{upcoming_session.id}/intention", data=_data())
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/patients/{patient.id}")
    intention = _intention(upcoming_session)
    assert intention.intention_text == "To be kinder to myself."
    assert [g.text for g in intention.goals] == ["Walk outside three mornings a week",
                                                 "Call my sister on Sundays"]
    assert {f.area for f in intention.focus_areas} == {"depression", "grief"}
    assert intention.preparation_notes == "Anxious about needles."
    assert intention.checklist_completed_at is None and intention.recorded_by_id == clinician.id
    assert len(_events("create")) == 1
    chart = page_text(client.get(f"/patients/{patient.id}"))
    assert "1. Intention Recorded 2 goals" in chart
    assert "Readiness checklist Pending Open" in chart


def test_editing_keeps_goal_ids_and_order(login_as, clinician, upcoming_session):
    intention = make.intention(upcoming_session, clinician, goals=("Walk", "Read", "Sleep early"),
                               complete_checklist=False)
    db.session.commit()
    walk, read, sleep = [g.id for g in intention.goals]
    client = login_as(clinician)
    form = client.get(f"/sessions/{upcoming_session.id}/intention").get_data(as_text=True)
    assert f'value="{walk}"' in form and 'value="Read"' in form
    response = client.post(f"/sessions/{upcoming_session.id}/intention", data=_data(**{
        "version": str(intention.version),
        "goals-0-goal_id": str(walk), "goals-0-text": "Walk 20 minutes",
        "goals-1-goal_id": str(read), "goals-1-text": "",           # cleared: removed
        "goals-2-goal_id": str(sleep), "goals-2-text": "Sleep by 11",
        "goals-3-goal_id": "", "goals-3-text": "Cook once a week",  # new
    }))
    assert response.status_code == 302
    goals = [(g.id, g.text, g.position) for g in _intention(upcoming_session).goals]
    assert goals[:2] == [(walk, "Walk 20 minutes", 0), (sleep, "Sleep by 11", 1)]
    assert goals[2][1:] == ("Cook once a week", 2) and goals[2][0] not in (walk, read, sleep)
    assert db.session.get(Goal, read) is None
    assert len(_events("update")) == 1


def test_the_checklist_completes_when_all_items_are_ticked(login_as, clinician, upcoming_session):
    client = login_as(clinician)
    url = f"/sessions/{upcoming_session.id}/intention"
    assert checklist_open(upcoming_session) == [NO_INTENTION]
    client.post(url, data=_data(**ALL_TICKED, escort_name="Sam Rivera", escort_phone="555 0102"))
    intention = _intention(upcoming_session)
    completed_at = intention.checklist_completed_at
    assert completed_at is not None and (intention.escort_name, intention.escort_phone) == (
        "Sam Rivera", "555 0102")
    assert checklist_open(upcoming_session) == []
    # saving again keeps the first completion time
    client.post(url, data=_data(**ALL_TICKED, escort_name="Sam Rivera", escort_phone="555 0102",
                                version=str(intention.version)))
    intention = _intention(upcoming_session)
    assert intention.checklist_completed_at == completed_at
    # unticking one item opens the checklist again
    unticked = {k: v for k, v in ALL_TICKED.items() if k != "consent_on_file"}
    client.post(url, data=_data(**unticked, escort_name="Sam Rivera", escort_phone="555 0102",
                                version=str(intention.version)))
    assert _intention(upcoming_session).checklist_completed_at is None
    assert checklist_open(upcoming_session) == ["Consent on file"]


@pytest.mark.parametrize("change, field, message", [
    ({"focus_areas": []}, "focus_areas", "Choose at least one focus area."),
    ({"focus_areas": ["astrology"]}, "focus_areas", "is not a valid choice"),
    ({"focus_areas": ["other"], "focus_other": ""}, "focus_other", "Say what the"),
    ({"intention_text": ""}, "intention_text", "Write the intention"),
    ({"intention_text": "x" * 2001}, "intention_text", "Keep this under 2,000 characters"),
    ({"escort_arranged": "y", "escort_name": ""}, "escort_name", "Give the escort"),
    ({"escort_arranged": "y", "escort_name": "Sam", "escort_phone": "call me"}, "escort_phone",
     "Use digits"),
    ({"goals-1-text": "g" * 501}, "goals", "Goal 2 is longer than 500 characters"),
])
def test_bad_input_is_refused_with_the_text_kept(login_as, clinician, upcoming_session, change, field,
                                                 message):
    response = login_as(clinician).post(f"/sessions/{upcoming_session.id}/intention",
                                        data=_data(**change))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert f'href="#{field}"' in html  # the summary links to the field
    assert "Walk outside three mornings a week" in html  # the rest of what was typed is kept
    assert _intention(upcoming_session) is None
    assert len(_events("create", outcome="failure")) == 1


def test_a_stale_save_is_refused_and_the_typed_text_kept(login_as, clinician, upcoming_session):
    intention = make.intention(upcoming_session, clinician, complete_checklist=False)
    db.session.commit()
    opened = intention.version
    client = login_as(clinician)
    intention.intention_text = "Changed by a colleague."
    db.session.commit()
    response = client.post(f"/sessions/{upcoming_session.id}/intention", data=_data(
        intention_text="My own new words.", version=str(opened)))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone else saved this record since you opened it" in html
    assert "My own new words." in html
    assert _intention(upcoming_session).intention_text == "Changed by a colleague."
    assert len(_events("update", outcome="failure")) == 1


def test_a_form_opened_before_a_colleague_created_the_intention_is_stale(login_as, clinician,
                                                                         upcoming_session):
    client = login_as(clinician)
    make.intention(upcoming_session, clinician)
    db.session.commit()
    response = client.post(f"/sessions/{upcoming_session.id}/intention", data=_data(version=""))
    assert response.status_code == 409


def test_after_the_start_changes_are_refused(login_as, clinician, course):
    session = make.dosing_session(course, clinician=clinician, started=True,
                                  scheduled_at=utcnow() - timedelta(minutes=10))
    make.intention(session, clinician, text="Original words.")
    db.session.commit()
    client = login_as(clinician)
    page = client.get(f"/sessions/{session.id}/intention")
    assert page.status_code == 200
    assert "has started, so its intention can no longer be changed" in page_text(page)
    assert "<fieldset disabled" in page.get_data(as_text=True)
    assert "Save intention" not in page_text(page)
    response = client.post(f"/sessions/{session.id}/intention",
                           data=_data(intention_text="Late edit.", version="1"))
    assert response.status_code == 409
    assert _intention(session).intention_text == "Original words."
    assert len(_events("update", outcome="failure")) == 1


def test_a_cancelled_session_refuses_changes(login_as, clinician, upcoming_session):
    upcoming_session.status = "cancelled"
    db.session.commit()
    response = login_as(clinician).post(f"/sessions/{upcoming_session.id}/intention", data=_data())
    assert response.status_code == 409
    assert "cancelled" in page_text(response)
    assert _intention(upcoming_session) is None


def test_reading_the_intention_is_audited(login_as, clinician, patient, upcoming_session):
    intention = make.intention(upcoming_session, clinician)
    db.session.commit()
    login_as(clinician).get(f"/sessions/{upcoming_session.id}/intention")
    (event,) = _events("read")
    assert (event.record_id, event.patient_id, event.user_id) == (intention.id, patient.id, clinician.id)


def test_checklist_open_lists_only_the_unticked_items(clinician, upcoming_session):
    intention = make.intention(upcoming_session, clinician, complete_checklist=False)
    intention.fasted = intention.medications_reviewed = True
    db.session.flush()
    assert checklist_open(upcoming_session) == [
        "Escort / driver arranged", "Consent on file", "Baseline vitals acceptable"]


def test_the_form_query_count_does_not_grow_with_goals(app, clinic, clinician, course, count_queries):
    from tests.conftest import login
    counts = []
    for goals in (2, 6):
        s = make.dosing_session(course, clinician=clinician, scheduled_at=utcnow() + timedelta(days=goals))
        make.intention(s, clinician, goals=[f"Goal {i}" for i in range(goals)])
        db.session.commit()
        client, url = app.test_client(), f"/sessions/{s.id}/intention"
        login(client, clinician)
        with count_queries() as q:
            assert client.get(url).status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1], counts
