"""The patient chart: header, journey timeline stage states, scores chart, links, queries, audit."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests import factories as make
from tests.conftest import page_text
from tests.patients import builders
from tracker.continuity.queries import rule_items
from tracker.continuity.rules import RULES
from tracker.continuity.scope import Scope
from tracker.continuity.stages import SESSION_STAGES
from tracker.core.audit.models import AuditEvent
from tracker.db import utcnow
from tracker.extensions import db
from tracker.integration.models import Debrief, TaskCompletion
from tracker.patients.journey import journey_rows, session_journeys


def _journey(patient, clinic, now=None):
    rows = db.session.execute(journey_rows(patient.id, clinic=clinic, now=now or utcnow(),
                                           today=date.today())).all()
    return session_journeys(rows, clinic=clinic)


CHART_STAGES = ("intention", "record", "debrief", "plan", "follow_up")


def _states(j, keys=CHART_STAGES):
    return tuple(j.state(key) for key in keys)


def _dashboard_states(clinic, session_id) -> dict[str, str]:
    """What the lead's dashboard says of each stage of one session (its drill-down rows)."""
    today = date.today()
    scope = Scope.for_clinic(clinic, utcnow(), today - timedelta(days=90), today + timedelta(days=30))
    found = {}
    for stage in SESSION_STAGES:
        rule = RULES[stage.rule]
        for row in db.session.execute(rule_items(rule, scope)):
            is_this = (row.item_id == session_id if rule.record_type == "dosing_session"
                       else db.session.get(Debrief, row.item_id).session_id == session_id)
            if is_this:
                found[stage.key] = row.state
    return found


def _assert_agrees_with_dashboard(clinic, j):
    """Every stage the dashboard judges shows the dashboard's state on the chart."""
    judged = _dashboard_states(clinic, j.session_id)
    assert {k: j.state(k) for k in judged} == judged


def _ended(course, clinician, hours_ago: float, **fields):
    return make.dosing_session(course, clinician=clinician, ended=True,
                               scheduled_at=utcnow() - timedelta(hours=hours_ago, minutes=40), **fields)


def _early_intention(session, clinician):
    intention = make.intention(session, clinician)
    intention.created_at = session.scheduled_at - timedelta(days=1)
    intention.checklist_completed_at = session.scheduled_at - timedelta(hours=1)
    db.session.flush()
    return intention


# --- stage states: the continuity rules' states, and plain words before a rule judges ---------

def test_an_upcoming_session_without_intention(clinic, clinician, patient, course):
    make.dosing_session(course, clinician=clinician, scheduled_at=utcnow() + timedelta(days=2))
    (j,) = _journey(patient, clinic)
    assert _states(j) == ("pending", "upcoming", "upcoming", "upcoming", "upcoming")
    assert (j.state("checklist"), j.state("phq9")) == ("pending", "pending")
    assert j.stages["intention"].label == "Pending"


def test_an_upcoming_session_with_its_intention_recorded(clinic, clinician, patient, course):
    session = make.dosing_session(course, clinician=clinician, scheduled_at=utcnow() + timedelta(days=2))
    make.intention(session, clinician)
    builders.score(patient, clinician, days_ago=1)
    (j,) = _journey(patient, clinic)
    assert (j.state("intention"), j.state("checklist"), j.state("phq9")) == (
        "recorded", "recorded", "recorded")


def test_a_session_started_without_intention_is_missing_it(clinic, clinician, patient, course):
    make.dosing_session(course, clinician=clinician, started=True, scheduled_at=utcnow() - timedelta(minutes=20))
    (j,) = _journey(patient, clinic)
    assert (j.state("intention"), j.state("record"), j.state("debrief")) == ("missing", "draft", "upcoming")
    _assert_agrees_with_dashboard(clinic, j)


def test_an_intention_recorded_after_the_start_is_late(clinic, clinician, patient, course):
    session = _ended(course, clinician, 1)
    make.intention(session, clinician)  # created now, after the start
    (j,) = _journey(patient, clinic)
    assert j.state("intention") == "late"
    assert j.stages["intention"].label == "Late"
    _assert_agrees_with_dashboard(clinic, j)


def test_an_intention_recorded_before_is_on_time(clinic, clinician, patient, course):
    session = _ended(course, clinician, 1)
    _early_intention(session, clinician)
    (j,) = _journey(patient, clinic)
    assert (j.state("intention"), j.state("checklist"), j.goal_count) == ("compliant", "compliant", 1)
    assert j.stages["intention"].label == "On time"
    _assert_agrees_with_dashboard(clinic, j)


@pytest.mark.parametrize("hours_ago, signed, expected", [
    (2, False, "pending"), (30, False, "missing"), (30, True, "late"), (2, True, "compliant")])
def test_the_in_session_record(clinic, clinician, patient, course, hours_ago, signed, expected):
    session = _ended(course, clinician, hours_ago)
    if signed:
        session.signed_at, session.signed_by_id = utcnow(), clinician.id
        db.session.flush()
    (j,) = _journey(patient, clinic)
    assert j.state("record") == expected
    _assert_agrees_with_dashboard(clinic, j)


def test_the_sign_threshold_is_the_clinics_setting(clinic, clinician, patient, course):
    clinic.settings = {"sign_session_within_hours": 48}
    _ended(course, clinician, 30)
    (j,) = _journey(patient, clinic)
    assert j.state("record") == "pending"
    _assert_agrees_with_dashboard(clinic, j)


@pytest.mark.parametrize("hours_ago, debrief, expected", [
    (10, None, "pending"), (80, None, "missing"), (10, "draft", "pending"), (80, "draft", "missing"),
    (80, "signed", "late"), (10, "signed", "compliant")])
def test_the_debrief(clinic, clinician, patient, course, hours_ago, debrief, expected):
    session = _ended(course, clinician, hours_ago)
    if debrief:
        d = make.debrief(session, clinician)
        if debrief == "signed":
            d.signed_at, d.signed_by_id = utcnow(), clinician.id
        db.session.flush()
    (j,) = _journey(patient, clinic)
    assert j.state("debrief") == expected
    _assert_agrees_with_dashboard(clinic, j)


def test_the_integration_plan_counts_tasks_and_due_occurrences(clinic, clinician, patient, course):
    session = _ended(course, clinician, 24 * 4)
    d = make.debrief(session, clinician)
    (j,) = _journey(patient, clinic)
    assert (j.state("plan"), j.task_count, j.completion_rate) == ("pending", 0, None)

    today = date.today()
    once = make.task(patient, clinician, debrief=d, due_on=today - timedelta(days=1))
    daily = make.task(patient, clinician, debrief=d, repeat="daily", starts_on=today - timedelta(days=3),
                      repeat_until=today + timedelta(days=3), title="Breathe")
    make.task(patient, clinician, debrief=d, repeat="weekly", starts_on=today + timedelta(days=1),
              repeat_until=today + timedelta(days=30), title="Not yet")
    cancelled = make.task(patient, clinician, debrief=d, due_on=today - timedelta(days=2), title="Dropped")
    cancelled.active = False
    db.session.add_all([
        TaskCompletion(task_id=once.id, patient_id=patient.id, occurrence_on=once.due_on, outcome="done"),
        TaskCompletion(task_id=daily.id, patient_id=patient.id, occurrence_on=today - timedelta(days=3),
                       outcome="done"),
        TaskCompletion(task_id=daily.id, patient_id=patient.id, occurrence_on=today - timedelta(days=2),
                       outcome="done"),
        TaskCompletion(task_id=daily.id, patient_id=patient.id, occurrence_on=today - timedelta(days=1),
                       outcome="skipped", skip_reason="ill"),
    ])
    db.session.flush()
    (j,) = _journey(patient, clinic)
    # due so far: once 1 + daily 4 (today-3 .. today) + weekly 0 = 5; done 3
    assert (j.state("plan"), j.task_count, j.due_count, j.done_count, j.completion_rate) == (
        "compliant", 3, 5, 3, 60)
    _assert_agrees_with_dashboard(clinic, j)


def test_weekly_occurrences_due(clinic, clinician, patient, course):
    d = make.debrief(_ended(course, clinician, 24 * 20), clinician)
    make.task(patient, clinician, debrief=d, repeat="weekly", starts_on=date.today() - timedelta(days=15),
              repeat_until=date.today() + timedelta(days=15))
    (j,) = _journey(patient, clinic)
    assert j.due_count == 3  # day -15, -8, -1


@pytest.mark.parametrize("days_ago, follow_up, expected", [
    (3, None, "pending"), (20, None, "missing"), (3, "scheduled", "pending"),
    (20, "held", "compliant"), (30, "held_late", "late"), (30, "held_late_other", "missing")])
def test_the_follow_up(clinic, clinician, patient, course, days_ago, follow_up, expected):
    session = _ended(course, clinician, 24 * days_ago)
    if follow_up == "scheduled":
        builders.follow_up(patient, clinician, at=utcnow() + timedelta(days=2))
    elif follow_up == "held":
        at = session.ended_at + timedelta(days=5)
        builders.follow_up(patient, clinician, at=at, outcome="completed", completed_at=at)
    elif follow_up and follow_up.startswith("held_late"):
        # late only if booked for this session (else it is just a later contact)
        at = session.ended_at + timedelta(days=20)
        builders.follow_up(patient, clinician, at=at, outcome="completed", completed_at=at,
                           session=session if follow_up == "held_late" else None)
    (j,) = _journey(patient, clinic)
    assert j.state("follow_up") == expected
    # the deadline is computed by the database (to the millisecond on SQLite)
    due = j.stages["follow_up"].due_at
    assert abs(due - (session.ended_at + timedelta(days=14))) < timedelta(milliseconds=1)
    _assert_agrees_with_dashboard(clinic, j)


def test_a_cancelled_session(clinic, clinician, patient, course):
    s = make.dosing_session(course, clinician=clinician, scheduled_at=utcnow() - timedelta(days=1))
    s.status, s.cancel_reason = "cancelled", "Patient unwell"
    db.session.flush()
    (j,) = _journey(patient, clinic)
    assert set(_states(j)) == {"cancelled"}
    assert _dashboard_states(clinic, s.id) == {}


def test_sessions_are_newest_first_and_numbered_within_their_course(clinic, clinician, patient):
    journeys = builders.journey(patient, clinician, 3)
    rows = _journey(patient, clinic)
    assert [r.session_id for r in rows] == [s.id for s in journeys]  # built newest first
    assert [r.number_in_course for r in rows] == [3, 2, 1]
    for r in rows:
        _assert_agrees_with_dashboard(clinic, r)


# --- the page ---------------------------------------------------------------------------------

def test_the_header(login_as, clinic, clinician, clinician2, patient):
    make.patient(clinic)  # someone else: never shown
    from tracker.core.patients import CareTeamMember
    db.session.add(CareTeamMember(patient_id=patient.id, clinician_id=clinician2.id))
    flag = builders.safety_flag(patient, summary="PHQ-9 item 9 answered 2")
    response = login_as(clinician).get(f"/patients/{patient.id}")
    text = page_text(response)
    assert "<h1" in response.get_data(as_text=True) and "Alex Patient" in text
    assert f"Age {patient.age_on(date.today())}" in text and patient.record_number in text
    assert "Casey Clinician (primary), Dana Otherclinician" in text
    assert "Status Active" in text
    assert "PHQ-9 item 9 answered 2" in text
    assert f'href="/flags/{flag.id}/acknowledge"' in response.get_data(as_text=True)


def test_one_click_to_each_stage(app, login_as, clinician, patient):
    (session,) = builders.journey(patient, clinician, 1)
    html = login_as(clinician).get(f"/patients/{patient.id}").get_data(as_text=True)
    with app.test_request_context():
        from flask import url_for
        for endpoint, values in (("intention.edit", {"session_id": session.id}),
                                 ("dosing.session", {"session_id": session.id}),
                                 ("integration.debrief", {"session_id": session.id}),
                                 ("care.follow_ups", {"patient_id": patient.id})):
            assert f'href="{url_for(endpoint, **values)}"' in html, endpoint


def test_the_scores_chart_data_and_table(login_as, clinician, patient):
    sessions = builders.journey(patient, clinician, 2)
    builders.score(patient, clinician, "gad7", 9, days_ago=1)
    builders.score(patient, clinician, "pcl5", 40, days_ago=1)
    response = login_as(clinician).get(f"/patients/{patient.id}")
    html = response.get_data(as_text=True)
    block = re.search(r'<script type="application/json" id="scores-data">(.*?)</script>', html, re.S)
    data = json.loads(block.group(1))
    assert [s["code"] for s in data["series"]] == ["phq9", "gad7", "pcl5"]
    assert [len(s["points"]) for s in data["series"]] == [2, 1, 1]
    assert len(data["sessions"]) == len(sessions) == 2
    assert all(isinstance(p["x"], int) for s in data["series"] for p in s["points"])
    assert 'src="/static/js/chart.js"' in html and 'src="/static/vendor/chartjs/chart.umd.min.js"' in html
    # a plain table for screen readers carries the same numbers
    assert "Questionnaire totals, oldest first" in page_text(response)
    assert "PCL-5 40 probable PTSD" in page_text(response)


def test_no_inline_script_or_style(login_as, clinician, patient):
    builders.journey(patient, clinician, 2)
    html = login_as(clinician).get(f"/patients/{patient.id}").get_data(as_text=True)
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert scripts and all('type="application/json"' in attrs for attrs in scripts)
    assert " style=" not in html


def test_without_scores_there_is_no_chart_script(login_as, clinician, patient):
    html = login_as(clinician).get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "No questionnaire scores yet." in html and "chart.js" not in html


def test_reading_the_chart_writes_an_audit_event(login_as, clinician, patient):
    login_as(clinician).get(f"/patients/{patient.id}")
    events = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "read", AuditEvent.record_type == "patient")).all()
    assert [(e.user_id, e.patient_id, e.record_id, e.outcome) for e in events] == [
        (clinician.id, patient.id, patient.id, "success")]


@pytest.mark.parametrize("sessions", [2, 8])
def test_the_chart_costs_a_fixed_number_of_queries(app, clinic, clinician, count_queries, sessions):
    from tests.conftest import login
    patient = make.patient(clinic, clinicians=[clinician])
    builders.journey(patient, clinician, sessions)
    builders.safety_flag(patient)
    db.session.commit()
    client, url = app.test_client(), f"/patients/{patient.id}"
    login(client, clinician)
    with count_queries() as q:
        response = client.get(url)
    assert response.status_code == 200
    text = page_text(response)
    assert text.count("4. Follow-up On time Held") == sessions, text
    # user (and unread notices), patient, audit (3), journey, scores, goals, team, flags,
    # courses, history
    assert q.count == CHART_QUERIES, "\n".join(s[:90] for s in q.statements)


CHART_QUERIES = 12  # the navbar's unread-notifications count is read with the user
