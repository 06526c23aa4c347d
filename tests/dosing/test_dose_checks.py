"""The dose check on the session page: each outcome (usual, confirmed with a reason, refused),
the weight's age, esketamine's lot number, what is kept, shown and audited."""
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests import factories as make
from tests.conftest import page_text
from tests.dosing.builders import dosed_session, form, tag
from tracker.core.audit.models import AuditEvent
from tracker.core.clinic import Clinic
from tracker.core.patients import Patient
from tracker.core.sessions import DosingSession
from tracker.extensions import db

RECENT = make.RECENT_WEIGHING.isoformat()


def fresh(session_id) -> DosingSession:
    db.session.expire_all()
    return db.session.get(DosingSession, session_id)


def events(action, outcome="success"):
    return db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.outcome == outcome)).all()


def post(client, session, **values):
    data = dict(medication="ketamine", route="iv", dose_mg="35", weight_kg="70",
                weighed_on=RECENT, infusion_minutes="40", lot_number="KET-1",
                version=str(fresh(session.id).version))
    data.update(values)
    return client.post(f"/sessions/{session.id}/medication", data=form("medication", **data))


def error(response, field: str) -> str:
    html = response.get_data(as_text=True)
    marker = f'id="medication-{field}-error"'
    assert marker in html, f"no error beside {field}"
    return html.split(marker, 1)[1][:500]


def test_a_usual_dose_is_saved_as_usual(login_as, clinician, dosed):
    client = login_as(clinician)
    response = post(client, dosed, dose_mg="42")  # 0.60 mg/kg
    assert response.status_code == 302
    stored = fresh(dosed.id)
    assert (stored.dose_mg, stored.dose_check, stored.dose_confirmed_at) == (
        Decimal("42.00"), "usual", None)
    assert stored.weighed_on == make.RECENT_WEIGHING
    assert events("confirm_dose") == []
    assert "Within the clinic's usual range." in page_text(client.get(f"/sessions/{dosed.id}"))


def test_outside_the_usual_range_is_refused_first_with_what_was_typed_kept(login_as, clinician, dosed):
    response = post(login_as(clinician), dosed, dose_mg="84", lot_number="KET-77")  # 1.20 mg/kg
    assert response.status_code == 422
    message = error(response, "confirm_dose")
    assert "84 mg at 70 kg is 1.20 mg/kg, above the usual 0.50 to 1.00 mg/kg for ketamine IV" in message
    assert "tick the confirmation" in message
    html = response.get_data(as_text=True)
    assert 'value="84"' in tag(html, "medication-dose_mg")
    assert 'value="KET-77"' in tag(html, "medication-lot_number")
    assert 'id="medication-dose_reason"' in html  # the confirmation is shown now
    stored = fresh(dosed.id)
    assert (stored.dose_mg, stored.dose_check) == (Decimal("35.00"), None)
    assert events("record_medication", "failure")


def test_a_confirmation_needs_its_reason(login_as, clinician, dosed):
    response = post(login_as(clinician), dosed, dose_mg="84", confirm_dose="y", dose_reason="")
    assert response.status_code == 422
    assert "Give the reason" in error(response, "dose_reason")
    assert fresh(dosed.id).dose_check is None


def test_confirmed_with_a_reason_is_saved_kept_audited_and_shown(login_as, clinician, dosed):
    client = login_as(clinician)
    response = post(client, dosed, dose_mg="84", confirm_dose="y",
                    dose_reason="Partial response at 1.0 mg/kg; prescriber ordered 1.2.")
    assert response.status_code == 302
    stored = fresh(dosed.id)
    assert stored.dose_mg == Decimal("84.00") and stored.dose_check == "outside_usual"
    assert stored.dose_confirmation_reason == "Partial response at 1.0 mg/kg; prescriber ordered 1.2."
    assert stored.dose_confirmed_by_id == clinician.id and stored.dose_confirmed_at is not None
    (event,) = events("confirm_dose")
    assert (event.record_type, event.record_id, event.patient_id, event.user_id) == (
        "dosing_session", dosed.id, dosed.patient_id, clinician.id)
    page = page_text(client.get(f"/sessions/{dosed.id}"))
    assert "Outside the usual range: confirmed by " + clinician.full_name in page
    assert "Reason: Partial response at 1.0 mg/kg; prescriber ordered 1.2." in page


def test_back_to_a_usual_dose_clears_the_confirmation(login_as, clinician, dosed):
    client = login_as(clinician)
    post(client, dosed, dose_mg="84", confirm_dose="y", dose_reason="Titrating.")
    assert post(client, dosed, dose_mg="35").status_code == 302
    stored = fresh(dosed.id)
    assert (stored.dose_check, stored.dose_confirmation_reason, stored.dose_confirmed_by_id) == (
        "usual", None, None)


def test_beyond_the_hard_maximum_is_refused_even_when_confirmed(login_as, clinician, dosed):
    response = post(login_as(clinician), dosed, dose_mg="500", confirm_dose="y",
                    dose_reason="Typed anyway")
    assert response.status_code == 422
    message = error(response, "dose_mg")
    assert "500 mg at 70 kg is 7.14 mg/kg, above the clinic&#39;s hard maximum" in message
    assert "check it is in mg, not mL" in message
    assert fresh(dosed.id).dose_mg == Decimal("35.00")
    assert events("confirm_dose") == []


def test_a_stale_weight_is_refused_with_its_age(login_as, clinician, dosed):
    old = (make.RECENT_WEIGHING - timedelta(days=45)).isoformat()
    response = post(login_as(clinician), dosed, weighed_on=old)
    assert response.status_code == 422
    message = error(response, "weighed_on")
    assert "46 days before the session" in message or "45 days before the session" in message
    assert "from the last 30 days" in message
    assert fresh(dosed.id).dose_check is None


def test_a_missing_weight_is_refused(login_as, clinician, dosed):
    response = post(login_as(clinician), dosed, weight_kg="", weighed_on="")
    assert response.status_code == 422
    assert "Ketamine is dosed in mg/kg: record the patient" in error(response, "weight_kg")


def test_a_weight_date_in_the_future_is_refused_by_the_form(login_as, clinician, dosed):
    later = (make.RECENT_WEIGHING + timedelta(days=5)).isoformat()
    response = post(login_as(clinician), dosed, weighed_on=later)
    assert response.status_code == 422
    assert "in the future" in error(response, "weighed_on")


def test_the_weight_age_follows_the_clinic_setting(login_as, clinician, clinic, dosed):
    db.session.get(Clinic, clinic.id).settings = {"weight_within_days": 60}
    db.session.commit()
    old = (make.RECENT_WEIGHING - timedelta(days=45)).isoformat()
    assert post(login_as(clinician), dosed, weighed_on=old).status_code == 302


def test_a_newer_weight_becomes_the_patients(login_as, clinician, patient, dosed):
    db.session.get(Patient, patient.id).weighed_on = make.RECENT_WEIGHING - timedelta(days=10)
    db.session.commit()
    assert post(login_as(clinician), dosed, weight_kg="72.5", dose_mg="40").status_code == 302
    db.session.expire_all()
    stored = db.session.get(Patient, patient.id)
    assert (stored.weight_kg, stored.weighed_on) == (Decimal("72.5"), make.RECENT_WEIGHING)
    assert [e.record_id for e in events("update") if e.record_type == "patient"] == [patient.id]


def test_esketamine_needs_its_lot_number(login_as, clinician, dosed):
    response = post(login_as(clinician), dosed, medication="esketamine", route="intranasal",
                    dose_mg="56", infusion_minutes="", lot_number="")
    assert response.status_code == 422
    assert "required for esketamine" in error(response, "lot_number")
    assert fresh(dosed.id).medication == "ketamine"


def test_esketamine_needs_no_weight(login_as, clinician, dosed):
    response = post(login_as(clinician), dosed, medication="esketamine", route="intranasal",
                    dose_mg="84", infusion_minutes="", weight_kg="", weighed_on="",
                    lot_number="ESK-9")
    assert response.status_code == 302
    stored = fresh(dosed.id)
    assert (stored.dose_mg, stored.dose_check, stored.lot_number) == (
        Decimal("84.00"), "usual", "ESK-9")


def test_esketamine_one_device_needs_a_confirmation(login_as, clinician, dosed):
    client = login_as(clinician)
    values = dict(medication="esketamine", route="intranasal", dose_mg="28", infusion_minutes="",
                  lot_number="ESK-9")
    response = post(client, dosed, **values)
    assert response.status_code == 422
    assert "EU starting dose for patients aged 65" in error(response, "confirm_dose")
    response = post(client, dosed, **values, confirm_dose="y",
                    dose_reason="Aged 71; starting at 28 mg as the EU label advises.")
    assert response.status_code == 302
    assert fresh(dosed.id).dose_check == "outside_usual"


def test_a_ketamine_dose_without_a_lot_number_is_saved_and_prompted(login_as, clinician, dosed):
    client = login_as(clinician)
    assert post(client, dosed, lot_number="").status_code == 302
    html = client.get(f"/sessions/{dosed.id}").get_data(as_text=True)
    assert 'id="lot-prompt"' in html and "No lot number is recorded" in html


def test_the_form_says_mg_never_ml(login_as, clinician, scheduled):
    html = login_as(clinician).get(f"/sessions/{scheduled.id}").get_data(as_text=True)
    assert 'for="medication-dose_mg">Dose (mg)<' in html
    assert "never mL" in html
    assert 'id="medication-dose_reason"' not in html  # shown only once a dose needs it


@pytest.mark.parametrize("dose, outcome", [("35", 302), ("84", 422), ("500", 422)])
def test_the_clinic_ranges_decide(login_as, clinician, clinic, dosed, dose, outcome):
    assert post(login_as(clinician), dosed, dose_mg=dose).status_code == outcome


def test_a_wider_clinic_range_makes_a_dose_usual(login_as, clinician, clinic, dosed):
    db.session.get(Clinic, clinic.id).settings = {"ketamine_iv_usual_max_mgkg_x100": 125}
    db.session.commit()
    assert post(login_as(clinician), dosed, dose_mg="84").status_code == 302
    assert fresh(dosed.id).dose_check == "usual"


def test_the_signature_covers_the_confirmation(login_as, clinician, dosed):
    from tracker.dosing import queries, services
    client = login_as(clinician)
    post(client, dosed, dose_mg="84", confirm_dose="y", dose_reason="Titrating.")
    assert client.post(f"/sessions/{dosed.id}/sign").status_code == 302
    record = db.session.scalar(queries.session_record(dosed.id)
                               .execution_options(populate_existing=True))
    assert services.session_record_content(record)["session"]["dose_confirmation_reason"] == "Titrating."
    assert services.hash_matches(record) is True
    record.dose_confirmation_reason = "Changed behind the record's back."
    assert services.hash_matches(record) is False
    db.session.rollback()


def test_a_record_without_a_dose_check_hashes_as_before(dosed):
    from tracker.dosing import queries, services
    record = db.session.scalar(queries.session_record(dosed.id))
    assert record.dose_check is None
    assert not set(services.DOSE_CHECK_FIELDS) & set(services.session_record_content(record)["session"])


def test_an_esketamine_dose_is_shown_as_fixed_not_per_kilogram(login_as, clinician, patient):
    session = dosed_session(patient, clinician, medication="esketamine", route="intranasal",
                            dose="84.00", infusion_minutes=None)
    session.lot_number = "ESK-1"
    db.session.commit()
    html = login_as(clinician).get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "84 mg (a fixed dose: not weight-based)" in html and "mg/kg at" not in html
