"""Treatment courses and scheduling dosing sessions from the chart."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import page_text
from tracker.core.audit.models import AuditEvent
from tracker.core.patients import StatusChange, TreatmentCourse
from tracker.core.sessions import DosingSession
from tracker.db import utcnow
from tracker.extensions import db
from tracker.timezones import to_local


def _courses(patient):
    return db.session.scalars(sa.select(TreatmentCourse).where(TreatmentCourse.patient_id == patient.id)).all()


def _sessions(patient):
    return db.session.scalars(sa.select(DosingSession).where(DosingSession.patient_id == patient.id)).all()


def _audited(action, record_type):
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.record_type == record_type,
        AuditEvent.outcome == "success"))


def test_add_a_course(login_as, clinician, patient):
    response = login_as(clinician).post(f"/patients/{patient.id}/courses/new", data={
        "kind": "induction", "started_on": date.today().isoformat(), "planned_sessions": "6"})
    assert response.status_code == 302
    (course,) = _courses(patient)
    assert (course.kind, course.planned_sessions, course.status, course.created_by_id) == (
        "induction", 6, "active", clinician.id)
    assert _audited("create", "treatment_course") == 1


@pytest.mark.parametrize("change, message", [
    ({"planned_sessions": "0"}, "Plan between 1 and 60 sessions."),
    ({"planned_sessions": "many"}, "Not a valid integer value."),
    ({"kind": "forever"}, "Not a valid choice."),
    ({"started_on": "2026-13-01"}, "There is no such day"),
    ({"started_on": (date.today() - timedelta(days=800)).isoformat()}, "more than a year away"),
])
def test_bad_course_input(login_as, clinician, patient, change, message):
    data = {"kind": "induction", "started_on": date.today().isoformat(), "planned_sessions": "6"}
    response = login_as(clinician).post(f"/patients/{patient.id}/courses/new", data={**data, **change})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _courses(patient) == []


def test_a_paused_patient_gets_no_new_course(login_as, clinician, patient):
    patient.status = "paused"
    db.session.commit()
    response = login_as(clinician).post(f"/patients/{patient.id}/courses/new", data={
        "kind": "booster", "started_on": date.today().isoformat(), "planned_sessions": "1"})
    assert response.status_code == 422
    assert "resume them before adding a course" in page_text(response)
    assert _courses(patient) == []


def test_course_status_needs_a_reason_and_keeps_it(login_as, clinician, patient, course):
    client = login_as(clinician)
    url = f"/patients/{patient.id}/courses/{course.id}/status"
    refused = client.post(url, data={"to_status": "paused", "reason": ""})
    assert refused.status_code == 422
    assert client.post(url, data={"to_status": "paused", "reason": "Illness"}).status_code == 302
    assert client.post(url, data={"to_status": "completed", "reason": "Six sessions held"}).status_code == 302
    db.session.refresh(course)
    assert course.status == "completed" and course.status_reason == "Six sessions held"
    changes = db.session.scalars(sa.select(StatusChange).where(StatusChange.course_id == course.id)
                                 .order_by(StatusChange.id)).all()
    assert [(c.from_status, c.to_status) for c in changes] == [("active", "paused"), ("paused", "completed")]
    assert _audited("change_status", "treatment_course") == 2
    # a completed course cannot move again
    final = client.get(url)
    assert "cannot change status" in page_text(final)
    assert client.post(url, data={"to_status": "active", "reason": "again"}).status_code == 422


def _schedule_data(course, clinician, when=None, **changes):
    when = when or utcnow() + timedelta(days=3)
    data = {"scheduled_at": to_local(when).strftime("%Y-%m-%dT%H:%M"), "course_id": str(course.id),
            "clinician_id": str(clinician.id), "room": "Room 2"}
    data.update(changes)
    return data


def test_schedule_a_dosing_session(login_as, clinician, patient, course):
    client = login_as(clinician)
    form = client.get(f"/patients/{patient.id}/sessions/new")
    assert form.status_code == 200 and "Casey Clinician" in page_text(form)
    response = client.post(f"/patients/{patient.id}/sessions/new", data=_schedule_data(course, clinician))
    assert response.status_code == 302
    (session,) = _sessions(patient)
    assert (session.status, session.course_id, session.clinician_id, session.room) == (
        "scheduled", course.id, clinician.id, "Room 2")
    assert _audited("schedule", "dosing_session") == 1
    chart = page_text(client.get(f"/patients/{patient.id}"))
    assert "Induction session 1" in chart and "Scheduled" in chart


def test_the_scheduled_time_is_read_in_the_clinic_zone(login_as, clinician, patient, course):
    year = date.today().year + 1
    login_as(clinician).post(f"/patients/{patient.id}/sessions/new",
                             data=_schedule_data(course, clinician, scheduled_at=f"{year}-07-01T09:30"))
    (session,) = _sessions(patient)
    assert session.scheduled_at.isoformat() == f"{year}-07-01T13:30:00+00:00"  # 09:30 in New York (EDT)


@pytest.mark.parametrize("change, message", [
    ({"scheduled_at": "tomorrow"}, "Type the date and the time as dd/mm/yyyy and hh:mm"),
    ({"scheduled_at": "2001-01-01T10:00"}, "This time is in the past"),
    ({"room": "r" * 61}, "Field cannot be longer than 60 characters."),
    ({"course_id": "999999"}, "Not a valid choice."),
])
def test_bad_schedule_input(login_as, clinician, patient, course, change, message):
    response = login_as(clinician).post(f"/patients/{patient.id}/sessions/new",
                                        data=_schedule_data(course, clinician, **change))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _sessions(patient) == []


def test_a_clinician_off_the_team_cannot_guide(login_as, clinician, clinician2, patient, course):
    response = login_as(clinician).post(f"/patients/{patient.id}/sessions/new",
                                        data=_schedule_data(course, clinician, clinician_id=str(clinician2.id)))
    assert response.status_code == 422
    assert _sessions(patient) == []


def test_no_scheduling_without_an_active_course(login_as, clinician, patient, course):
    course.status = "paused"
    db.session.commit()
    client = login_as(clinician)
    assert "has no active treatment course" in page_text(client.get(f"/patients/{patient.id}/sessions/new"))
    response = client.post(f"/patients/{patient.id}/sessions/new", data=_schedule_data(course, clinician))
    assert response.status_code == 422
    assert _sessions(patient) == []


def test_no_scheduling_for_a_discharged_patient(login_as, clinician, patient, course):
    patient.status = "discharged"
    db.session.commit()
    response = login_as(clinician).post(f"/patients/{patient.id}/sessions/new",
                                        data=_schedule_data(course, clinician))
    assert response.status_code == 422
    assert "resume them before scheduling" in page_text(response)
    assert _sessions(patient) == []
