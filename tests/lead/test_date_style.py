"""The clinic's date order and clock, end to end: the lead chooses them in settings, pages write
dates that way, and a clinician types a time that way (tracker/datetext.py, migration 0015)."""
from __future__ import annotations

import html
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from tests.care import builders
from tests.conftest import page_text
from tests.lead.builders import settings_form
from tracker.care.models import FollowUp
from tracker.core.clinic import Clinic
from tracker.db import utcnow
from tracker.extensions import db

NEW_YORK = ZoneInfo("America/New_York")  # the test clinic's zone


def test_a_month_day_twelve_hour_clinic_reads_and_writes_its_way(client_for, login_as, lead,
                                                                  clinic, clinician, patient):
    response = client_for(lead).post("/lead/settings", data=settings_form(
        clinic, date_order="mdy", clock="12h"))
    assert response.status_code == 302
    saved = db.session.get(Clinic, clinic.id)
    assert (saved.date_order, saved.clock) == ("mdy", "12h")

    session = builders.ended_session(patient, clinician, ended_days_ago=2)
    when = (utcnow() + timedelta(days=4)).astimezone(NEW_YORK).replace(hour=14, minute=5,
                                                                         second=0, microsecond=0)
    client = login_as(clinician)
    shown = client.get(f"/patients/{patient.id}/follow-ups").get_data(as_text=True)
    assert "As mm/dd/yyyy and h:mm AM or PM, e.g. 11/30/2026 2:05 PM." in html.unescape(shown)
    ended = session.ended_at.astimezone(NEW_YORK)
    hour = ended.hour % 12 or 12
    assert (f"{ended:%a %b %d, %Y}, {hour}:{ended:%M} {'AM' if ended.hour < 12 else 'PM'}"
            in page_text(client.get(f"/patients/{patient.id}/follow-ups")))

    typed = f"{when:%m/%d/%Y} 2:05 PM"
    response = client.post(f"/patients/{patient.id}/follow-ups", data={
        "kind": "integration", "scheduled_at": typed, "clinician_id": str(clinician.id),
        "session_id": str(session.id), "note": ""})
    assert response.status_code == 302
    [follow_up] = db.session.scalars(sa.select(FollowUp)).all()
    assert follow_up.scheduled_at == when


def test_an_ambiguous_hour_is_refused_beside_the_field_and_kept(client_for, login_as, lead,
                                                                clinic, clinician, patient):
    client_for(lead).post("/lead/settings", data=settings_form(clinic, date_order="dmy",
                                                              clock="12h"))
    session = builders.ended_session(patient, clinician, ended_days_ago=2)
    day = (utcnow() + timedelta(days=4)).astimezone(NEW_YORK)
    typed = f"{day:%d/%m/%Y} 2:05"
    response = login_as(clinician).post(f"/patients/{patient.id}/follow-ups", data={
        "kind": "integration", "scheduled_at": typed, "clinician_id": str(clinician.id),
        "session_id": str(session.id), "note": "Kept"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Add AM or PM to 2:05" in html.unescape(body)
    assert re.search(rf'value="{re.escape(typed)}"', body)
    assert db.session.scalars(sa.select(FollowUp)).all() == []


def test_an_unknown_date_order_is_refused(client_for, lead, clinic):
    response = client_for(lead).post("/lead/settings", data=settings_form(clinic, date_order="ymd"))
    assert response.status_code == 422
    assert db.session.get(Clinic, clinic.id).date_order == "dmy"
