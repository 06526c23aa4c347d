"""The Spravato REMS monitoring form: filled from the record, missing fields listed (also on
the session page before signing), the evaluation answer, "mark as submitted", access."""
from __future__ import annotations

import html

import pytest
import sqlalchemy as sa
from flask_login import login_user

from tests.conftest import page_text
from tests.dosing.builders import dosed_session, esketamine_session
from tracker.core.audit.models import AuditEvent
from tracker.core.clinic import Clinic
from tracker.core.signing.service import content_hash
from tracker.dosing import queries, rems
from tracker.dosing.rems import RemsForm
from tracker.dosing.services import sign_session_record
from tracker.extensions import db


def stored_form(session_id) -> RemsForm | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(RemsForm).where(RemsForm.session_id == session_id))


def fields_of(session_id, clinic_id) -> dict[str, str | None]:
    form = stored_form(session_id)
    record = db.session.scalar(queries.session_page(session_id))
    return {f.key: f.value for f in rems.rems_fields(record, form,
                                                      db.session.get(Clinic, clinic_id))}


def events(action: str) -> list[AuditEvent]:
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


@pytest.fixture
def esketamine(patient, clinician):
    session = esketamine_session(patient, clinician)
    db.session.commit()
    return session


def test_every_field_is_filled_from_the_record(esketamine, patient, clinician):
    values = fields_of(esketamine.id, patient.clinic_id)
    assert values["patient_name"] == "Alex Patient" and values["sex"] == "Female"
    assert values["date_of_birth"] == "14 Mar 1985"
    assert (values["takes_benzodiazepines"], values["takes_maois"]) == ("Yes", "No")
    assert (values["clinician_name"], values["clinician_phone"], values["clinician_email"]) == (
        "Casey Clinician", "207-555-0111", "clin@test.example")
    assert values["clinic_address"] == "200 Harbor Street, Portland, ME"
    assert (values["dose"], values["lot_number"]) == ("56 mg", "ESK-4711")
    assert values["total_minutes"] == "130 minutes"          # first device to discharge
    assert values["vitals_ok_before"] == values["vitals_ok_after"] == "Yes"
    assert values["bp_pre"].startswith("118/76 mmHg")
    assert values["bp_40"].startswith("138/88 mmHg")          # the during reading nearest 40 min
    assert values["bp_completion"].startswith("124/78 mmHg")
    assert (values["sedation"], values["dissociation"], values["respiratory_depression"]) == (
        "Yes", "Yes", "No")                                   # MOAA/S 4, dissociation 3
    assert values["other_events"] == "Nausea (mild)"
    # the one answer the record cannot give: the clinician's
    assert values["ready_to_leave"] is None


@pytest.mark.parametrize("dose, shown", [("84.00", "84 mg"), ("28.00", "Other: 28 mg")])
def test_the_dose_is_56_84_or_other(esketamine, patient, dose, shown):
    esketamine.dose_mg = dose
    db.session.commit()
    assert fields_of(esketamine.id, patient.clinic_id)["dose"] == shown


def test_the_page_shows_the_form_and_only_the_evaluation_answer_missing(login_as, clinician,
                                                                        esketamine):
    response = login_as(clinician).get(f"/sessions/{esketamine.id}/rems")
    assert response.status_code == 200
    text = page_text(response)
    assert "ESK-4711" in text and "207-555-0111" in text and "118/76 mmHg" in text
    assert "Still missing" in text and "When would the patient have been ready to leave" in text
    assert "Sex Female" in text
    [read] = [e for e in events("read") if e.record_type == "dosing_session"]
    assert read.record_id == esketamine.id


def test_the_session_page_lists_what_is_missing_before_signing(login_as, patient, clinician):
    session = esketamine_session(patient, clinician, complete=False)
    db.session.commit()
    text = html.unescape(page_text(login_as(clinician).get(f"/sessions/{session.id}")))
    assert "Spravato REMS monitoring form" in text and "Still missing" in text
    for label in ("Sex", "Benzodiazepines", "Clinician's phone", "Clinic's address",
                  "Blood pressure before administration", "Blood pressure before completion",
                  "Sedation: Record a sedation rating", "Total time from the first device"):
        assert label in text, label
    assert "Dose administered" not in text.split("Still missing")[1]   # recorded: not missing


def test_a_ketamine_session_has_no_rems_form(login_as, clinician, patient):
    session = dosed_session(patient, clinician)
    db.session.commit()
    client = login_as(clinician)
    assert "REMS" not in page_text(client.get(f"/sessions/{session.id}"))
    assert client.get(f"/sessions/{session.id}/rems").status_code == 404
    assert client.post(f"/sessions/{session.id}/rems/evaluation",
                       data={"ready_to_leave_minutes": "100", "version": "0"}).status_code == 404


def test_answer_then_submit_after_signing(app, login_as, clinician, esketamine):
    client = login_as(clinician)
    response = client.post(f"/sessions/{esketamine.id}/rems/evaluation",
                           data={"ready_to_leave_minutes": "115", "version": "0"})
    assert response.status_code == 302
    form = stored_form(esketamine.id)
    assert (form.ready_to_leave_minutes, form.answered_by_id) == (115, clinician.id)
    assert [e.record_id for e in events("create") if e.record_type == "rems_form"] == [form.id]

    # complete, but the in-session record is not signed yet
    response = client.post(f"/sessions/{esketamine.id}/rems/submit",
                           data={"version": str(form.version)})
    assert response.status_code == 422
    assert "Sign the in-session record" in page_text(response)
    assert stored_form(esketamine.id).submitted_at is None

    sign_session_record(db.session.get(type(esketamine), esketamine.id), clinician)
    db.session.commit()
    response = client.post(f"/sessions/{esketamine.id}/rems/submit",
                           data={"version": str(form.version)})
    assert response.status_code == 302
    form = stored_form(esketamine.id)
    assert form.submitted_by_id == clinician.id and form.submitted_at is not None
    with app.test_request_context():
        login_user(clinician)   # the form's times are in the clinic's zone
        assert form.content_hash == content_hash(fields_of(esketamine.id, clinician.clinic_id))
    [failed, submit] = events("submit")
    assert failed.outcome == "failure"
    assert (submit.record_type, submit.record_id, submit.outcome) == ("rems_form", form.id,
                                                                     "success")
    text = page_text(client.get(f"/sessions/{esketamine.id}/rems"))
    assert "Marked as submitted by Casey Clinician" in text
    # submitted: the answer can no longer change, and it is not submitted twice
    response = client.post(f"/sessions/{esketamine.id}/rems/evaluation",
                           data={"ready_to_leave_minutes": "90", "version": str(form.version)})
    assert response.status_code == 409 and stored_form(esketamine.id).ready_to_leave_minutes == 115
    response = client.post(f"/sessions/{esketamine.id}/rems/submit",
                           data={"version": str(form.version)})
    assert response.status_code == 409


def test_submitting_an_incomplete_form_says_what_is_missing(login_as, patient, clinician):
    session = esketamine_session(patient, clinician, complete=False)
    sign_session_record(session, clinician)
    db.session.commit()
    response = login_as(clinician).post(f"/sessions/{session.id}/rems/submit",
                                        data={"version": "0"})
    assert response.status_code == 422
    text = page_text(response)
    assert "The form is not complete. Still missing: Sex;" in text
    assert stored_form(session.id) is None
    [failed] = events("submit")
    assert failed.outcome == "failure" and failed.patient_id == patient.id


@pytest.mark.parametrize("typed, message", [("abc", "Not a valid integer value"),
                                            ("5000", "Give the minutes from the start"),
                                            ("", "Give a number of minutes")])
def test_a_bad_answer_is_refused_on_the_page(login_as, clinician, esketamine, typed, message):
    response = login_as(clinician).post(f"/sessions/{esketamine.id}/rems/evaluation",
                                        data={"ready_to_leave_minutes": typed, "version": "0"})
    assert response.status_code == 422
    assert message in page_text(response)
    assert stored_form(esketamine.id) is None


def test_a_stale_answer_is_refused(login_as, clinician, esketamine):
    client = login_as(clinician)
    client.post(f"/sessions/{esketamine.id}/rems/evaluation",
                data={"ready_to_leave_minutes": "100", "version": "0"})
    response = client.post(f"/sessions/{esketamine.id}/rems/evaluation",
                           data={"ready_to_leave_minutes": "120", "version": "7"})
    assert response.status_code == 409
    assert stored_form(esketamine.id).ready_to_leave_minutes == 100


def test_access_by_role(client, login_as, lead, clinician2, patient_user, intruder, esketamine):
    url = f"/sessions/{esketamine.id}/rems"
    lead_client = login_as(lead)
    assert lead_client.get(url).status_code == 200
    # the lead reads and may record the submission, but does not answer for the clinician
    assert lead_client.post(f"{url}/evaluation", data={"ready_to_leave_minutes": "100",
                                                       "version": "0"}).status_code == 403
    assert lead_client.post(f"{url}/submit", data={"version": "0"}).status_code == 422
    client.post("/logout")
    for outsider, status in ((clinician2, 404), (intruder, 404), (patient_user, 403)):
        other = login_as(outsider)
        assert other.get(url).status_code == status, outsider
        assert other.get(f"/print{url}").status_code == status, outsider
        assert other.post(f"{url}/submit", data={"version": "0"}).status_code == status
        other.post("/logout")
    assert stored_form(esketamine.id) is None


def test_the_patient_never_sees_the_form_in_the_portal(login_as, patient_user, esketamine):
    client = login_as(patient_user)
    for url in ("/portal", f"/portal/sessions/{esketamine.id}"):
        response = client.get(url, follow_redirects=True)
        assert "REMS" not in page_text(response), url
