"""Sign-in: one generic message, throttling without lockout (F7 of issue 11), rate limit,
timeouts, safe redirects, sign-out by POST."""
import itertools
import time

import pytest
import sqlalchemy as sa

from tests import factories as make
from tests.conftest import login
from tracker.auth import throttle
from tracker.auth.services import SIGN_IN_FAILED
from tracker.core.audit.models import AuditEvent
from tracker.core.outbox import Message, MessageKind
from tracker.core.users import User
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


def _fail(client, email, times):
    return [login(client, email, "wrong-password-2") for _ in range(times)]


def _from(app, address):
    """A browser at another address (the limiter and the throttle key on remote_addr)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_failures_slow_the_same_email_from_the_same_address(app, client, clinician):
    free = app.config["LOGIN_FREE_FAILURES"]
    responses = _fail(client, clinician.email, free)
    assert all(r.status_code == 200 for r in responses)
    throttled = login(client, clinician)  # the right password, but this pair must wait
    assert throttled.status_code == 429
    assert "Wait 2 seconds" in _message(throttled)
    assert SIGN_IN_FAILED not in _message(throttled)


def test_the_owner_is_not_locked_out_by_someone_elses_failures(app, lead):
    """F7: 50 wrong passwords for the lead from elsewhere; the lead, at their own address,
    signs in at once."""
    attacker = _from(app, "203.0.113.9")
    codes = [login(attacker, lead, f"guess-number-{n}").status_code for n in range(50)]
    assert codes.count(429) >= 45  # throttled after the free failures
    owner = _from(app, "198.51.100.7")
    response = login(owner, lead)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, lead.id).active


def test_delays_grow_and_stop_at_the_cap(app):
    free, base, cap = (app.config[k] for k in (
        "LOGIN_FREE_FAILURES", "LOGIN_DELAY_SECONDS", "LOGIN_MAX_DELAY_SECONDS"))
    delays = [throttle.delay_after(n) for n in range(free + 20)]
    assert delays[:free] == [0] * free
    assert delays[free:free + 3] == [base, 2 * base, 4 * base]
    assert all(b >= a for a, b in itertools.pairwise(delays))
    assert max(delays) == cap


def test_the_wait_ends_and_a_success_clears_the_count(app, client, clinician, monkeypatch):
    free = app.config["LOGIN_FREE_FAILURES"]
    _fail(client, clinician.email, free)
    assert login(client, clinician).status_code == 429
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 3)  # after the 2-second wait
    assert login(client, clinician).status_code == 302
    client.post("/logout")
    _fail(client, clinician.email, free - 1)  # a fresh count: still free
    assert login(client, clinician).status_code == 302


def test_unknown_and_known_emails_are_throttled_alike(app, client, clinician):
    free = app.config["LOGIN_FREE_FAILURES"]
    for email in (clinician.email, "nobody@test.example"):
        _fail(client, email, free)
        text = _message(login(client, email, "wrong-password-2"))
        assert "Too many failed sign-ins for this email" in text


def test_the_owner_is_told_of_repeated_failures(app, clinician):
    alert_after = app.config["LOGIN_ALERT_AFTER"]
    for n in range(alert_after):  # from as many addresses, so no throttling gets in the way
        login(_from(app, f"203.0.113.{n + 1}"), clinician, "wrong-password-2")
    alerts = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "failed_sign_in_alert")).all()
    assert [(e.record_id, e.clinic_id) for e in alerts] == [(clinician.id, clinician.clinic_id)]
    [email] = db.session.scalars(sa.select(Message).where(
        Message.kind == MessageKind.ACCOUNT_ALERT)).all()
    assert email.to_address == clinician.email and email.recipient_id == clinician.id
    assert f"{alert_after} times in a row" in email.body and "not locked" in email.body
    owner = _from(app, "198.51.100.7")
    response = login(owner, clinician, follow=True)
    assert f"There were {alert_after} failed sign-in attempts on your account" in _message(response)
    db.session.expire_all()
    assert db.session.get(User, clinician.id).failed_logins == 0
    owner.post("/logout")
    assert "failed sign-in" not in _message(login(owner, clinician, follow=True))


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


def test_throttling_works_on_the_redis_store_that_production_uses(app, client, clinician,
                                                                   monkeypatch):
    """With REDIS_URL the counts live in Redis, shared by every worker: the same calls work on
    it (incr with expiry, the remaining wait, clear)."""
    import uuid

    from limits.storage import RedisStorage

    from tracker.extensions import limiter

    try:
        storage = RedisStorage("redis://127.0.0.1:6379/15",
                               key_prefix=f"tracker-test-{uuid.uuid4().hex}")
        if not storage.check():
            raise ConnectionError
    except Exception:  # any failure to reach Redis means: none on this machine
        pytest.skip("no Redis on 127.0.0.1:6379")
    monkeypatch.setattr(limiter, "_storage", storage)
    try:
        free = app.config["LOGIN_FREE_FAILURES"]
        _fail(client, clinician.email, free)
        throttled = login(client, clinician)
        assert throttled.status_code == 429 and "Wait 2 seconds" in _message(throttled)
        with app.test_request_context("/login", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
            assert 1 <= throttle.seconds_to_wait(clinician.email) <= 2
            throttle.clear(clinician.email)
        assert login(client, clinician).status_code == 302
    finally:
        storage.reset()
