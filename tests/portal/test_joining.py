"""Joining the portal, end to end for a patient: the clinician's invitation link, setting a
password, signing out and in, changing the password; expired and used links say so plainly.
(The link flow itself is tracker/auth's; these tests only drive it as a patient would.)"""
import re
from datetime import timedelta

import sqlalchemy as sa

from tests import factories as make
from tests.conftest import login, page_text
from tracker.core.users import OneTimeLink
from tracker.db import utcnow
from tracker.extensions import db

NEW_PASSWORD = "river-lantern-pocket-maple"


def _invite(app, clinician, clinic):
    """A clinician invites a new patient through the chart; returns (patient, link path)."""
    patient = make.patient(clinic, clinicians=[clinician], given="Robin", family="Newcomer")
    patient.email = "robin@test.example"
    staff = app.test_client()
    assert login(staff, clinician).status_code == 302
    page = staff.post(f"/patients/{patient.id}/invite").get_data(as_text=True)
    path = re.search(r'value="https?://[^/"]+(/welcome/[^"]+)"', page).group(1)
    return patient, path


def test_a_patient_joins_through_the_invitation_link(app, client, clinician, clinic):
    _patient, path = _invite(app, clinician, clinic)
    first = client.get(path)
    assert first.status_code == 200 and "Choose a password" in page_text(first)
    mismatch = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert "The two passwords differ." in page_text(mismatch)
    done = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                       follow_redirects=True)
    assert done.request.path == "/me/"
    text = page_text(done)
    assert "Welcome. Your password is set." in text and "Your journey, Robin" in text

    # the link is spent; a second use says so plainly
    again = client.get(path)
    assert again.status_code == 410 and "already been used" in page_text(again)

    # sign out, then in with the new password: back to my journey
    assert client.post("/logout").status_code == 302
    assert client.get("/me/").status_code == 302
    signed_in = login(client, "robin@test.example", NEW_PASSWORD, follow=True)
    assert signed_in.request.path == "/me/"


def test_an_expired_invitation_says_so(app, client, clinician, clinic):
    _patient, path = _invite(app, clinician, clinic)
    db.session.execute(sa.update(OneTimeLink).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 410 and "This link has expired" in page_text(response)
    assert client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 410


def test_a_replaced_invitation_says_so(app, client, clinician, clinic):
    patient, old_path = _invite(app, clinician, clinic)
    staff = app.test_client()
    login(staff, clinician)
    staff.post(f"/patients/{patient.id}/invite")
    response = client.get(old_path)
    assert response.status_code == 410 and "replaced by a newer one" in page_text(response)


def test_a_patient_changes_their_password(login_as, patient_user, patient, client):
    client = login_as(patient_user)
    response = client.post("/account/password", data={
        "current": make.PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    client.post("/logout")
    assert login(client, patient_user, NEW_PASSWORD).status_code == 302
