"""Safety escalation: the care team at once (email and in-app), the leads past the threshold,
once; the notifications menu; the lead's delivery log shows no content."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests import factories as make
from tests.conftest import page_text
from tracker.core.alerts import escalate_open_flags
from tracker.core.flags import raise_flag
from tracker.core.notices import StaffNotice, read_all_notices, remember_unread, unread_count
from tracker.core.outbox import Message, MessageKind
from tracker.db import utcnow
from tracker.extensions import db


@pytest.fixture
def flag(patient, clinician, lead):
    f = raise_flag(patient_id=patient.id, source="adverse_event", source_id=7,
                   summary="Severe adverse event: emergence reaction.")
    db.session.commit()
    return f


def _kinds(kind):
    return db.session.execute(sa.select(Message.to_address).where(Message.kind == kind)
                              .order_by(Message.to_address)).scalars().all()


def test_a_new_flag_tells_the_care_team_by_email_and_in_app(flag, clinician, clinician2, lead):
    assert _kinds(MessageKind.SAFETY_FLAG) == [clinician.email]
    notices = db.session.scalars(sa.select(StaffNotice)).all()
    assert [(n.user_id, n.kind, n.flag_id) for n in notices] == [(clinician.id, "safety_flag", flag.id)]


def test_a_patient_without_a_care_team_is_not_left_alone(clinic, lead, clinician):
    lonely = make.patient(clinic, clinicians=[])
    raise_flag(patient_id=lonely.id, source="vital_alert", source_id=1, summary="x")
    assert _kinds(MessageKind.SAFETY_FLAG) == [lead.email]


def test_escalation_waits_for_the_threshold_then_tells_each_lead_once(flag, clinic, lead,
                                                                     clinician):
    second_lead = make.user(clinic, "lead", email="lead2@test.example")
    db.session.commit()
    assert escalate_open_flags(now=utcnow() + timedelta(hours=23)) == 0
    assert escalate_open_flags(now=utcnow() + timedelta(hours=25)) == 2
    assert escalate_open_flags(now=utcnow() + timedelta(hours=26)) == 0  # idempotent
    assert _kinds(MessageKind.ESCALATION) == sorted([lead.email, second_lead.email])
    body = db.session.scalars(sa.select(Message.body).where(Message.kind == "escalation")).first()
    assert "within 24 hours" in body and "emergence" not in body


def test_the_clinics_own_threshold_and_acknowledged_flags(flag, clinic, lead, clinician):
    clinic.settings = {"acknowledge_flag_within_hours": 2}
    db.session.commit()
    later = utcnow() + timedelta(hours=3)
    flag.acknowledged_at, flag.acknowledged_by_id = utcnow(), clinician.id
    flag.acknowledgement_note = "called"
    db.session.commit()
    assert escalate_open_flags(now=later) == 0
    flag.acknowledged_at = flag.acknowledged_by_id = flag.acknowledgement_note = None
    db.session.commit()
    assert escalate_open_flags(now=later) == 1


def test_flask_notify_escalate(flag, runner, lead):
    flag.raised_at = utcnow() - timedelta(hours=30)
    db.session.commit()
    assert "Leads told: 1" in runner.invoke(args=["notify", "escalate"]).output


def test_the_navbar_counts_unread_notices_and_opening_one_reads_it(flag, login_as, clinician):
    client = login_as(clinician)
    text = page_text(client.get("/patients/"))
    assert "Notifications 1 unread" in text
    page = client.get("/notifications")
    assert "New safety flag for a patient on your care team" in page_text(page)
    assert "emergence" not in page_text(page)
    notice = db.session.scalars(sa.select(StaffNotice)).one()
    opened = client.post(f"/notifications/{notice.id}/open")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(
        f"/flags/{flag.id}/acknowledge")
    assert db.session.get(StaffNotice, notice.id).read_at is not None
    assert "Notifications 0 unread" in page_text(client.get("/patients/"))


def test_the_navbar_count_is_read_with_the_user(flag, login_as, clinician, count_queries):
    """No statement of its own: after the page commits its audit event, nothing reads again."""
    client = login_as(clinician)
    with count_queries() as q:
        text = page_text(client.get("/patients/"))
    assert "Notifications 1 unread" in text
    counting = [s for s in q.statements if "staff_notice" in s]
    assert len(counting) == 1 and "user_account" in counting[0], q.statements
    assert "audit_chain_head" in q.statements[-1]  # the commit's, not a read after it


def test_a_notice_changed_during_the_request_is_counted_again(app, flag, clinician, patient):
    with app.test_request_context():
        remember_unread(clinician.id, 7)   # as the loader read it
        assert unread_count(clinician.id) == 7
        notice = db.session.scalars(sa.select(StaffNotice)).one()
        notice.read_at = utcnow()
        db.session.flush()
        assert unread_count(clinician.id) == 0
        remember_unread(clinician.id, 7)
        raise_flag(patient_id=patient.id, source="adverse_event", source_id=8,
                   summary="Severe adverse event: laryngospasm.")
        assert unread_count(clinician.id) == 1
        remember_unread(clinician.id, 7)
        read_all_notices(clinician.id)
        assert unread_count(clinician.id) == 0
        db.session.rollback()


def test_a_notice_is_its_owners_only(flag, login_as, clinician2):
    notice = db.session.scalars(sa.select(StaffNotice)).one()
    client = login_as(clinician2)
    assert client.post(f"/notifications/{notice.id}/open").status_code == 404
    assert db.session.get(StaffNotice, notice.id).read_at is None


def test_patients_have_no_notifications_menu(login_as, patient_user, patient):
    client = login_as(patient_user)
    assert "Notifications" not in page_text(client.get("/me/"))
    assert client.get("/notifications").status_code == 403


def test_the_delivery_log_shows_who_when_kind_status_never_content(flag, login_as, lead,
                                                                   clinician, intruder):
    page = login_as(lead).get("/lead/deliveries")
    text = page_text(page)
    assert page.status_code == 200
    assert clinician.email in text and "Safety flag raised" in text and "Waiting" in text
    message = db.session.scalars(sa.select(Message)).one()
    assert message.subject not in text and "acknowledge" not in text
    assert page_text(login_as(lead).get("/lead/deliveries?status=sent")).count(clinician.email) == 0
    assert login_as(lead).get("/lead/deliveries?status=nonsense&kind=<x>&page=-3").status_code == 200


def test_the_delivery_log_is_the_leads_of_this_clinic(flag, app, clinician, intruder):
    from tests.conftest import login
    client = app.test_client()
    login(client, clinician)
    assert client.get("/lead/deliveries").status_code == 403
    other = app.test_client()
    login(other, intruder)
    text = page_text(other.get("/lead/deliveries"))
    assert "No email matches." in text and clinician.email not in text
