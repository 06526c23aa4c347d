"""Finding F6 of issue 11, kept in the suite: gaps in the audit trail.

Every refusal (403 and 404) leaves an event; a failed sign-in with an unknown email is seen
by the leads; a refused change is audited with its real action and, within the clinic, its
patient; the continuity drill-downs, the care-teams page and the audit page are audited reads.
"""
from __future__ import annotations

import sqlalchemy as sa

from tests import factories as make
from tests.conftest import login, page_text
from tracker.core.audit.models import AuditEvent
from tracker.extensions import db


def _last_id() -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(AuditEvent.id), 0)))


def _after(since: int) -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.id > since)
                              .order_by(AuditEvent.id)).all()


def test_a_role_refusal_403_leaves_an_event(login_as, clinician):
    client, since = login_as(clinician), _last_id()
    assert client.get("/lead/settings").status_code == 403
    assert [(e.action, e.record_type, e.outcome, e.user_id, e.clinic_id) for e in _after(since)] == [
        ("read", "lead.settings", "denied", clinician.id, clinician.clinic_id)]


def test_a_refused_post_403_is_audited_with_the_view_it_tried(login_as, patient_user, clinician):
    client, since = login_as(patient_user), _last_id()
    assert client.post(f"/lead/staff/{clinician.id}/deactivate").status_code == 403
    [event] = _after(since)
    assert (event.action, event.record_type, event.record_id, event.outcome) == (
        "deactivate_staff", "lead.deactivate_staff", clinician.id, "denied")


def test_a_patient_outside_the_care_team_is_a_404_naming_the_patient(login_as, clinician, patient2):
    client, since = login_as(clinician), _last_id()
    assert client.get(f"/patients/{patient2.id}").status_code == 404
    [event] = _after(since)
    assert (event.action, event.outcome, event.patient_id) == ("read", "denied", patient2.id)


def test_a_refused_change_to_an_unreachable_record_is_not_a_read(login_as, clinician, patient2):
    client, since = login_as(clinician), _last_id()
    response = client.post(f"/patients/{patient2.id}/follow-ups", data={"kind": "check_in"})
    assert response.status_code == 404
    [event] = _after(since)
    assert event.action != "read" and event.outcome == "denied" and event.patient_id == patient2.id


def test_another_clinics_patient_is_never_named_in_this_clinics_trail(login_as, intruder, patient):
    client, since = login_as(intruder), _last_id()
    assert client.get(f"/patients/{patient.id}/care-team").status_code in (403, 404)
    events = _after(since)
    assert events and all(e.outcome == "denied" and e.patient_id is None for e in events)
    assert all(e.clinic_id == intruder.clinic_id for e in events)


def test_a_url_that_names_nothing_is_audited_for_a_signed_in_user(login_as, lead):
    client, since = login_as(lead), _last_id()
    assert client.get("/no/such/page").status_code == 404
    assert client.get("/lead/continuity/no_such_rule/late").status_code == 404
    assert [(e.record_type, e.outcome) for e in _after(since)] == [
        ("page", "denied"), ("lead.drilldown", "denied")]


def test_anonymous_requests_for_unknown_paths_do_not_fill_the_trail(client):
    since = _last_id()
    for _ in range(5):
        assert client.get("/favicon.ico").status_code == 404
    assert _after(since) == []


def test_a_refusal_commits_nothing_the_view_had_pending(login_as, clinic, clinician, patient):
    client, since = login_as(clinician), _last_id()
    # the record exists and is visible, but under another patient: 404 without a stray read
    other = make.patient(clinic, clinicians=[clinician], given="Other")
    db.session.commit()
    response = client.get(f"/patients/{other.id}/courses/999999/status")
    assert response.status_code == 404
    events = _after(since)
    assert events and all(e.outcome == "denied" for e in events)


def test_failed_sign_ins_with_unknown_emails_are_seen_by_every_clinics_leads(
        client, login_as, lead, intruder):
    since = _last_id()
    for n in range(3):
        assert login(client, f"nobody{n}@nowhere.example", "wrong-password-123").status_code == 200
    events = _after(since)
    assert [(e.action, e.outcome, e.clinic_id, e.user_id) for e in events] == [
        ("sign_in", "failure", None, None)] * 3
    for who in (lead, intruder):
        text = page_text(login_as(who).get("/lead/audit?action=sign_in&outcome=failure"))
        assert text.count("Signed in") >= 3, who.email
        client.post("/logout")


def test_a_known_users_failed_sign_in_stays_in_their_own_clinic(client, login_as, clinician,
                                                               intruder):
    login(client, clinician.email, "wrong-password-123")
    text = page_text(login_as(intruder).get("/lead/audit?action=sign_in&outcome=failure"))
    assert clinician.email not in text and "sign_in" not in text


def test_the_audit_page_the_care_teams_page_and_the_drill_downs_are_audited(
        login_as, lead, patient):
    client, since = login_as(lead), _last_id()
    assert client.get(f"/lead/audit?patient={patient.record_number}").status_code == 200
    assert client.get("/lead/care-teams").status_code == 200
    assert client.get("/lead/continuity/intention_before_start/late").status_code == 200
    reads = [(e.action, e.record_type, e.patient_id) for e in _after(since)]
    assert reads == [("read", "audit_trail", patient.id), ("list", "care_team", None),
                     ("list", "continuity:intention_before_start", None)]
