"""Follow-ups: scheduling, outcomes (completed needs a time; stale saves refused), due and late."""
from __future__ import annotations

import html
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tests import factories as make
from tests.care import builders
from tests.conftest import page_text as _page_text
from tracker.care import queries
from tracker.care.models import FollowUp
from tracker.core.audit.models import AuditEvent
from tracker.db import utcnow
from tracker.extensions import db


def page_text(response) -> str:
    return html.unescape(_page_text(response))


def to_local_ny(value):
    return value.astimezone(ZoneInfo("America/New_York"))


def _local(value):
    return value.strftime("%Y-%m-%dT%H:%M")


def _date_words(value):
    """A date as the pages show it (local_date filter, the test clinic's zone)."""
    return to_local_ny(value).strftime("%a %d %b %Y")


# --- due and late ------------------------------------------------------------------------------

def test_a_session_without_a_follow_up_is_due_by_its_end_plus_the_window(login_as, clinician,
                                                                          patient):
    session = builders.ended_session(patient, clinician, ended_days_ago=3)
    text = page_text(login_as(clinician).get(f"/patients/{patient.id}/follow-ups"))
    due_by = session.ended_at + timedelta(days=14)
    assert f"Next follow-up due by {_date_words(due_by)}" in text
    assert f"Pending: due by {_date_words(due_by)}" in text


def test_the_window_is_the_clinics_setting(login_as, clinic, clinician, patient):
    clinic.settings = {"follow_up_within_days": 2}
    session = builders.ended_session(patient, clinician, ended_days_ago=3)
    text = page_text(login_as(clinician).get(f"/patients/{patient.id}/follow-ups"))
    due_by = session.ended_at + timedelta(days=2)
    assert f"Follow-up missing: it was due by {_date_words(due_by)}" in text
    assert f"Missing: was due by {_date_words(due_by)}" in text
    assert "within 2 days" in text


def test_a_completed_follow_up_within_the_window_meets_it(login_as, clinician, patient):
    session = builders.ended_session(patient, clinician, ended_days_ago=20)
    builders.follow_up(patient, clinician, at=session.ended_at + timedelta(days=5),
                       outcome="completed", completed_at=session.ended_at + timedelta(days=5))
    text = page_text(login_as(clinician).get(f"/patients/{patient.id}/follow-ups"))
    assert "No follow-up is owed now." in text
    assert "On time: held" in text


def test_schedule_rules(clinician, patient):
    now = utcnow()
    held = builders.ended_session(patient, clinician, ended_days_ago=40)
    held_late = builders.ended_session(patient, clinician, ended_days_ago=30, course=held.course)
    recent = builders.ended_session(patient, clinician, ended_days_ago=2, course=held.course)
    upcoming = make.dosing_session(held.course, clinician=clinician,
                                   scheduled_at=now + timedelta(days=3))
    builders.follow_up(patient, clinician, outcome="completed",
                       completed_at=held.ended_at + timedelta(days=5))
    builders.follow_up(patient, clinician, outcome="completed",
                       completed_at=held_late.ended_at + timedelta(days=20))
    # missed and cancelled ones count for nothing
    builders.follow_up(patient, clinician, outcome="missed")
    builders.follow_up(patient, clinician, outcome="cancelled")

    schedule = queries.follow_up_schedule(patient.id, 14, now)
    assert [s.id for s in schedule] == [held.id, held_late.id, recent.id, upcoming.id]
    # the continuity rule's states (follow_up_held): a later contact not booked for the
    # session does not make it late, only missing
    assert [s.state for s in schedule] == ["compliant", "missing", "pending", None]
    assert schedule[1].first_follow_up_at == held_late.ended_at + timedelta(days=20)
    assert schedule[2].due_by == recent.ended_at + timedelta(days=14)
    assert schedule[3].due_by is None
    assert queries.next_follow_up_due(schedule).id == held_late.id  # the missing one comes first

    # a 21-day window takes in the second follow-up; the recent session is still due
    schedule = queries.follow_up_schedule(patient.id, 21, now)
    assert [s.state for s in schedule] == ["compliant", "compliant", "pending", None]
    assert queries.next_follow_up_due(schedule).id == recent.id


def test_a_follow_up_before_the_session_ended_does_not_count(clinician, patient):
    session = builders.ended_session(patient, clinician, ended_days_ago=2)
    builders.follow_up(patient, clinician, outcome="completed",
                       completed_at=session.ended_at - timedelta(hours=1))
    [row] = queries.follow_up_schedule(patient.id, 14)
    assert row.state == "pending" and row.first_follow_up_at is None


# --- scheduling --------------------------------------------------------------------------------

def test_clinician_schedules_a_follow_up_linked_to_a_session(login_as, clinician, patient):
    session = builders.ended_session(patient, clinician, ended_days_ago=2)
    when = utcnow() + timedelta(days=4)
    response = login_as(clinician).post(f"/patients/{patient.id}/follow-ups", data={
        "kind": "integration", "scheduled_at": _local(to_local_ny(when)),
        "clinician_id": str(clinician.id), "session_id": str(session.id), "note": "Sleep, walks."})
    assert response.status_code == 302
    [f] = db.session.scalars(sa.select(FollowUp)).all()
    assert (f.kind, f.clinician_id, f.session_id, f.outcome, f.note) == \
        ("integration", clinician.id, session.id, "scheduled", "Sleep, walks.")
    assert abs(f.scheduled_at - when) < timedelta(minutes=1)
    assert db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "create", AuditEvent.record_type == "follow_up")).record_id == f.id


@pytest.mark.parametrize("change, message", [
    ({"kind": ""}, "Choose a kind of follow-up."),
    ({"kind": "séance"}, "Choose a kind of follow-up."),
    ({"scheduled_at": ""}, "Enter the date and time."),
    ({"scheduled_at": "tomorrow-ish"}, "Type the date and the time as dd/mm/yyyy and hh:mm"),
    ({"clinician_id": ""}, "Choose a clinician of the care team."),
    ({"clinician_id": "abc"}, "Invalid Choice"),
    ({"session_id": "999999"}, "Choose one of this patient's dosing sessions."),
    ({"note": "x" * 4001}, "Keep this under 4,000 characters"),
])
def test_bad_follow_up_input_is_refused_beside_the_field(login_as, clinician, patient, change,
                                                         message):
    data = {"kind": "check_in", "scheduled_at": "2031-05-01T10:00",
            "clinician_id": str(clinician.id), "note": "Typed note kept"} | change
    response = login_as(clinician).post(f"/patients/{patient.id}/follow-ups", data=data)
    assert response.status_code == 422
    assert message in page_text(response)
    if "note" not in change:
        assert "Typed note kept" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp)) == 0


def test_a_clinician_off_the_team_cannot_be_chosen(login_as, clinician, clinician2, patient):
    response = login_as(clinician).post(f"/patients/{patient.id}/follow-ups", data={
        "kind": "check_in", "scheduled_at": "2031-05-01T10:00", "clinician_id": str(clinician2.id)})
    assert response.status_code == 422
    assert "Choose a clinician of the care team." in page_text(response)
    assert clinician2.full_name not in page_text(response)  # not offered either
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp)) == 0


# --- outcomes ----------------------------------------------------------------------------------

def _outcome_url(patient, f):
    return f"/patients/{patient.id}/follow-ups/{f.id}/outcome"


def test_recording_a_completed_outcome(login_as, clinician, patient):
    f = builders.follow_up(patient, clinician, at=utcnow() - timedelta(hours=3))
    held = to_local_ny(utcnow() - timedelta(hours=2))
    response = login_as(clinician).post(_outcome_url(patient, f), data={
        "outcome": "completed", "completed_at": _local(held), "note": "Sleeping better.",
        "version": str(f.version)})
    assert response.status_code == 302
    db.session.expire_all()
    f = db.session.get(FollowUp, f.id)
    assert (f.outcome, f.note, f.version) == ("completed", "Sleeping better.", 2)
    assert abs(f.completed_at - held) < timedelta(minutes=1)


def test_completed_without_a_time_is_refused_and_the_note_kept(login_as, clinician, patient):
    f = builders.follow_up(patient, clinician)
    response = login_as(clinician).post(_outcome_url(patient, f), data={
        "outcome": "completed", "completed_at": "", "note": "Talked for 20 minutes.",
        "version": str(f.version)})
    assert response.status_code == 422
    assert "A completed follow-up needs the time it was held." in page_text(response)
    assert "Talked for 20 minutes." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(FollowUp, f.id).outcome == "scheduled"


@pytest.mark.parametrize("data, message", [
    ({"outcome": "missed", "completed_at": "2020-01-01T10:00"},
     "Leave this empty unless the follow-up was completed."),
    ({"outcome": "completed", "completed_at": "2999-01-01T10:00"}, "This time is in the future."),
    ({"outcome": "scheduled"}, "Choose completed, missed or cancelled."),
    ({"outcome": ""}, "Choose completed, missed or cancelled."),
])
def test_other_bad_outcomes_are_refused(login_as, clinician, patient, data, message):
    f = builders.follow_up(patient, clinician)
    response = login_as(clinician).post(_outcome_url(patient, f), data=data | {"version": "1"})
    assert response.status_code == 422
    assert message in page_text(response)
    db.session.expire_all()
    assert db.session.get(FollowUp, f.id).outcome == "scheduled"


def test_the_database_refuses_completed_without_a_time(clinician, patient):
    f = builders.follow_up(patient, clinician)
    f.outcome = "completed"
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_stale_outcome_save_is_refused_with_the_text_kept(login_as, clinician, patient):
    f = builders.follow_up(patient, clinician)
    client = login_as(clinician)
    opened = client.get(_outcome_url(patient, f))
    assert 'name="version" type="hidden" value="1"' in opened.get_data(as_text=True)
    # a colleague records "missed" first
    assert client.post(_outcome_url(patient, f), data={
        "outcome": "missed", "note": "Colleague: no answer.", "version": "1"}).status_code == 302
    response = client.post(_outcome_url(patient, f), data={
        "outcome": "cancelled", "note": "My own words.", "version": "1"})
    assert response.status_code == 409
    text = page_text(response)
    assert "Someone else saved this follow-up since you opened it" in text
    assert "Colleague: no answer." in text  # what is saved now
    assert "My own words." in response.get_data(as_text=True)  # what I typed
    assert 'name="version" type="hidden" value="2"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(FollowUp, f.id).outcome == "missed"
    # saving again from that page, deliberately, goes through
    assert client.post(_outcome_url(patient, f), data={
        "outcome": "cancelled", "note": "My own words.", "version": "2"}).status_code == 302


def test_outcome_page_for_a_lead_has_no_form(login_as, lead, clinician, patient):
    f = builders.follow_up(patient, clinician, note="Discuss sleep")
    response = login_as(lead).get(_outcome_url(patient, f))
    assert response.status_code == 200
    assert "<form method=\"post\" novalidate" not in response.get_data(as_text=True)
    assert "Discuss sleep" in page_text(response)


def test_follow_up_page_query_count_is_bounded(login_as, clinician, patient, count_queries):
    client = login_as(clinician)

    def build(n):
        course = None
        for i in range(n):
            s = builders.ended_session(patient, clinician, ended_days_ago=40 - i, course=course)
            course = s.course
            builders.follow_up(patient, clinician, session=s, outcome="completed",
                               completed_at=s.ended_at + timedelta(days=1))
        db.session.commit()

    build(3)
    with count_queries() as few:
        assert client.get(f"/patients/{patient.id}/follow-ups").status_code == 200
    build(6)
    with count_queries() as many:
        assert client.get(f"/patients/{patient.id}/follow-ups").status_code == 200
    assert few.count == many.count, '\n'.join(x[:150] for x in many.statements)
    assert few.count <= 14, few.statements


def test_a_follow_up_booked_for_the_session_and_held_after_the_window_is_late(clinician, patient):
    session = builders.ended_session(patient, clinician, ended_days_ago=30)
    builders.follow_up(patient, clinician, outcome="completed", session=session,
                       completed_at=session.ended_at + timedelta(days=20))
    [row] = queries.follow_up_schedule(patient.id, 14)
    assert row.state == "late"
    assert queries.next_follow_up_due([row]) is None   # held, if late: nothing owed
