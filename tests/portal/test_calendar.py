"""Add to my calendar: the .ics downloads of upcoming sessions and follow-ups."""
from datetime import timedelta

from tracker.core.preparation import preparation_text
from tracker.db import utcnow
from tracker.extensions import db
from tracker.portal.ics import escape_text


def _lines(response):
    return response.get_data(as_text=True).replace("\r\n ", "").split("\r\n")


def _events(response):
    events, current = [], None
    for line in _lines(response):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            key, _, value = line.partition(":")
            current[key] = value
    return events


def test_the_calendar_holds_upcoming_sessions_and_follow_ups_only(login_as, patient_user, mine):
    response = login_as(patient_user).get("/me/calendar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    events = _events(response)
    assert [e["SUMMARY"] for e in events] == ["Follow-up: check-in call", "Dosing session at Test Clinic"]
    assert all(e["DTSTART"].endswith("Z") and e["DTSTAMP"].endswith("Z") for e in events)
    starts = {e["UID"]: e["DTSTART"] for e in events}
    assert starts[f"dosing-session-{mine.upcoming.id}.clinic-{mine.patient.clinic_id}@journey-tracker"] == \
        mine.upcoming.scheduled_at.strftime("%Y%m%dT%H%M%SZ")


def test_lines_end_in_crlf_and_stay_within_75_octets(login_as, patient_user, mine, clinic):
    clinic.name = "The Calm, Clear; and Very Long Named Centre for Guided Ketamine Therapy Studies"
    db.session.commit()
    body = login_as(patient_user).get("/me/calendar.ics").get_data(as_text=True)
    assert body.endswith("\r\n") and "\n" not in body.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    assert "SUMMARY:Dosing session at The Calm\\, Clear\\; and Very Long Named Centre" in \
        body.replace("\r\n ", "")


def test_uids_are_stable_across_downloads(login_as, patient_user, mine):
    client = login_as(patient_user)
    first = [e["UID"] for e in _events(client.get("/me/calendar.ics"))]
    second = [e["UID"] for e in _events(client.get("/me/calendar.ics"))]
    assert first == second and len(set(first)) == 2


def test_a_rescheduled_session_keeps_its_uid_and_raises_its_sequence(login_as, patient_user, mine):
    client = login_as(patient_user)
    before = _events(client.get(f"/me/sessions/{mine.upcoming.id}/calendar.ics"))[0]
    mine.upcoming.scheduled_at = utcnow() + timedelta(days=8)
    db.session.commit()
    after = _events(client.get(f"/me/sessions/{mine.upcoming.id}/calendar.ics"))[0]
    assert after["UID"] == before["UID"]
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"]) and after["DTSTART"] != before["DTSTART"]


def test_no_clinical_detail_in_the_event_text(login_as, patient_user, mine):
    body = login_as(patient_user).get("/me/calendar.ics").get_data(as_text=True)
    for word in mine.words.values():
        assert word not in body
    # what an event says beyond its title: where, the clinic's general preparation steps (the
    # same for every patient) and reminders; nothing about this patient
    unfolded = body.replace("\r\n ", "")
    assert "LOCATION:Test Clinic\r\n" in unfolded
    descriptions = [line for line in unfolded.split("\r\n") if line.startswith("DESCRIPTION:")]
    allowed = ("DESCRIPTION:How to prepare:", "DESCRIPTION:Dosing session",
               "DESCRIPTION:Follow-up")  # the preparation steps, or an alarm's event title
    assert descriptions and all(d.startswith(allowed) for d in descriptions)
    assert escape_text(preparation_text()) in unfolded


def test_a_dosing_session_reminds_the_day_before_and_two_hours_before(login_as, patient_user,
                                                                       mine):
    body = login_as(patient_user).get(f"/me/sessions/{mine.upcoming.id}/calendar.ics").get_data(
        as_text=True)
    assert body.count("BEGIN:VALARM") == 2
    assert "TRIGGER:-P1D\r\n" in body and "TRIGGER:-PT2H\r\n" in body


def test_one_event_downloads(login_as, patient_user, mine):
    client = login_as(patient_user)
    session_events = _events(client.get(f"/me/sessions/{mine.upcoming.id}/calendar.ics"))
    follow_up_events = _events(client.get(f"/me/follow-ups/{mine.follow_up.id}/calendar.ics"))
    assert [e["SUMMARY"] for e in session_events] == ["Dosing session at Test Clinic"]
    assert [e["SUMMARY"] for e in follow_up_events] == ["Follow-up: check-in call"]
    assert session_events[0]["DURATION"] == "PT2H"


def test_an_empty_calendar_for_a_patient_with_nothing_booked(login_as, patient_user, patient):
    response = login_as(patient_user).get("/me/calendar.ics")
    assert response.status_code == 200 and _events(response) == []
