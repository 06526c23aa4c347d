"""Patient reminders: opt-in choices in the portal, the daily digest (with the session's .ics),
at most once a day, and the unsubscribe link that works without signing in."""
from __future__ import annotations

import re
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from tests import factories as make
from tests.conftest import page_text
from tracker.core.audit.models import AuditEvent
from tracker.core.outbox import Message
from tracker.core.reminders import (
    UNSUBSCRIBE_DAYS,
    ReminderPreference,
    local_instant,
    unsubscribe_token,
)
from tracker.db import utcnow
from tracker.extensions import db
from tracker.notify.reminders import queue_reminders
from tracker.notify.worker import send_due

ZONE = ZoneInfo("America/New_York")
CHOICES = {"enabled": "y", "sessions": "y", "tasks": "y", "questionnaires": "y", "hour": "18",
           "quiet_start": "", "quiet_end": ""}


def _evening(days_ahead: int = 0):
    """18:30 clinic time today (+ days): after the default hour."""
    today = utcnow().astimezone(ZONE).date() + timedelta(days=days_ahead)
    return local_instant(today, 18, ZONE) + timedelta(minutes=30)


@pytest.fixture
def opted_in(patient, login_as, patient_user):
    client = login_as(patient_user)
    assert client.post("/me/reminders", data=CHOICES).status_code == 302
    return client


def test_reminders_are_off_until_the_patient_turns_them_on(login_as, patient_user, patient):
    page = login_as(patient_user).get("/me/reminders")
    assert page.status_code == 200 and "Email me reminders" in page_text(page)
    assert queue_reminders(now=_evening()) == 0


def test_saving_choices_is_audited_and_kept(opted_in, patient):
    pref = db.session.scalars(sa.select(ReminderPreference)).one()
    assert (pref.enabled, pref.hour, pref.kinds) == (True, 18, ["sessions", "tasks", "questionnaires"])
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.record_type == "reminder_preference", AuditEvent.outcome == "success")) == 1
    assert '<option selected value="18">' in opted_in.get("/me/reminders").get_data(as_text=True)


@pytest.mark.parametrize(("change", "words"), [
    ({"hour": "23", "quiet_start": "22", "quiet_end": "7"}, "inside your quiet hours"),
    ({"quiet_start": "22"}, "both ends"),
    ({"quiet_start": "5", "quiet_end": "5"}, "different start and end"),
    ({"sessions": "", "tasks": "", "questionnaires": ""}, "at least one kind"),
    ({"hour": "24"}, "Not a valid choice"),
])
def test_choices_that_would_never_work_are_refused_and_kept(login_as, patient_user, patient,
                                                            change, words):
    data = {k: v for k, v in {**CHOICES, **change}.items() if v != ""}
    response = login_as(patient_user).post("/me/reminders", data=data)
    assert response.status_code == 422 and words in page_text(response)
    assert db.session.scalar(sa.select(sa.func.count(ReminderPreference.id))) == 0


def test_a_session_tomorrow_is_one_digest_with_preparation_and_a_calendar_file(
        opted_in, patient, clinician, patient_user, mailbox, smtp_server, mail_config):
    now = _evening()
    tomorrow_9 = local_instant(now.astimezone(ZONE).date() + timedelta(days=1), 9, ZONE)
    session = make.dosing_session(make.course(patient), clinician=clinician, scheduled_at=tomorrow_9)
    make.task(patient, clinician, due_on=now.astimezone(ZONE).date(), title="Morning walk")
    db.session.commit()
    assert queue_reminders(now=now - timedelta(hours=1)) == 0   # before the hour
    assert queue_reminders(now=now) == 1
    assert queue_reminders(now=now + timedelta(hours=2)) == 0   # at most one a day
    assert send_due(smtp_server.transport()).sent == 1
    [email] = mailbox.to(patient_user.email)
    body = email.get_body(("plain",)).get_content()
    assert "Your dosing session is tomorrow" in body and "09:00" in body
    assert "Fasting" in body and "Escort" in body and "No driving until the next day" in body
    assert "- Morning walk" in body and "Questionnaires due: GAD-7, PHQ-9." in body
    [calendar] = list(email.iter_attachments())
    assert calendar.get_content_type() == "text/calendar"
    assert f"dosing-session-{session.id}" in calendar.get_content()
    unsubscribe = re.search(r"Stop these emails: (\S+)", body).group(1)
    assert email["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # in the words, not in the links: a link's random token can hold the letters "mg" (the
    # unsubscribe token did, failing this test about once in thirty runs)
    words = re.sub(r"https?://\S+", "", body).lower()
    assert unsubscribe.lower() not in words
    for clinical in ("mg", "dose", "score", "ketamine"):
        assert clinical not in words, clinical


def test_only_the_kinds_chosen_and_nothing_when_nothing_is_due(login_as, patient_user, patient,
                                                               clinician):
    client = login_as(patient_user)
    client.post("/me/reminders", data={**CHOICES, "sessions": "", "questionnaires": ""})
    make.dosing_session(make.course(patient), clinician=clinician,
                        scheduled_at=_evening() + timedelta(hours=15))
    db.session.commit()
    assert queue_reminders(now=_evening()) == 0  # a session tomorrow, but only tasks were chosen
    make.task(patient, clinician, due_on=_evening(1).astimezone(ZONE).date(), title="Write a letter")
    db.session.commit()
    assert queue_reminders(now=_evening(1)) == 1
    body = db.session.scalars(sa.select(Message.body)).one()
    assert "Write a letter" in body and "session" not in body.lower().replace("sessions", "")


def test_quiet_hours_hold_a_late_digest_back(login_as, patient_user, patient, clinician):
    client = login_as(patient_user)
    client.post("/me/reminders", data={**CHOICES, "hour": "20", "quiet_start": "21",
                                       "quiet_end": "6"})
    make.task(patient, clinician, due_on=_evening().astimezone(ZONE).date())
    db.session.commit()
    late = local_instant(_evening().astimezone(ZONE).date(), 22, ZONE)  # the worker was down
    assert queue_reminders(now=late) == 0


def _unsubscribe_url(patient) -> str:
    from flask import current_app
    with current_app.test_request_context():
        return f"/unsubscribe/{unsubscribe_token(patient.id)}"


def test_the_unsubscribe_link_works_without_signing_in_once(app, opted_in, patient, client):
    url = _unsubscribe_url(patient)
    anonymous = app.test_client()
    ask = anonymous.get(url)
    assert ask.status_code == 200 and "Stop reminder emails" in page_text(ask)
    assert db.session.scalars(sa.select(ReminderPreference)).one().enabled  # GET changes nothing
    done = anonymous.post(url)
    assert done.status_code == 200 and "no more reminder emails" in page_text(done)
    pref = db.session.scalars(sa.select(ReminderPreference)).one()
    assert not pref.enabled and pref.unsubscribed_at is not None
    again = anonymous.post(url)  # reused: nothing more happens
    assert again.status_code == 200 and "already off" in page_text(again)
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "unsubscribe")) == 1
    assert queue_reminders(now=_evening()) == 0


@pytest.mark.parametrize("forge", ["tampered", "other_secret", "reset_salt", "not_an_id"])
def test_a_forged_unsubscribe_link_is_refused(app, opted_in, patient, forge):
    with app.test_request_context():
        token = unsubscribe_token(patient.id)
        forged = {
            "tampered": token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
            "other_secret": URLSafeTimedSerializer("nope", salt="unsubscribe").dumps({"p": patient.id}),
            "reset_salt": URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="password-reset")
            .dumps({"p": patient.id}),
            "not_an_id": URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="unsubscribe")
            .dumps({"p": "1"}),
        }[forge]
    response = app.test_client().post(f"/unsubscribe/{forged}")
    assert response.status_code == 400 and "not valid" in page_text(response)
    assert db.session.scalars(sa.select(ReminderPreference)).one().enabled


def test_an_expired_unsubscribe_link_asks_to_sign_in(app, opted_in, patient, monkeypatch):
    with app.test_request_context():
        monkeypatch.setattr(TimestampSigner, "get_timestamp",
                            lambda self: int(time.time()) - UNSUBSCRIBE_DAYS * 86400 - 60)
        token = unsubscribe_token(patient.id)
        monkeypatch.undo()
    response = app.test_client().post(f"/unsubscribe/{token}")
    assert response.status_code == 400 and "too old" in page_text(response)
    assert db.session.scalars(sa.select(ReminderPreference)).one().enabled
