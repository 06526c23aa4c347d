"""Password reset by email (signed, single-use, expiring; the same answer for any address;
rate limited; audited) and one-time links sent by email, through a real SMTP server."""
from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from tests import factories as make
from tests.conftest import login, page_text
from tracker.auth import reset
from tracker.core.audit.models import AuditEvent
from tracker.core.outbox import Message
from tracker.extensions import db
from tracker.notify.worker import send_due

NEW_PASSWORD = "a brand new passphrase 2026"


def _ask(client, email):
    return client.post("/password/forgot", data={"email": email})


def _link(message_body: str) -> str:
    return re.search(r"http://tracker\.test(/password/reset/\S+)", message_body).group(1)


def test_the_answer_is_the_same_whether_or_not_the_address_exists(client, clinician):
    known, unknown = _ask(client, clinician.email), _ask(client, "nobody@nowhere.example")
    assert known.status_code == unknown.status_code == 200
    assert page_text(known) == page_text(unknown)
    assert "If an account uses that address" in page_text(known)
    assert [m.to_address for m in db.session.scalars(sa.select(Message))] == [clinician.email]
    events = db.session.execute(sa.select(AuditEvent.record_id, AuditEvent.outcome).where(
        AuditEvent.action == "request_password_reset").order_by(AuditEvent.id)).all()
    assert events == [(clinician.id, "success"), (None, "failure")]


def test_a_deactivated_account_gets_no_email(client, clinic):
    gone = make.user(clinic, "clinician", email="gone@test.example")
    gone.active = False
    db.session.commit()
    assert "If an account uses" in page_text(_ask(client, gone.email))
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 0


def test_asking_twice_sends_one_email(client, patient_user):
    _ask(client, patient_user.email)
    _ask(client, patient_user.email.upper())
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 1


def test_the_emailed_link_sets_a_password_once(app, client, patient_user, mailbox, smtp_server,
                                               mail_config):
    _ask(client, patient_user.email)
    assert send_due(smtp_server.transport()).sent == 1
    [email] = mailbox.to(patient_user.email)
    path = _link(email.get_body(("plain",)).get_content())
    assert client.get(path).status_code == 200
    done = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert login(app.test_client(), patient_user, NEW_PASSWORD).status_code == 302
    assert login(app.test_client(), patient_user).status_code == 200  # the old one is refused
    again = client.get(path)
    assert again.status_code == 410 and "already been used" in page_text(again)
    replay = client.post(path, data={"password": "yet another passphrase 99",
                                     "confirm": "yet another passphrase 99"})
    assert replay.status_code == 410
    assert db.session.scalar(sa.select(Message.body)) is None  # the token is not kept
    events = db.session.execute(sa.select(AuditEvent.action, AuditEvent.outcome).where(
        AuditEvent.action.like("%reset%")).order_by(AuditEvent.id)).all()
    assert events == [("request_password_reset", "success"), ("reset_password", "success"),
                      ("reset_password", "failure"), ("reset_password", "failure")]  # GET, POST


def test_an_expired_link_is_refused(app, client, clinician, monkeypatch):
    minutes = app.config["PASSWORD_RESET_MINUTES"]
    with app.test_request_context():
        monkeypatch.setattr(TimestampSigner, "get_timestamp",
                            lambda self: int(time.time()) - minutes * 60 - 5)
        token = reset.reset_token(clinician)
        monkeypatch.undo()
    response = client.get(f"/password/reset/{token}")
    assert response.status_code == 410 and "expired" in page_text(response)


@pytest.mark.parametrize("forge", ["tampered", "other_secret", "other_salt", "garbage", "no_user"])
def test_a_forged_link_is_refused(app, client, clinician, forge):
    with app.test_request_context():
        token = reset.reset_token(clinician)
        forged = {
            "tampered": token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
            "other_secret": URLSafeTimedSerializer("not the secret", salt="password-reset").dumps(
                {"u": clinician.id, "f": "x"}),
            "other_salt": URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="unsubscribe").dumps(
                {"u": clinician.id}),
            "garbage": "not-a-token",
            "no_user": URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="password-reset").dumps(
                {"u": 999999, "f": "x"}),
        }[forge]
    response = client.get(f"/password/reset/{forged}")
    assert response.status_code == 410 and "not valid" in page_text(response)
    posted = client.post(f"/password/reset/{forged}",
                         data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert posted.status_code == 410


def test_asking_is_rate_limited(app, client):
    saved = app.config["RESET_RATE_LIMIT"]
    app.config["RESET_RATE_LIMIT"] = "2 per minute"
    try:
        statuses = [_ask(client, f"x{i}@nowhere.example").status_code for i in range(3)]
    finally:
        app.config["RESET_RATE_LIMIT"] = saved
    assert statuses[-1] == 429


def test_the_sign_in_page_links_to_the_reset(client):
    assert 'href="/password/forgot"' in client.get("/login").get_data(as_text=True)


def test_a_clinician_emails_the_portal_invitation_they_made(login_as, clinician, clinician2,
                                                            patient, app):
    patient.email = "invitee@test.example"
    patient.user_id = None
    db.session.commit()
    client = login_as(clinician)
    page = client.post(f"/patients/{patient.id}/invite")
    token = re.search(r'name="token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    other = app.test_client()
    login(other, clinician2)
    assert other.post("/links/email", data={"token": token}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 0  # not its maker
    sent = client.post("/links/email", data={"token": token, "next": f"/patients/{patient.id}"})
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"/patients/{patient.id}")
    message = db.session.scalars(sa.select(Message)).one()
    assert message.to_address == "invitee@test.example" and f"/welcome/{token}" in message.body
    assert client.post("/links/email", data={"token": "forged"}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 1
