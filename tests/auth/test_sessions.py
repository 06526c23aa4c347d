"""Sessions end on the server (F1 of issue 11): after sign-out a copied cookie opens nothing,
for every role; "sign out everywhere else"; a lead ends a staff member's sessions; audited."""
import pytest
import sqlalchemy as sa

from tests.conftest import login
from tracker.core.audit.models import AuditEvent
from tracker.extensions import db

HOME_OF = {"lead": "/lead/staff", "clinician": "/patients/", "patient_user": "/me/"}


def _signed_in(app, user):
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def _copy(app, client):
    """A second browser holding a copy of `client`'s session cookie (as a thief would)."""
    name = app.config["SESSION_COOKIE_NAME"]
    thief = app.test_client()
    thief.set_cookie(name, client.get_cookie(name).value)
    return thief


def _signed_out(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


def _events(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


@pytest.mark.parametrize("role", ["lead", "clinician", "patient_user"])
def test_a_copied_cookie_stops_working_at_sign_out(request, app, role):
    request.getfixturevalue("patient")  # the patient's record, so the portal opens
    user = request.getfixturevalue(role)
    page = HOME_OF[role]
    client = _signed_in(app, user)
    thief = _copy(app, client)
    assert thief.get(page).status_code == 200  # the copy works while the session lives
    assert client.post("/logout").status_code == 302
    assert _signed_out(thief.get(page))
    assert _signed_out(client.get(page))
    [event] = _events("sign_out")
    assert (event.user_id, event.record_id, event.outcome) == (user.id, user.id, "success")


def test_signing_in_again_after_sign_out_works(app, clinician):
    client = _signed_in(app, clinician)
    client.post("/logout")
    assert login(client, clinician).status_code == 302
    assert client.get("/patients/").status_code == 200


def test_sign_out_everywhere_else_keeps_this_browser(app, clinician):
    here, laptop = _signed_in(app, clinician), _signed_in(app, clinician)
    page = here.get("/account/password").get_data(as_text=True)
    assert "Sign out everywhere else" in page
    response = here.post("/account/sessions/end-others")
    assert response.status_code == 302
    assert here.get("/patients/").status_code == 200
    assert _signed_out(laptop.get("/patients/"))
    [event] = _events("end_sessions")
    assert (event.user_id, event.record_id) == (clinician.id, clinician.id)


def test_a_lead_ends_a_staff_members_sessions(app, lead, clinician):
    theirs = _signed_in(app, clinician)
    lead_client = _signed_in(app, lead)
    assert "Sign out everywhere" in lead_client.get("/lead/staff").get_data(as_text=True)
    response = lead_client.post(f"/lead/staff/{clinician.id}/end-sessions", follow_redirects=True)
    assert "signed out on every device" in response.get_data(as_text=True)
    assert _signed_out(theirs.get("/patients/"))
    assert lead_client.get("/lead/staff").status_code == 200  # the lead stays signed in
    assert login(theirs, clinician).status_code == 302  # their password still works
    [event] = _events("end_sessions")
    assert (event.user_id, event.record_id, event.outcome) == (lead.id, clinician.id, "success")


def test_ending_sessions_is_for_leads_and_for_staff_only(app, lead, clinician, clinician2,
                                                         patient_user, intruder):
    assert _signed_in(app, clinician).post(
        f"/lead/staff/{clinician2.id}/end-sessions").status_code == 403
    lead_client = _signed_in(app, lead)
    assert lead_client.post(f"/lead/staff/{patient_user.id}/end-sessions").status_code == 404
    assert lead_client.post(f"/lead/staff/{intruder.id}/end-sessions").status_code == 404
    own = lead_client.post(f"/lead/staff/{lead.id}/end-sessions", follow_redirects=True)
    assert "Sign out everywhere else" in own.get_data(as_text=True)
    assert lead_client.get("/lead/staff").status_code == 200
    refused = _events("end_sessions")
    assert [(e.record_id, e.outcome) for e in refused] == [(lead.id, "failure")]


def test_password_change_ends_sessions_through_the_same_epoch(app, clinician):
    client = _signed_in(app, clinician)
    thief = _copy(app, client)
    before = db.session.scalar(sa.select(clinician.__class__.session_epoch)
                               .where(clinician.__class__.id == clinician.id))
    new = "lantern-orchard-meadow-41"
    client.post("/account/password", data={"current": "correct-horse-battery-staple",
                                           "password": new, "confirm": new})
    after = db.session.scalar(sa.select(clinician.__class__.session_epoch)
                              .where(clinician.__class__.id == clinician.id))
    assert after == before + 1
    assert _signed_out(thief.get("/patients/"))
