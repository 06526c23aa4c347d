"""With CSRF protection on (as in production): the patient and intention forms carry their token,
and a post without it is refused with nothing stored."""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from tests import factories as make
from tracker.core.patients import Patient
from tracker.db import utcnow
from tracker.extensions import db
from tracker.intention.models import Intention


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"',
                      html)
    return match.group(1) or match.group(2)


def _sign_in(client, user):
    db.session.commit()  # the other app's requests must see (and not wait for) the test's rows
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"email": user.email, "password": make.PASSWORD,
                                           "csrf_token": _token(page)})
    assert response.status_code == 302


NEW_PATIENT = {"given_name": "Jordan", "family_name": "Rivera", "date_of_birth": "1979-06-02",
               "record_number": "KT-3001"}


def test_adding_a_patient_needs_the_token(csrf_client, clinician):
    _sign_in(csrf_client, clinician)
    assert csrf_client.post("/patients/new", data=NEW_PATIENT).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Patient)) == 0
    token = _token(csrf_client.get("/patients/new").get_data(as_text=True))
    assert csrf_client.post("/patients/new", data={**NEW_PATIENT, "csrf_token": token}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Patient)) == 1


def test_the_intention_form_and_the_invite_button_carry_the_token(csrf_client, clinician, patient):
    course = make.course(patient)
    session = make.dosing_session(course, clinician=clinician, scheduled_at=utcnow() + timedelta(days=2))
    db.session.commit()
    _sign_in(csrf_client, clinician)
    url = f"/sessions/{session.id}/intention"
    data = {"focus_areas": ["anxiety"], "intention_text": "To rest.", "goals-0-text": "Sleep by 11"}
    assert csrf_client.post(url, data=data).status_code == 400
    token = _token(csrf_client.get(url).get_data(as_text=True))
    assert csrf_client.post(url, data={**data, "csrf_token": token}).status_code == 302
    assert db.session.scalar(sa.select(Intention.intention_text)) == "To rest."

    chart = csrf_client.get(f"/patients/{patient.id}").get_data(as_text=True)
    invite_form = re.search(rf'action="/patients/{patient.id}/invite".*?</form>', chart, re.S).group(0)
    assert csrf_client.post(f"/patients/{patient.id}/invite").status_code == 400
    response = csrf_client.post(f"/patients/{patient.id}/invite", data={"csrf_token": _token(invite_form)})
    # The token is accepted: the patient already has an account, so the refusal goes to the chart.
    assert (response.status_code, response.location) == (303, f"/patients/{patient.id}")
