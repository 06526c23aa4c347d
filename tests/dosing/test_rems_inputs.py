"""What the REMS form reads that other pages record: the concomitant medications at the
readiness check, the patient's sex, a staff member's phone, the clinic's address."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests import factories as make
from tests.conftest import page_text
from tests.lead.builders import settings_form
from tracker.core.audit.models import AuditEvent
from tracker.core.clinic import Clinic
from tracker.core.patients import Patient
from tracker.core.users import User
from tracker.db import utcnow
from tracker.extensions import db
from tracker.intention.models import CHECKLIST_ITEMS, Intention


def _intention_form(**changes):
    data = {"focus_areas": ["depression"], "intention_text": "To be kinder to myself.",
            "goals-0-goal_id": "", "goals-0-text": "Walk outside", "version": "",
            **{column: "y" for column, _ in CHECKLIST_ITEMS},
            "escort_name": "Sam", "escort_phone": "555-0100"}
    data.update(changes)
    return data


def test_concomitant_medications_are_asked_at_the_readiness_check(login_as, clinician, patient):
    from datetime import timedelta
    session = make.dosing_session(make.course(patient), clinician=clinician,
                                  scheduled_at=utcnow() + timedelta(days=1))
    db.session.commit()
    client = login_as(clinician)
    url = f"/sessions/{session.id}/intention"
    assert "Monoamine oxidase inhibitors (MAOIs)" in page_text(client.get(url))
    response = client.post(url, data=_intention_form(takes_benzodiazepines="yes",
                                                     takes_sedative_hypnotics="no",
                                                     takes_maois="no"))
    assert response.status_code == 302
    db.session.expire_all()
    i = db.session.scalar(sa.select(Intention).where(Intention.session_id == session.id))
    assert (i.takes_benzodiazepines, i.takes_sedative_hypnotics, i.takes_psychostimulants,
            i.takes_maois) == (True, False, None, False)   # not asked stays unknown
    response = client.post(url, data=_intention_form(takes_maois="maybe",
                                                     version=str(i.version)))
    assert response.status_code == 422 and "Not a valid choice" in page_text(response)


def test_the_patients_sex_is_a_choice(login_as, clinician, patient):
    client = login_as(clinician)
    url = f"/patients/{patient.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert '<option value="intersex">Intersex</option>' in page
    form = {"given_name": "Alex", "family_name": "Patient", "date_of_birth": "1985-03-14",
            "record_number": patient.record_number, "sex": "female", "version": patient.version}
    assert client.post(url, data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Patient, patient.id).sex == "female"
    response = client.post(url, data={**form, "sex": "robot",
                                      "version": db.session.get(Patient, patient.id).version})
    assert response.status_code == 422 and "Not a valid choice" in page_text(response)


def test_a_lead_records_a_staff_phone(app, login_as, lead, clinician):
    client = login_as(lead)
    assert f"Phone of {clinician.full_name}" in page_text(client.get("/lead/staff"))
    response = client.post(f"/lead/staff/{clinician.id}/phone",
                           data={f"phone-{clinician.id}-phone": "207-555-0111"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, clinician.id).phone == "207-555-0111"
    client.post(f"/lead/staff/{clinician.id}/phone",
                data={f"phone-{clinician.id}-phone": "call me maybe"})
    db.session.expire_all()
    assert db.session.get(User, clinician.id).phone == "207-555-0111"
    assert [e.outcome for e in db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.record_type == "user", AuditEvent.action == "update"))] == ["success", "failure"]


@pytest.mark.parametrize("who, status", [("clinician", 403), ("intruder", 404)])
def test_only_the_clinics_lead_sets_a_phone(request, login_as, clinician, who, status):
    client = login_as(request.getfixturevalue(who))
    response = client.post(f"/lead/staff/{clinician.id}/phone",
                           data={f"phone-{clinician.id}-phone": "1"})
    assert response.status_code == status


def test_the_clinic_address_is_a_setting(login_as, lead, clinic):
    client = login_as(lead)
    data = settings_form(clinic, address="200 Harbor Street\nPortland, ME", phone="207-555-0100",
                         rems_submit_within_days=5)
    assert client.post("/lead/settings", data=data).status_code == 302
    db.session.expire_all()
    stored = db.session.get(Clinic, clinic.id)
    assert stored.address == "200 Harbor Street\nPortland, ME" and stored.phone == "207-555-0100"
    assert stored.setting("rems_submit_within_days") == 5
