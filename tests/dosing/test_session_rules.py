"""The rules of the dosing session: starting, times, medication, notes, discharge."""
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests import factories as make
from tests.conftest import page_text
from tests.dosing.builders import dosed_session, first_note, form, local, scheduled_session, tag
from tracker.core.audit.models import AuditEvent
from tracker.core.sessions import DosingSession
from tracker.db import utcnow
from tracker.dosing.models import SessionNote
from tracker.extensions import db


def fresh(session_id) -> DosingSession:
    return db.session.get(DosingSession, session_id)


def events(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def _start(client, session, clinician, **extra):
    data = form("start", started_at=local(utcnow() - timedelta(minutes=2)),
                clinician_id=clinician.id, room="Room 1", **extra)
    return client.post(f"/sessions/{session.id}/start", data=data)


# --- starting ---------------------------------------------------------------------------------

def test_start_refused_while_the_checklist_is_open(login_as, clinician, patient):
    session = scheduled_session(patient, clinician, checklist=False)
    response = _start(login_as(clinician), session, clinician)
    assert response.status_code == 422
    assert "The readiness checklist is open" in page_text(response)
    assert 'id="start-override_reason-error"' in response.get_data(as_text=True)
    assert fresh(session.id).started_at is None


def test_start_refused_without_an_intention(login_as, clinician, patient):
    session = scheduled_session(patient, clinician, intention=False)
    response = _start(login_as(clinician), session, clinician)
    assert response.status_code == 422
    assert "no intention is recorded" in page_text(response)
    assert fresh(session.id).started_at is None


def test_start_with_an_override_reason_is_recorded_and_audited(login_as, clinician, patient):
    session = scheduled_session(patient, clinician, checklist=False)
    response = _start(login_as(clinician), session, clinician,
                      override_reason="Consent signed on paper; scanning pending.")
    assert response.status_code == 302
    stored = fresh(session.id)
    assert stored.status == "in_progress" and stored.room == "Room 1"
    assert stored.checklist_override_reason == "Consent signed on paper; scanning pending."
    assert stored.checklist_override_by_id == clinician.id
    [override] = events("override_checklist")
    assert (override.record_id, override.user_id) == (session.id, clinician.id)
    page = page_text(login_as(clinician).get(f"/sessions/{session.id}"))
    assert "Started with the checklist open" in page and "scanning pending" in page


def test_start_with_a_complete_checklist_needs_no_reason(login_as, clinician, scheduled):
    assert _start(login_as(clinician), scheduled, clinician).status_code == 302
    stored = fresh(scheduled.id)
    assert stored.started_at is not None and stored.checklist_override_reason is None
    assert events("override_checklist") == [] and len(events("start")) == 1


def test_a_started_session_does_not_start_again(login_as, clinician, dosed):
    before = fresh(dosed.id).started_at
    response = _start(login_as(clinician), dosed, clinician)
    assert response.status_code == 422 and "already started" in page_text(response)
    assert fresh(dosed.id).started_at == before


def test_the_guide_must_be_on_the_care_team(login_as, clinician, clinician2, scheduled):
    response = _start(login_as(clinician), scheduled, clinician2)
    assert response.status_code == 422
    assert fresh(scheduled.id).started_at is None


def test_the_start_time_is_typed_in_the_clinics_zone(login_as, clinician, scheduled):
    at = (utcnow() - timedelta(minutes=30)).replace(second=0, microsecond=0)
    client = login_as(clinician)
    client.post(f"/sessions/{scheduled.id}/start", data=form(
        "start", started_at=local(at), clinician_id=clinician.id))
    assert fresh(scheduled.id).started_at == at


# --- times ------------------------------------------------------------------------------------

def test_an_end_before_the_start_is_refused_with_a_message(login_as, clinician, patient):
    session = dosed_session(patient, clinician, ended=False)
    response = login_as(clinician).post(f"/sessions/{session.id}/end", data=form(
        "end", ended_at=local(session.started_at - timedelta(minutes=10))))
    assert response.status_code == 422
    assert "is before the start" in page_text(response)
    assert 'id="end-ended_at-error"' in response.get_data(as_text=True)
    assert fresh(session.id).ended_at is None


def test_ending_records_the_end(login_as, clinician, patient):
    session = dosed_session(patient, clinician, ended=False)
    end = (utcnow() - timedelta(minutes=5)).replace(second=0, microsecond=0)
    assert login_as(clinician).post(f"/sessions/{session.id}/end", data=form(
        "end", ended_at=local(end))).status_code == 302
    assert (fresh(session.id).ended_at, fresh(session.id).status) == (end, "completed")


def test_corrections_refuse_an_end_before_the_start(login_as, clinician, dosed):
    response = login_as(clinician).post(f"/sessions/{dosed.id}/details", data=form(
        "details", started_at=local(dosed.started_at), clinician_id=clinician.id,
        ended_at=local(dosed.started_at - timedelta(hours=1)), version=dosed.version))
    assert response.status_code == 422 and "is before the start" in page_text(response)


def test_a_stale_correction_is_refused_and_the_typed_room_kept(login_as, clinician, dosed):
    stale_version = dosed.version
    dosed.room = "Changed by a colleague"
    db.session.commit()
    response = login_as(clinician).post(f"/sessions/{dosed.id}/details", data=form(
        "details", started_at=local(dosed.started_at), ended_at=local(dosed.ended_at),
        clinician_id=clinician.id, room="Quiet room 7", version=stale_version))
    assert response.status_code == 409
    assert "Someone else saved this record" in page_text(response)
    assert 'value="Quiet room 7"' in response.get_data(as_text=True)
    assert fresh(dosed.id).room == "Changed by a colleague"


# --- medication -------------------------------------------------------------------------------

def _medication(client, session, **values):
    data = dict(medication="ketamine", route="iv", dose_mg="35", weight_kg="70",
                weighed_on=make.RECENT_WEIGHING.isoformat(),
                infusion_minutes="40", lot_number="LOT-1", version=str(fresh(session.id).version))
    data.update(values)
    return client.post(f"/sessions/{session.id}/medication", data=form("medication", **data))


@pytest.mark.parametrize("dose, message", [
    ("-5", "The dose must be more than 0 mg."),
    ("0", "The dose must be more than 0 mg."),
    ("5000", "5000 mg is not a plausible dose"),
    ("NaN", "Enter the dose as a number."),
    ("thirty", "Not a valid decimal value."),
])
def test_implausible_doses_are_refused_beside_the_field(login_as, clinician, dosed, dose, message):
    response = _medication(login_as(clinician), dosed, dose_mg=dose)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = html.split('id="medication-dose_mg-error"', 1)[1][:300]
    assert message in error
    assert f'value="{dose}"' in html
    assert fresh(dosed.id).dose_mg == Decimal("35.00")


@pytest.mark.parametrize("dose", ["56", "84"])
def test_esketamine_in_two_or_three_devices(login_as, clinician, dosed, dose):
    response = _medication(login_as(clinician), dosed, medication="esketamine", route="intranasal",
                           dose_mg=dose, infusion_minutes="")
    assert response.status_code == 302
    stored = fresh(dosed.id)
    assert (stored.medication, stored.dose_mg, stored.infusion_minutes) == (
        "esketamine", Decimal(dose), None)


@pytest.mark.parametrize("dose", ["70", "56.5", "112", "27.5"])
def test_other_esketamine_doses_are_refused(login_as, clinician, dosed, dose):
    response = _medication(login_as(clinician), dosed, medication="esketamine",
                           route="intranasal", dose_mg=dose, infusion_minutes="")
    assert response.status_code == 422
    assert "56 mg (2 devices) or 84 mg (3 devices)" in response.get_data(as_text=True).split(
        'id="medication-dose_mg-error"', 1)[1][:400]
    assert fresh(dosed.id).medication == "ketamine"


def test_esketamine_is_intranasal_only(login_as, clinician, dosed):
    response = _medication(login_as(clinician), dosed, medication="esketamine", route="iv",
                           dose_mg="56")
    assert response.status_code == 422 and "given intranasally" in page_text(response)


def test_iv_needs_its_infusion_time_and_other_routes_have_none(login_as, clinician, dosed):
    client = login_as(clinician)
    response = _medication(client, dosed, infusion_minutes="")
    assert response.status_code == 422 and "Give the infusion time" in page_text(response)
    response = _medication(client, dosed, route="im", infusion_minutes="40")
    assert response.status_code == 422 and "IV infusion only" in page_text(response)


def test_mg_per_kg_is_computed_from_the_weight_at_the_session(login_as, clinician, dosed):
    client = login_as(clinician)
    assert _medication(client, dosed, dose_mg="40", weight_kg="80").status_code == 302
    assert "0.50 mg/kg at 80 kg" in page_text(client.get(f"/sessions/{dosed.id}"))


def test_the_weight_defaults_to_the_patients(login_as, clinician, patient, scheduled):
    html = login_as(clinician).get(f"/sessions/{scheduled.id}").get_data(as_text=True)
    assert 'value="70.0"' in tag(html, "medication-weight_kg")


# --- notes ------------------------------------------------------------------------------------

def test_a_note_is_saved_with_its_time_and_the_page_returns_to_the_box(login_as, clinician, dosed):
    at = (utcnow() - timedelta(minutes=3)).replace(second=0, microsecond=0)
    response = login_as(clinician).post(f"/sessions/{dosed.id}/notes", data=form(
        "note", noted_at=local(at), kind="patient_words", text="  I feel the floor is soft.  "))
    assert response.status_code == 302 and response.headers["Location"].endswith("#note-entry")
    note = db.session.scalar(sa.select(SessionNote).where(SessionNote.kind == "patient_words"))
    assert (note.noted_at, note.text, note.author_id) == (at, "I feel the floor is soft.", clinician.id)
    assert note.shared_with_patient is False


def test_a_note_of_100000_characters_is_refused_and_kept(login_as, clinician, dosed):
    text = "x" * 100_000
    response = login_as(clinician).post(f"/sessions/{dosed.id}/notes", data=form(
        "note", noted_at=local(utcnow()), kind="observation", text=text))
    assert response.status_code == 422
    assert "Keep this under 10,000 characters" in page_text(response)
    assert text in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(SessionNote.id))) == 1


def test_an_empty_note_is_refused(login_as, clinician, dosed):
    response = login_as(clinician).post(f"/sessions/{dosed.id}/notes", data=form(
        "note", noted_at=local(utcnow()), kind="observation", text="   "))
    assert response.status_code == 422 and "Type the note." in page_text(response)


def test_a_note_in_the_future_is_refused(login_as, clinician, dosed):
    response = login_as(clinician).post(f"/sessions/{dosed.id}/notes", data=form(
        "note", noted_at=local(utcnow() + timedelta(hours=2)), kind="observation", text="Later"))
    assert response.status_code == 422 and "in the future" in page_text(response)


def test_a_note_is_edited_until_signing(login_as, clinician, dosed):
    note = first_note(dosed)
    client = login_as(clinician)
    edit = client.get(f"/sessions/{dosed.id}/notes/{note.id}/edit")
    assert edit.status_code == 200 and "Observation 0" in edit.get_data(as_text=True)
    response = client.post(f"/sessions/{dosed.id}/notes/{note.id}/edit", data=form(
        "note", noted_at=local(note.noted_at), kind="intervention", text="Offered a blanket."))
    assert response.status_code == 302
    assert (first_note(dosed).kind, first_note(dosed).text) == ("intervention", "Offered a blanket.")


def test_a_note_is_shared_with_the_patient_and_taken_back(login_as, clinician, dosed):
    note = first_note(dosed)
    client = login_as(clinician)
    assert client.post(f"/sessions/{dosed.id}/notes/{note.id}/share").status_code == 302
    shared = first_note(dosed)
    assert shared.shared_with_patient is True and shared.shared_at is not None
    assert "Shared" in page_text(client.get(f"/sessions/{dosed.id}"))
    assert client.post(f"/sessions/{dosed.id}/notes/{note.id}/unshare").status_code == 302
    assert (first_note(dosed).shared_with_patient, first_note(dosed).shared_at) == (False, None)
    assert [e.action for e in events("share")] == ["share"] and len(events("unshare")) == 1


