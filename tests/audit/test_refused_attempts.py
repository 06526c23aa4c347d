"""One rule for refused attempts, whatever the stage: exactly one audit event with the action
the successful path records, the record's patient and outcome "failure", and nothing else of
the attempt stored."""
from __future__ import annotations

import sqlalchemy as sa

from tracker.core.audit.models import AuditEvent
from tracker.core.patients import Patient
from tracker.core.sessions import DosingSession
from tracker.extensions import db
from tracker.integration.models import Reflection


def _counts():
    return {table: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for table, model in (("sessions", DosingSession), ("reflections", Reflection))}


def _after(since: int):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.id > since)
                              .order_by(AuditEvent.id)).all()


def _last_id() -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(AuditEvent.id), 0)))


def _assert_one_failure(events, action: str, patient_id: int | None):
    failures = [e for e in events if e.outcome != "success"]
    assert [(e.action, e.outcome, e.patient_id) for e in failures] == [
        (action, "failure", patient_id)]
    assert all(e.action != "read" for e in failures)


def test_patients_a_stale_edit(login_as, clinician, patient):
    client, since = login_as(clinician), _last_id()
    response = client.post(f"/patients/{patient.id}/edit", data={
        "given_name": "Typed", "family_name": patient.family_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "record_number": patient.record_number, "version": "0"})
    assert response.status_code == 409  # a valid form, opened on a version that never existed
    _assert_one_failure(_after(since), "update", patient.id)
    assert db.session.get(Patient, patient.id).given_name == patient.given_name


def test_intention_a_refused_save(login_as, clinician, upcoming_session):
    client, since, before = login_as(clinician), _last_id(), _counts()
    response = client.post(f"/sessions/{upcoming_session.id}/intention",
                           data={"intention_text": "x", "version": "99"})
    assert response.status_code == 422  # no focus area chosen: refused before the version is read
    _assert_one_failure(_after(since), "create", upcoming_session.patient_id)
    assert _counts() == before


def test_dosing_a_refused_start(login_as, clinician, upcoming_session):
    client, since = login_as(clinician), _last_id()
    response = client.post(f"/sessions/{upcoming_session.id}/start", data={})
    assert response.status_code == 422
    _assert_one_failure(_after(since), "start", upcoming_session.patient_id)
    assert db.session.get(DosingSession, upcoming_session.id).started_at is None


def test_integration_signing_a_debrief_not_written(login_as, clinician, upcoming_session):
    client, since = login_as(clinician), _last_id()
    response = client.post(f"/sessions/{upcoming_session.id}/debrief/sign")
    assert response.status_code == 422
    _assert_one_failure(_after(since), "sign", upcoming_session.patient_id)


def test_care_a_refused_follow_up(login_as, clinician, patient):
    client, since = login_as(clinician), _last_id()
    response = client.post(f"/patients/{patient.id}/follow-ups", data={"kind": "nonsense"})
    assert response.status_code == 422
    _assert_one_failure(_after(since), "create", patient.id)


def test_portal_an_empty_journal_entry(login_as, patient_user, patient):
    client, since, before = login_as(patient_user), _last_id(), _counts()
    response = client.post("/me/journal", data={"text": "   ", "session_id": "0"})
    assert response.status_code == 422
    _assert_one_failure(_after(since), "create", patient.id)
    assert _counts() == before


def test_lead_the_last_lead_deactivating_themself(login_as, lead):
    client, since = login_as(lead), _last_id()
    client.post(f"/lead/staff/{lead.id}/deactivate", data={"reason": "Leaving", "confirm": "y"})
    _assert_one_failure(_after(since), "deactivate", None)
