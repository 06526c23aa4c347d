"""Clinic settings: leads only, each value validated, stale saves refused with the typed values
kept, changes audited without their values."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import page_text
from tests.lead.builders import settings_form as _form
from tracker.core.audit.models import AuditEvent
from tracker.core.clinic import DEFAULT_CRISIS_TEXT, DEFAULT_SETTINGS, Clinic
from tracker.extensions import db


def _updates(outcome: str = "success"):
    return db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.record_type == "clinic_settings", AuditEvent.outcome == outcome)).all()


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("role, status", [("lead", None), ("clinician", 403), ("patient_user", 403)])
def test_only_leads_use_the_settings(request, client_for, clinic, patient, role, status, method):
    response = client_for(request.getfixturevalue(role)).open("/lead/settings", method=method,
                                                              data=_form(clinic))
    if status:
        assert response.status_code == status
    else:
        assert response.status_code == (200 if method == "GET" else 302)


def test_a_lead_of_another_clinic_edits_only_their_own(client_for, clinic, intruder):
    response = client_for(intruder).post("/lead/settings", data=_form(
        db.session.get(Clinic, intruder.clinic_id), name="Renamed by intruder"))
    assert response.status_code == 302
    assert db.session.get(Clinic, clinic.id).name == "Test Clinic"
    assert "Test Clinic" not in page_text(client_for(intruder).get("/lead/settings"))


def test_the_page_shows_the_current_values(client_for, lead, clinic):
    html = client_for(lead).get("/lead/settings").get_data(as_text=True)
    assert 'value="Test Clinic"' in html and "America/New_York" in html
    assert 'name="systolic_high_flag"' in html and 'value="160"' in html
    assert "Default 24 hours" in page_text_html(html)


def page_text_html(html):
    import re
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_saving_changes_stores_only_the_non_defaults_and_audits_without_values(client_for, lead, clinic):
    client = client_for(lead)
    response = client.post("/lead/settings", data=_form(
        clinic, name="Bayview Clinic", timezone="Europe/Berlin", crisis_text="Call 112.",
        debrief_within_hours=48, systolic_high_flag=150, systolic_high_alert=175,
        respiratory_rate_low_flag=12, iv_vitals_interval_minutes=10))
    assert response.status_code == 302
    saved = db.session.get(Clinic, clinic.id)
    assert (saved.name, saved.timezone, saved.crisis_text) == ("Bayview Clinic", "Europe/Berlin", "Call 112.")
    assert saved.settings == {"debrief_within_hours": 48, "systolic_high_flag": 150,
                              "systolic_high_alert": 175, "respiratory_rate_low_flag": 12,
                              "iv_vitals_interval_minutes": 10,
                              "require_2fa_leads": 0}  # the test clinic's, kept
    assert saved.setting("follow_up_within_days") == DEFAULT_SETTINGS["follow_up_within_days"]
    assert saved.version == 2
    [event] = _updates()
    assert (event.action, event.record_id, event.user_id, event.patient_id) == ("update", clinic.id, lead.id, None)
    # times are now shown in the new zone
    assert "Times are shown in Europe/Berlin" in page_text(client.get("/lead/settings"))


def test_back_to_a_default_removes_the_override(client_for, lead, clinic):
    clinic.settings = {**clinic.settings, "phq9_every_days": 20}
    db.session.commit()
    client_for(lead).post("/lead/settings", data=_form(db.session.get(Clinic, clinic.id),
                                                       phq9_every_days=30))
    assert db.session.get(Clinic, clinic.id).settings == {"require_2fa_leads": 0}


def test_saving_nothing_new_changes_nothing(client_for, lead, clinic):
    response = client_for(lead).post("/lead/settings", data=_form(clinic), follow_redirects=True)
    assert "Nothing was changed" in page_text(response)
    assert _updates() == [] and db.session.get(Clinic, clinic.id).version == 1


@pytest.mark.parametrize("changes, message", [
    ({"timezone": "Mars/Olympus_Mons"}, "Choose a time zone from the list"),
    ({"timezone": ""}, "Choose a time zone from the list"),
    ({"name": ""}, "This field is required"),
    ({"crisis_text": "x" * 2001}, "under 2,000 characters"),
    ({"systolic_high_alert": 150, "systolic_high_flag": 160}, "alert level must be at or above"),
    ({"diastolic_high_alert": 95, "diastolic_high_flag": 100}, "alert level must be at or above"),
    ({"heart_rate_low_alert": 55}, "low heart rate alert level must be at or below its flag"),
    ({"respiratory_rate_low_alert": 12, "respiratory_rate_low_flag": 10},
     "low respiratory rate alert level must be at or below its flag level (10)"),
    ({"spo2_low_alert": 40}, "from 80 to 98"),
    ({"ketamine_min_observation_minutes": 10}, "from 30 to 360"),
    ({"lost_to_follow_up_days": 0}, "from 7 to 365"),
    ({"debrief_within_hours": "three days"}, "Enter a whole number"),
    ({"heart_rate_high_alert": ""}, "Enter a whole number"),
])
def test_bad_values_are_refused_beside_the_field_with_the_typed_values_kept(client_for, lead, clinic,
                                                                          changes, message):
    data = _form(clinic, name="Typed Name Kept", **{k: v for k, v in changes.items() if k != "name"})
    if "name" in changes:
        data["name"] = changes["name"]
    response = client_for(lead).post("/lead/settings", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    if "name" not in changes:
        assert 'value="Typed Name Kept"' in html
    saved = db.session.get(Clinic, clinic.id)
    assert saved.name == "Test Clinic" and saved.settings == {"require_2fa_leads": 0} and saved.version == 1
    assert _updates() == []


def test_a_stale_save_is_refused_with_409_and_the_typed_values_kept(client_for, lead, lead2, clinic):
    opened = _form(clinic)  # both leads open the page at version 1
    first = client_for(lead2).post("/lead/settings", data={**opened, "name": "Saved First",
                                                           "crisis_text": DEFAULT_CRISIS_TEXT})
    assert first.status_code == 302
    late = client_for(lead).post("/lead/settings", data={**opened, "name": "Typed Later",
                                                         "follow_up_within_days": 10})
    assert late.status_code == 409
    html = late.get_data(as_text=True)
    assert "Someone else saved the clinic settings" in html
    assert 'value="Typed Later"' in html and 'value="10"' in html
    assert "Clinic name: Saved First" in page_text(late)  # what was saved meanwhile
    saved = db.session.get(Clinic, clinic.id)
    assert saved.name == "Saved First" and saved.settings == {"require_2fa_leads": 0}
    # the re-rendered form carries the new version: saving again knowingly replaces the values
    resubmit = client_for(lead).post("/lead/settings", data={**opened, "version": saved.version,
                                                             "name": "Typed Later"})
    assert resubmit.status_code == 302
    assert db.session.get(Clinic, clinic.id).name == "Typed Later"
    assert len(_updates()) == 2
    assert [(e.action, e.record_id) for e in _updates("failure")] == [("update", clinic.id)]


# --- dose checks ------------------------------------------------------------------------------

def test_dose_ranges_are_typed_in_mg_per_kg_and_stored_in_hundredths(client_for, lead, clinic):
    client = client_for(lead)
    html = client.get("/lead/settings").get_data(as_text=True)
    assert 'name="ketamine_iv_hard_max_mgkg_x100"' in html and 'value="1.50"' in html
    assert "Default 0.50 mg/kg" in page_text_html(html)
    response = client.post("/lead/settings", data=_form(
        clinic, ketamine_iv_usual_max_mgkg_x100="1.25", weight_within_days="14"))
    assert response.status_code == 302
    saved = db.session.get(Clinic, clinic.id)
    assert saved.settings == {"ketamine_iv_usual_max_mgkg_x100": 125, "weight_within_days": 14,
                              "require_2fa_leads": 0}  # the test clinic's, kept
    assert 'value="1.25"' in client.get("/lead/settings").get_data(as_text=True)


@pytest.mark.parametrize("changes, field, message", [
    ({"ketamine_iv_usual_max_mgkg_x100": "0.40"}, "ketamine_iv_usual_max_mgkg_x100",
     "must end at or above its start (0.50 mg/kg)"),
    ({"ketamine_im_hard_max_mgkg_x100": "0.90"}, "ketamine_im_hard_max_mgkg_x100",
     "must be at or above its usual range (1.00 mg/kg)"),
    ({"ketamine_oral_hard_max_mgkg_x100": "7.005"}, "ketamine_oral_hard_max_mgkg_x100",
     "at most two decimals"),
    ({"ketamine_oral_hard_max_mgkg_x100": "50"}, "ketamine_oral_hard_max_mgkg_x100",
     "from 0.05 to 10.00 mg/kg"),
    ({"ketamine_sublingual_usual_min_mgkg_x100": "half"}, "ketamine_sublingual_usual_min_mgkg_x100",
     "Enter a dose in mg/kg"),
    ({"weight_within_days": "0"}, "weight_within_days", "from 1 to 365"),
])
def test_bad_dose_ranges_are_refused_beside_the_field(client_for, lead, clinic, changes, field,
                                                      message):
    response = client_for(lead).post("/lead/settings", data=_form(clinic, **changes))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html.split(f'id="{field}-error"', 1)[1][:400]
    assert f'value="{changes[field]}"' in html
    assert db.session.get(Clinic, clinic.id).settings == {"require_2fa_leads": 0}  # unchanged


def test_the_service_refuses_unordered_dose_ranges(lead, clinic):
    from tracker.lead.services import update_clinic_settings
    from tracker.rules import Refused
    thresholds = dict(DEFAULT_SETTINGS, ketamine_iv_hard_max_mgkg_x100=90)
    with pytest.raises(Refused, match="Ketamine IV: the usual range must be ordered"):
        update_clinic_settings(clinic, expected_version=clinic.version, name=clinic.name,
                               timezone=clinic.timezone, crisis_text=clinic.crisis_text,
                               thresholds=thresholds, by=lead)
