"""Sign-in: one generic message, lockout, rate limit, timeouts, safe redirects, sign-out by POST."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests import factories as make
from tests.conftest import login
from tracker.auth.services import SIGN_IN_FAILED
from tracker.core.audit.models import AuditEvent
from tracker.db import utcnow
from tracker.extensions import db


def _message(response):
    return response.get_data(as_text=True)


def test_sign_in_through_the_form_lands_home(client, clinician):
    response = login(client, clinician)
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("email, password", [
    ("clin@test.example", "wrong-password-1"),
    ("nobody@test.example", make.PASSWORD),
    ("CLIN@test.example ", "wrong-password-1"),
])
def test_failures_all_say_the_same_thing(client, clinician, email, password):
    response = login(client, email, password)
    assert response.status_code == 200
    assert SIGN_IN_FAILED in _message(response)


def test_email_is_case_insensitive(client, clinician):
    assert login(client, "Clin@Test.Example", make.PASSWORD).status_code == 302


def test_form_keeps_the_email_typed(client, clinician):
    response = login(client, "clin@test.example", "nope-nope-nope")
    assert 'value="clin@test.example"' in _message(response)


def test_account_locks_after_repeated_failures_with_the_same_message(app, client, clinician):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        login(client, clinician, "wrong-password-2")
    db.session.refresh(clinician)
    assert clinician.locked_until is not None
    response = login(client, clinician)  # right password, locked account
    assert response.status_code == 200 and SIGN_IN_FAILED in _message(response)
    clinician.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert login(client, clinician).status_code == 302


def test_deactivated_account_cannot_sign_in(client, clinician):
    clinician.active = False
    db.session.commit()
    response = login(client, clinician)
    assert SIGN_IN_FAILED in _message(response)


def test_rate_limit_per_address(app, client, clinician):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        codes = [login(client, "x@test.example", "wrong-password-3").status_code for _ in range(4)]
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
        from tracker.extensions import limiter
        limiter.reset()
    assert codes[:3] == [200, 200, 200] and codes[3] == 429


def test_sign_in_events_are_audited_without_secrets(client, clinician):
    login(client, clinician, "wrong-password-4")
    login(client, clinician)
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "sign_in")
                                .order_by(AuditEvent.id)).all()
    assert [e.outcome for e in events] == ["failure", "success"]
    assert all(e.ip_address == "127.0.0.1" for e in events)


@pytest.mark.parametrize("target, expected", [
    ("/patients/", "/patients/"),
    ("https://evil.example/steal", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
])
def test_next_only_stays_on_this_site(client, clinician, target, expected):
    db.session.commit()
    response = client.post("/login", data={"email": clinician.email, "password": make.PASSWORD,
                                           "next": target})
    assert response.headers["Location"] == expected


def test_sign_out_is_post_only(login_as, clinician):
    client = login_as(clinician)
    assert client.get("/logout").status_code == 405
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/patients/").status_code == 302  # back to sign-in


def _age_session(client, **seconds_ago):
    with client.session_transaction() as session:
        for key, ago in seconds_ago.items():
            session[key] = utcnow().timestamp() - ago


def test_idle_timeout_ends_the_session(app, login_as, clinician):
    client = login_as(clinician)
    _age_session(client, seen_at=app.config["SESSION_IDLE_MINUTES"] * 60 + 5)
    response = client.get("/patients/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/patients/").status_code == 302


def test_activity_keeps_the_session_alive(app, login_as, clinician):
    client = login_as(clinician)
    _age_session(client, seen_at=app.config["SESSION_IDLE_MINUTES"] * 60 - 30)
    assert client.get("/patients/").status_code == 200


def test_absolute_timeout_ends_even_an_active_session(app, login_as, clinician):
    client = login_as(clinician)
    _age_session(client, signed_in_at=app.config["SESSION_ABSOLUTE_HOURS"] * 3600 + 5, seen_at=1)
    _age_session(client, seen_at=10)
    response = client.get("/patients/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
