"""Password change ends the user's other sessions; one-time links work once."""
from datetime import timedelta

from tests import factories as make
from tests.conftest import login
from tracker.auth.services import issue_link
from tracker.db import utcnow
from tracker.extensions import db

NEW = "a-brand-new-long-password"


def test_password_change_ends_other_sessions_but_keeps_this_one(app, clinician):
    first, second = app.test_client(), app.test_client()
    login(first, clinician)
    login(second, clinician)
    response = first.post("/account/password", data={
        "current": make.PASSWORD, "password": NEW, "confirm": NEW})
    assert response.status_code == 302
    assert first.get("/patients/").status_code == 200
    assert second.get("/patients/").status_code == 302  # signed out
    assert login(app.test_client(), clinician, NEW).status_code == 302


def test_password_change_with_wrong_current_password_is_refused(login_as, clinician):
    client = login_as(clinician)
    response = client.post("/account/password", data={
        "current": "not-it-at-all", "password": NEW, "confirm": NEW})
    assert response.status_code == 200
    assert "current password is not right" in response.get_data(as_text=True)


def test_short_or_mismatched_new_password_is_explained(login_as, clinician):
    client = login_as(clinician)
    text = client.post("/account/password", data={
        "current": make.PASSWORD, "password": "short", "confirm": "other"}).get_data(as_text=True)
    assert "at least 12 characters" in text
    assert "The two passwords differ." in text


def test_invite_link_sets_the_password_once(app, client, clinician, clinic):
    invited = make.user(clinic, "patient", email="invited@test.example", password=None)
    token = issue_link(invited, "invite", clinician)
    db.session.commit()
    assert client.get(f"/welcome/{token}").status_code == 200
    response = client.post(f"/welcome/{token}", data={"password": NEW, "confirm": NEW})
    assert response.status_code == 302
    other = app.test_client()
    again = other.get(f"/welcome/{token}")
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)
    assert login(app.test_client(), invited, NEW).status_code == 302


def test_expired_link_says_so(client, clinician, clinic):
    invited = make.user(clinic, "patient", email="late@test.example", password=None)
    token = issue_link(invited, "invite", clinician)
    db.session.commit()
    from tracker.core.users import OneTimeLink
    link = db.session.query(OneTimeLink).filter_by(user_id=invited.id).one()
    link.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.get(f"/welcome/{token}")
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)


def test_a_newer_link_replaces_the_older(client, clinician, clinic):
    invited = make.user(clinic, "patient", email="twice@test.example", password=None)
    old = issue_link(invited, "invite", clinician)
    issue_link(invited, "invite", clinician)
    db.session.commit()
    response = client.get(f"/welcome/{old}")
    assert response.status_code == 410 and "not valid" in response.get_data(as_text=True)


def test_unknown_token_is_not_a_500(client, app):
    assert client.get("/welcome/garbage").status_code == 410
