"""Adding and editing a patient: demographics, care team, bad input, stale saves, audit."""
from __future__ import annotations

import html as html_lib
import re
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tests import factories as make
from tests.conftest import page_text
from tracker.core.audit.models import AuditEvent
from tracker.core.patients import CareTeamMember, Patient
from tracker.db import utcnow
from tracker.extensions import db

GOOD = {"given_name": "Jordan", "family_name": "Rivera", "date_of_birth": "1979-06-02",
        "record_number": "KT-1042", "email": "Jordan.Rivera@Example.org", "phone": "+1 555 0101",
        "weight_kg": "81.5"}


def _patients(family="Rivera"):
    return db.session.scalars(sa.select(Patient).where(Patient.family_name == family)).all()


def _events(action, record_type, outcome="success"):
    return db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.record_type == record_type,
        AuditEvent.outcome == outcome)).all()


def test_add_a_patient_with_a_care_team(login_as, clinician, clinician2):
    client = login_as(clinician)
    form = client.get("/patients/new")
    assert form.status_code == 200 and "Dana Otherclinician" in page_text(form)
    response = client.post("/patients/new", data={**GOOD, "care_team": [str(clinician2.id)]})
    assert response.status_code == 302
    (patient,) = _patients()
    assert response.headers["Location"].endswith(f"/patients/{patient.id}")
    assert (patient.email, patient.weight_kg, patient.date_of_birth) == (
        "jordan.rivera@example.org", Decimal("81.5"), date(1979, 6, 2))
    team = {m.clinician_id: m.is_primary for m in db.session.scalars(
        sa.select(CareTeamMember).where(CareTeamMember.patient_id == patient.id))}
    assert team == {clinician.id: True, clinician2.id: False}
    assert [e.patient_id for e in _events("create", "patient")] == [patient.id]
    assert len(_events("add_care_team_member", "care_team_member")) == 2


def test_a_clinician_of_another_clinic_cannot_be_put_on_the_team(login_as, clinician, outsider):
    response = login_as(clinician).post("/patients/new", data={**GOOD, "care_team": [str(outsider.id)]})
    assert response.status_code == 422
    assert _patients() == []


@pytest.mark.parametrize("change, field, message", [
    ({"weight_kg": "900"}, "weight_kg", "Enter a weight between 20 and 350 kg."),
    ({"weight_kg": "heavy"}, "weight_kg", "Not a valid decimal value"),
    ({"date_of_birth": (date.today() + timedelta(days=30)).isoformat()}, "date_of_birth",
     "The date of birth is in the future."),
    ({"date_of_birth": "03/14/1985"}, "date_of_birth", "There is no such day"),
    ({"date_of_birth": "1985-02-30"}, "date_of_birth", "There is no such day"),
    ({"date_of_birth": "1850-01-01"}, "date_of_birth", "before 1900"),
    ({"given_name": ""}, "given_name", "This field is required."),
    ({"email": "not-an-email"}, "email", "This does not look like an email address."),
    ({"record_number": "KT 1042; drop"}, "record_number", "Use letters, digits"),
    ({"given_name": "x" * 101}, "given_name", "Field cannot be longer than 100 characters."),
])
def test_bad_input_is_refused_beside_the_field_and_kept(login_as, clinician, change, field, message):
    response = login_as(clinician).post("/patients/new", data={**GOOD, **change})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and message in html
    typed = next(iter(change.values()))
    box = re.search(rf'<input[^>]*\bname="{field}"[^>]*>', html).group(0)
    shown = re.search(r'\bvalue="([^"]*)"', box)
    assert html_lib.unescape(shown.group(1) if shown else "") == typed  # what was typed stays
    assert 'value="Rivera"' in html
    assert _patients() == []


def test_a_duplicate_record_number_is_refused_beside_the_field(login_as, clinic, clinician):
    make.patient(clinic, clinicians=[clinician], family="Existing").record_number = "KT-1042"
    db.session.flush()
    response = login_as(clinician).post("/patients/new", data={**GOOD, "record_number": "kt-1042"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="record_number-error"' in html
    assert "Another patient of this clinic has this record number." in html
    assert 'value="kt-1042"' in html and 'value="Jordan"' in html
    assert _patients() == []
    assert len(_events("create", "patient", outcome="failure")) == 1


def test_the_same_record_number_in_another_clinic_is_fine(login_as, clinician, intruder):
    other = make.patient(db.session.get(type(intruder.clinic), intruder.clinic_id), family="Far")
    other.record_number = "KT-1042"
    db.session.flush()
    assert login_as(clinician).post("/patients/new", data=GOOD).status_code == 302


def _edit_data(patient, **changes):
    data = {"given_name": patient.given_name, "family_name": patient.family_name,
            "date_of_birth": patient.date_of_birth.isoformat(), "record_number": patient.record_number,
            "email": patient.email or "", "phone": patient.phone or "",
            "weight_kg": str(patient.weight_kg or ""), "version": str(patient.version)}
    data.update(changes)
    return data


def test_edit_shows_the_saved_details_and_saves_changes(login_as, clinician, clinician2, patient):
    client = login_as(clinician)
    form = client.get(f"/patients/{patient.id}/edit").get_data(as_text=True)
    assert 'value="Alex"' in form and f'name="version" type="hidden" value="{patient.version}"' in form
    response = client.post(f"/patients/{patient.id}/edit",
                           data=_edit_data(patient, weight_kg="72.4", care_team=[str(clinician2.id)]))
    assert response.status_code == 302
    db.session.refresh(patient)
    assert patient.weight_kg == Decimal("72.4") and patient.version == 2
    members = set(db.session.scalars(sa.select(CareTeamMember.clinician_id)
                                     .where(CareTeamMember.patient_id == patient.id)))
    assert members == {clinician.id, clinician2.id}
    assert len(_events("update", "patient")) == 1


def test_edit_removes_a_team_member_but_keeps_the_primary_and_the_editor(login_as, clinic, clinician,
                                                                        clinician2):
    third = make.user(clinic, "clinician", name="Third Clinician")
    p = make.patient(clinic, clinicians=[clinician2, clinician, third])  # clinician2 is primary
    client = login_as(clinician)
    response = client.post(f"/patients/{p.id}/edit", data=_edit_data(p, care_team=[]))
    assert response.status_code == 302
    members = set(db.session.scalars(sa.select(CareTeamMember.clinician_id)
                                     .where(CareTeamMember.patient_id == p.id)))
    assert members == {clinician.id, clinician2.id}
    assert len(_events("remove_care_team_member", "care_team_member")) == 1


def test_a_stale_save_is_refused_and_the_typed_text_kept(login_as, clinician, patient):
    client = login_as(clinician)
    opened_version = patient.version
    patient.phone = "555 0199"  # someone else saves meanwhile
    db.session.commit()
    response = client.post(f"/patients/{patient.id}/edit",
                           data=_edit_data(patient, given_name="Alexandra", version=str(opened_version)))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone else saved this record since you opened it" in html
    assert 'value="Alexandra"' in html
    db.session.refresh(patient)
    assert patient.given_name == "Alex"
    assert f'value="{patient.version}"' in html  # a deliberate second save goes through
    assert len(_events("update", "patient", outcome="failure")) == 1
    again = client.post(f"/patients/{patient.id}/edit",
                        data=_edit_data(patient, given_name="Alexandra"))
    assert again.status_code == 302


def test_a_duplicate_record_number_on_edit_is_refused(login_as, clinic, clinician, patient):
    other = make.patient(clinic, clinicians=[clinician], family="Other")
    response = login_as(clinician).post(f"/patients/{patient.id}/edit",
                                        data=_edit_data(patient, record_number=other.record_number))
    assert response.status_code == 422
    assert "Another patient of this clinic has this record number." in response.get_data(as_text=True)


# --- when the weight was measured (ketamine's mg/kg check needs a recent one) -----------------

def _clinic_today(user):
    """Today in the clinic's own zone (what the service dates a weight by); a test has no
    signed-in user, so tracker.timezones.clinic_today() would give UTC's date."""
    return utcnow().astimezone(ZoneInfo(user.clinic.timezone)).date()


def test_a_new_weight_is_dated_today_unless_its_date_is_given(login_as, clinician):
    clinic_today = lambda: _clinic_today(clinician)  # noqa: E731
    client = login_as(clinician)
    assert client.post("/patients/new", data=GOOD).status_code == 302
    (patient,) = _patients()
    assert patient.weighed_on == clinic_today()
    measured = (clinic_today() - timedelta(days=3)).isoformat()
    assert client.post("/patients/new", data={**GOOD, "record_number": "KT-2", "family_name": "Dated",
                                              "weighed_on": measured}).status_code == 302
    (dated,) = _patients("Dated")
    assert dated.weighed_on.isoformat() == measured


def test_a_changed_weight_with_its_old_date_left_is_dated_today(login_as, clinician, patient):
    clinic_today = lambda: _clinic_today(clinician)  # noqa: E731
    old = clinic_today() - timedelta(days=50)
    patient.weighed_on = old
    db.session.commit()
    client = login_as(clinician)
    response = client.post(f"/patients/{patient.id}/edit",
                           data=_edit_data(patient, weighed_on=old.isoformat()))
    assert response.status_code == 302
    db.session.refresh(patient)
    assert patient.weighed_on == old  # the same weight keeps its date
    response = client.post(f"/patients/{patient.id}/edit",
                           data=_edit_data(patient, weight_kg="68.0", weighed_on=old.isoformat()))
    assert response.status_code == 302
    db.session.refresh(patient)
    assert (patient.weight_kg, patient.weighed_on) == (Decimal("68.0"), clinic_today())


def test_a_weight_date_in_the_future_is_refused(login_as, clinician):
    future = (date.today() + timedelta(days=30)).isoformat()
    response = login_as(clinician).post("/patients/new", data={**GOOD, "weighed_on": future})
    assert response.status_code == 422
    assert "in the future" in response.get_data(as_text=True).split('id="weighed_on-error"', 1)[1][:200]
