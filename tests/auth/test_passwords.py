"""Password change ends the user's other sessions; one-time links work once."""
import html
from datetime import timedelta

import pytest

from tests import factories as make
from tests.conftest import login
from tracker.auth.passwords import MIN_LENGTH, OWN_WORDS, WEAK, hash_password, password_problem
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


# --- F5 of issue 11: NIST SP 800-63B ------------------------------------------------------------

PROBES = ["password1234", "123456789012", "qwertyuiop12", "Password1234!"]


@pytest.mark.parametrize("weak", PROBES)
def test_common_passwords_are_refused(weak):
    assert password_problem(weak) == WEAK


def test_the_clinics_name_is_refused_as_a_password(login_as, clinician):
    """The fifth probe, through the real form: the clinic's name (at least 12 characters)."""
    clinician.clinic.name = name = "Harbor Light Ketamine Clinic"
    assert len(name) >= MIN_LENGTH
    client = login_as(clinician)  # commits the name
    for attempt in (name, name.replace(" ", "").lower() + "1", f"{name} 2026"):
        text = html.unescape(client.post("/account/password", data={
            "current": make.PASSWORD, "password": attempt, "confirm": attempt}).get_data(as_text=True))
        assert OWN_WORDS in text, attempt
    assert login(client.application.test_client(), clinician).status_code == 302  # unchanged


@pytest.mark.parametrize("weak", PROBES)
def test_every_probe_is_refused_through_the_form(login_as, clinician, weak):
    response = login_as(clinician).post("/account/password", data={
        "current": make.PASSWORD, "password": weak, "confirm": weak})
    assert response.status_code == 200 and WEAK in html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("built_from, password", [
    ("email", "robin.quaid-2026"),
    ("name", "Robin Quaid 1985!"),
    ("name", "quaidrobin1234"),
    ("clinic", "Juniper Valley Clinic"),
    ("clinic", "juniper valley 2024"),
])
def test_passwords_built_from_the_accounts_own_words_are_refused(built_from, password):
    problem = password_problem(password, email="robin.quaid@juniper.example",
                               names=("Robin Quaid", "Juniper Valley Clinic"))
    assert problem == OWN_WORDS, built_from


@pytest.mark.parametrize("good", [
    "correct-horse-battery-staple", "lantern orchard meadow", "Sunny meadow walk 42",
    "my cat eats purple tomatoes", "ÉtéÀParisSansVoiture",  # no composition rules
])
def test_long_unguessable_passwords_pass_without_composition_rules(good):
    assert password_problem(good, email="robin.quaid@juniper.example",
                            names=("Robin Quaid", "Juniper Valley Clinic")) is None


def test_length_bounds():
    assert "at least 12" in password_problem("Xq7#mZ2!pL9")  # 11 characters
    assert "at most 256" in password_problem("lantern orchard " * 17)


def test_the_demo_password_passes_the_rule_for_every_demo_login(app):
    from tracker.demo.seed import CLINIC_NAME, DEMO_LOGINS

    for email in DEMO_LOGINS:
        assert password_problem(app.config["DEMO_PASSWORD"], email=email,
                                names=(email.split("@")[0], CLINIC_NAME)) is None, email


def test_argon2id_stays():
    assert hash_password("lantern orchard meadow").startswith("$argon2id$")
