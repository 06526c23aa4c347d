"""Pause / resume / discharge with a reason, and the portal invitation link."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests import factories as make
from tests.conftest import page_text
from tracker.core.audit.models import AuditEvent
from tracker.core.patients import StatusChange
from tracker.core.users import OneTimeLink, User
from tracker.db import utcnow
from tracker.extensions import db


def _changes(patient):
    return db.session.scalars(sa.select(StatusChange).where(StatusChange.patient_id == patient.id)
                              .order_by(StatusChange.id)).all()


def test_pause_without_a_reason_is_refused(login_as, clinician, patient):
    response = login_as(clinician).post(f"/patients/{patient.id}/status",
                                        data={"to_status": "paused", "reason": "   "})
    assert response.status_code == 422
    assert "Give a reason" in response.get_data(as_text=True)
    db.session.refresh(patient)
    assert patient.status == "active" and _changes(patient) == []


def test_pause_resume_and_discharge_keep_every_reason(login_as, clinician, patient):
    client = login_as(clinician)
    for to_status, reason in (("paused", "Travelling for three weeks"), ("active", "Back home"),
                              ("discharged", "Course goals met")):
        response = client.post(f"/patients/{patient.id}/status",
                               data={"to_status": to_status, "reason": reason})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
    db.session.refresh(patient)
    assert patient.status == "discharged" and patient.status_reason == "Course goals met"
    assert [(c.from_status, c.to_status, c.reason, c.changed_by_id) for c in _changes(patient)] == [
        ("active", "paused", "Travelling for three weeks", clinician.id),
        ("paused", "active", "Back home", clinician.id),
        ("active", "discharged", "Course goals met", clinician.id)]
    events = db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.record_type == "patient", AuditEvent.action == "change_status")).all()
    assert len(events) == 3
    chart = page_text(client.get(f"/patients/{patient.id}"))
    assert "Discharged: Course goals met" in chart and "Travelling for three weeks" in chart


def test_a_move_not_offered_is_refused(login_as, clinician, patient):
    # an active patient cannot be "resumed"; the form only offers pause and discharge
    response = login_as(clinician).post(f"/patients/{patient.id}/status",
                                        data={"to_status": "active", "reason": "why not"})
    assert response.status_code == 422
    assert _changes(patient) == []


def test_the_reason_is_bounded(login_as, clinician, patient):
    response = login_as(clinician).post(f"/patients/{patient.id}/status",
                                        data={"to_status": "paused", "reason": "x" * 2001})
    assert response.status_code == 422
    assert "Keep this under 2,000 characters" in response.get_data(as_text=True)


# --- the invitation ---------------------------------------------------------------------------

def _invite(client, patient):
    response = client.post(f"/patients/{patient.id}/invite")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    link = re.search(r'value="(http://[^"]+/welcome/[^"]+)"', response.get_data(as_text=True)).group(1)
    return link, link.split("/welcome/")[1]


@pytest.fixture
def uninvited(clinic, clinician):
    p = make.patient(clinic, clinicians=[clinician], given="Noor", family="Newcomer")
    p.email = "noor@example.org"
    db.session.commit()
    return p


def test_invite_creates_the_account_and_a_link_that_works_once(app, login_as, clinician, uninvited):
    client = login_as(clinician)
    _link, token = _invite(client, uninvited)
    account = db.session.scalar(sa.select(User).where(User.email == "noor@example.org"))
    assert account.role == "patient" and account.password_hash is None
    db.session.refresh(uninvited)
    assert uninvited.user_id == account.id
    assert token not in str(db.session.scalars(sa.select(OneTimeLink.token_hash)).all())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "invite", AuditEvent.patient_id == uninvited.id)) == 1

    patient_client = app.test_client()
    assert patient_client.get(f"/welcome/{token}").status_code == 200
    new_password = "a quiet lake at dawn"
    redeemed = patient_client.post(f"/welcome/{token}",
                                   data={"password": new_password, "confirm": new_password})
    assert redeemed.status_code == 302
    again = app.test_client().get(f"/welcome/{token}")
    assert again.status_code == 410 and "already been used" in page_text(again)


def test_re_inviting_revokes_the_older_link(app, login_as, clinician, uninvited):
    client = login_as(clinician)
    _, first = _invite(client, uninvited)
    _, second = _invite(client, uninvited)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)
                             .where(User.email == "noor@example.org")) == 1
    old = app.test_client().get(f"/welcome/{first}")
    assert old.status_code == 410 and "not valid" in page_text(old)
    assert app.test_client().get(f"/welcome/{second}").status_code == 200


def test_an_expired_link_says_so(app, login_as, clinician, uninvited):
    _, token = _invite(login_as(clinician), uninvited)
    link = db.session.scalar(sa.select(OneTimeLink).order_by(OneTimeLink.id.desc()))
    link.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = app.test_client().get(f"/welcome/{token}")
    assert response.status_code == 410 and "expired" in page_text(response)


def test_invite_needs_an_email(login_as, clinician, patient):
    patient.email = None
    db.session.commit()
    response = login_as(clinician).post(f"/patients/{patient.id}/invite", follow_redirects=True)
    assert "email address (Edit details) before inviting" in page_text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OneTimeLink)) == 0


def test_invite_refuses_an_email_another_account_uses(login_as, clinician, clinic):
    p = make.patient(clinic, clinicians=[clinician])
    p.email = "clin2@test.example"
    make.user(clinic, "clinician", email="clin2@test.example")
    db.session.commit()
    response = login_as(clinician).post(f"/patients/{p.id}/invite", follow_redirects=True)
    assert "Another account already uses this email address." in page_text(response)
    db.session.refresh(p)
    assert p.user_id is None


def test_the_chart_offers_the_invitation(login_as, clinician, uninvited):
    text = page_text(login_as(clinician).get(f"/patients/{uninvited.id}"))
    assert "Invite to portal" in text and "Not invited" in text
