"""The outbox against a real SMTP server: delivery, no clinical content, an outage in the middle
of a run, two workers at once, backoff and giving up."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import page_text
from tracker.core.outbox import Message, MessageKind, MessageStatus, enqueue
from tracker.db import utcnow
from tracker.extensions import db
from tracker.notify.worker import backoff, send_due

PHQ9_ITEM9 = {f"item_{n}": "1" if n < 5 else ("2" if n == 9 else "0") for n in range(1, 10)}


def _queue(clinic, n: int, prefix: str = "t") -> list[Message]:
    messages = [enqueue(key=f"{prefix}:{i}", kind=MessageKind.INVITATION, clinic_id=clinic.id,
                        to_address=f"person{i}@test.example", subject=f"Message {i}",
                        body=f"Hello {i}") for i in range(n)]
    db.session.commit()
    return messages


def test_a_phq9_item9_answer_reaches_the_care_team_without_clinical_content(
        login_as, patient_user, patient, clinician, clinician2, lead, mailbox, smtp_server,
        mail_config):
    client = login_as(patient_user)
    assert client.post("/me/questionnaires/phq9/new", data=PHQ9_ITEM9).status_code == 302
    done = send_due(smtp_server.transport())
    assert (done.sent, done.retrying, done.failed) == (1, 0, 0)
    [email] = mailbox.messages
    assert email["To"] == clinician.email  # the care team only: not clinician2, not the lead
    body = email.get_body(("plain",)).get_content()
    assert "/flags/" in body and "acknowledge" in body and body.count("http://tracker.test/") == 1
    words = f"{email['Subject']} {body}".lower()
    for clinical in (patient.given_name, f"{patient.given_name} {patient.family_name}",
                     patient.record_number, "phq",
                     "item 9", "self-harm", "harm", "score", "suicid"):
        assert clinical.lower() not in words
    stored = db.session.scalars(sa.select(Message)).one()
    assert (stored.status, stored.attempts, stored.body) == (MessageStatus.SENT, 1, None)
    assert email["Message-ID"].startswith("<") and stored.sent_at is not None


def test_a_rolled_back_event_sends_nothing(app, clinic, patient, clinician):
    from tracker.core.flags import raise_flag

    raise_flag(patient_id=patient.id, source="vital_alert", source_id=1, summary="x")
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 1  # in the transaction
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 0


def test_the_same_key_is_queued_once(clinic):
    first = enqueue(key="k", kind=MessageKind.INVITATION, clinic_id=clinic.id, to_address="a@b.c",
                    subject="s", body="b")
    second = enqueue(key="k", kind=MessageKind.INVITATION, clinic_id=clinic.id,
                     to_address="other@b.c", subject="s2", body="b2")
    assert first is second and db.session.scalar(sa.select(sa.func.count(Message.id))) == 1


class StopsTheServer:
    """A transport that takes the mail server down after `after` messages (mid-run)."""

    def __init__(self, server, after: int):
        self.server, self.after, self.inner = server, after, server.transport()

    def send(self, email):
        if len(self.server.mailbox.messages) >= self.after:
            self.server.stop()
        self.inner.send(email)

    def close(self):
        self.inner.close()


def test_an_outage_mid_run_loses_nothing_and_sends_nothing_twice(clinic, mailbox, smtp_server,
                                                                 mail_config):
    _queue(clinic, 8)
    done = send_due(StopsTheServer(smtp_server, after=3))
    assert (done.sent, done.retrying) == (3, 1)  # the pass ends at the outage
    waiting = db.session.scalars(sa.select(Message).where(Message.status == MessageStatus.PENDING)
                                 .order_by(Message.id)).all()
    assert len(waiting) == 5 and waiting[0].attempts == 1 and waiting[0].last_error
    assert waiting[0].next_attempt_at > utcnow() + timedelta(seconds=20)  # backing off

    # still down: the next pass spends one attempt and waits again
    assert send_due(smtp_server.transport(), now=utcnow() + timedelta(minutes=1)).retrying == 1
    smtp_server.start()
    done = send_due(smtp_server.transport(), now=utcnow() + timedelta(hours=2))
    assert done.sent == 5
    assert sorted(m["Subject"] for m in mailbox.messages) == [f"Message {i}" for i in range(8)]
    assert len(set(mailbox.message_ids())) == 8
    assert db.session.scalar(sa.select(sa.func.count(Message.id)).where(
        Message.status != MessageStatus.SENT)) == 0


def test_a_message_gives_up_after_the_last_attempt(app, clinic, mail_config, smtp_server):
    mail_config["MAIL_MAX_ATTEMPTS"] = 3
    _queue(clinic, 1)
    smtp_server.stop()
    later = utcnow()
    for _ in range(3):
        later += timedelta(hours=2)
        send_due(smtp_server.transport(), now=later)
    message = db.session.scalars(sa.select(Message)).one()
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 3)
    assert message.body == "Hello 0"  # kept: it was never delivered


@pytest.mark.parametrize(("attempts", "seconds"), [(1, 30), (2, 60), (3, 120), (7, 1920),
                                                   (8, 3600), (40, 3600)])
def test_backoff_doubles_up_to_the_cap(attempts, seconds):
    assert backoff(attempts, 30, 3600) == timedelta(seconds=seconds)


def test_two_workers_at_once_never_send_a_message_twice(app, clinic, mail_config):
    """Row locks with SKIP LOCKED: PostgreSQL only (SQLite runs one worker)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL (TEST_DATABASE_URL); SQLite runs one worker")
    from tests.mail_server import Mailbox, SMTPServer

    mailbox = Mailbox(delay=0.03)
    server = SMTPServer(mailbox)
    server.start()
    try:
        _queue(clinic, 30)
        start = threading.Barrier(2)
        results, errors = [], []

        def work():
            try:
                with app.app_context():
                    start.wait()
                    results.append(send_due(server.transport()).sent)
                    db.session.remove()
            except Exception as error:
                errors.append(error)
        threads = [threading.Thread(target=work) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        server.stop()
    assert errors == []
    assert sorted(m["Subject"] for m in mailbox.messages) == sorted(f"Message {i}" for i in range(30))
    assert len(set(mailbox.message_ids())) == 30 and sum(results) == 30
    assert min(results) > 0  # both workers really sent, side by side


def test_sqlite_allows_one_worker(app, tmp_path, monkeypatch):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the lock file is SQLite's")
    import click

    from tracker.notify.commands import _single_worker_lock
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    held = _single_worker_lock()
    with pytest.raises(click.ClickException, match="Another notify worker"):
        _single_worker_lock()
    held.close()


def test_send_once_writes_eml_files_without_mail_url(app, clinic, runner, tmp_path, login_as, lead):
    saved = app.config["MAIL_FILE_DIR"], app.config["MAIL_DEV_PAGE"]
    app.config.update(MAIL_FILE_DIR=str(tmp_path), MAIL_DEV_PAGE=True)
    try:
        _queue(clinic, 2)
        result = runner.invoke(args=["notify", "send-once"])
        assert "sent 2" in result.output, result.output
        files = sorted(tmp_path.glob("*.eml"))
        assert len(files) == 2
        client = login_as(lead)
        listing = client.get("/dev/mail")
        assert listing.status_code == 200 and "Message 1" in page_text(listing)
        one = client.get(f"/dev/mail/{files[0].name}")
        assert one.status_code == 200 and "Hello" in page_text(one)
        assert client.get("/dev/mail/..%2Ftracker.db").status_code == 404
        app.config["MAIL_DEV_PAGE"] = False
        assert client.get("/dev/mail").status_code == 404  # development only
    finally:
        app.config["MAIL_FILE_DIR"], app.config["MAIL_DEV_PAGE"] = saved


@pytest.mark.parametrize(("mail_url", "public_url", "words"), [
    (None, "https://tracker.example", "Set MAIL_URL"),
    ("smtp://relay:25", None, "Set PUBLIC_URL"),
])
def test_production_refuses_a_worker_that_could_not_send_or_link(app, mail_url, public_url, words):
    from tracker.notify.transport import transport_from_config
    saved = {k: app.config.get(k) for k in ("ENV_NAME", "MAIL_URL", "PUBLIC_URL")}
    app.config.update(ENV_NAME="production", MAIL_URL=mail_url, PUBLIC_URL=public_url)
    try:
        with pytest.raises(RuntimeError, match=words):
            transport_from_config()
    finally:
        app.config.update(saved)
