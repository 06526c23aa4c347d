"""Vitals, sedation ratings and adverse events; safety flags raised exactly once."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import page_text
from tests.dosing.builders import form, local
from tracker.core.flags import SafetyFlag
from tracker.db import utcnow
from tracker.dosing import recording
from tracker.dosing.models import AdverseEvent, SedationRating, VitalSign
from tracker.extensions import db


def _vitals(client, session, **values):
    data = dict(measured_at=local(utcnow() - timedelta(minutes=1)), phase="during")
    data.update(values)
    return client.post(f"/sessions/{session.id}/vitals", data=form("vitals", **data))


def _flags():
    return db.session.scalars(sa.select(SafetyFlag).order_by(SafetyFlag.id)).all()


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize("field, value", [
    ("systolic", "900"), ("diastolic", "250"), ("heart_rate", "5"), ("spo2", "101")])
def test_implausible_readings_are_refused_with_a_message(login_as, clinician, dosed, field, value):
    response = _vitals(login_as(clinician), dosed, **{field: value})
    assert response.status_code == 422
    error = response.get_data(as_text=True).split(f'id="vitals-{field}-error"', 1)[1][:300]
    assert f"{value} is not a plausible" in error and "check the reading" in error
    assert _count(VitalSign) == 0


def test_a_reading_needs_at_least_one_value(login_as, clinician, dosed):
    response = _vitals(login_as(clinician), dosed)
    assert response.status_code == 422 and "Enter at least one reading." in page_text(response)


def test_the_diastolic_is_below_the_systolic(login_as, clinician, dosed):
    response = _vitals(login_as(clinician), dosed, systolic="90", diastolic="95")
    assert response.status_code == 422 and "below the systolic" in page_text(response)


def test_a_normal_reading_is_stored_unflagged(login_as, clinician, dosed):
    client = login_as(clinician)
    assert _vitals(client, dosed, systolic="120", diastolic="78", heart_rate="72",
                   spo2="98").status_code == 302
    [vital] = db.session.scalars(sa.select(VitalSign)).all()
    assert (vital.systolic, vital.diastolic, vital.heart_rate, vital.spo2) == (120, 78, 72, 98)
    assert _flags() == []
    assert "120/78 mmHg" in page_text(client.get(f"/sessions/{dosed.id}"))


def test_a_flag_level_reading_is_marked_but_raises_no_safety_flag(login_as, clinician, dosed):
    client = login_as(clinician)
    _vitals(client, dosed, systolic="165", diastolic="95")
    assert _flags() == []
    page = page_text(client.get(f"/sessions/{dosed.id}"))
    assert "Flag Systolic pressure 165 mmHg: at or above the flag level (160)." in page


def test_an_alert_level_reading_raises_one_safety_flag(login_as, clinician, dosed):
    client = login_as(clinician)
    _vitals(client, dosed, systolic="185", diastolic="115", heart_rate="120", spo2="90")
    [vital] = db.session.scalars(sa.select(VitalSign)).all()
    [flag] = _flags()
    assert (flag.source, flag.source_id, flag.session_id, flag.patient_id) == (
        "vital_alert", vital.id, dosed.id, dosed.patient_id)
    assert "185" in flag.summary and flag.acknowledged_at is None
    page = page_text(client.get(f"/sessions/{dosed.id}"))
    assert "Safety flags raised in this session" in page and "not yet acknowledged" in page


def test_each_alert_reading_has_its_own_flag_and_repeats_do_not_duplicate(login_as, clinician, dosed):
    client = login_as(clinician)
    _vitals(client, dosed, spo2="88")
    _vitals(client, dosed, heart_rate="130")
    _vitals(client, dosed, systolic="150")
    assert [f.source for f in _flags()] == ["vital_alert", "vital_alert"]
    # Raising again for the same reading (a retry, a second code path) adds nothing.
    from tracker.core.flags import raise_flag
    first = _flags()[0]
    raise_flag(patient_id=first.patient_id, source="vital_alert", source_id=first.source_id,
               summary="again", user=clinician)
    assert len(_flags()) == 2


def test_the_clinics_own_thresholds_apply(login_as, clinician, clinic, dosed):
    clinic.settings = {"systolic_high_alert": 150, "systolic_high_flag": 140}
    db.session.commit()
    _vitals(login_as(clinician), dosed, systolic="155")
    assert [f.source for f in _flags()] == ["vital_alert"]


def test_a_sedation_rating_is_recorded(login_as, clinician, dosed):
    client = login_as(clinician)
    response = client.post(f"/sessions/{dosed.id}/sedation", data=form(
        "sedation", rated_at=local(utcnow()), moaas="3", dissociation="6"))
    assert response.status_code == 302
    [rating] = db.session.scalars(sa.select(SedationRating)).all()
    assert (rating.moaas, rating.dissociation) == (3, 6)
    assert "3: responds only after name is called loudly" in page_text(client.get(f"/sessions/{dosed.id}"))


@pytest.mark.parametrize("moaas, dissociation", [("7", ""), ("-1", ""), ("3", "11"), ("x", "")])
def test_sedation_out_of_range_is_refused(login_as, clinician, dosed, moaas, dissociation):
    response = login_as(clinician).post(f"/sessions/{dosed.id}/sedation", data=form(
        "sedation", rated_at=local(utcnow()), moaas=moaas, dissociation=dissociation))
    assert response.status_code == 422
    assert _count(SedationRating) == 0


def _event(client, session, **values):
    data = dict(occurred_at=local(utcnow()), kind="nausea", severity="mild",
                action_taken="Ondansetron 4 mg")
    data.update(values)
    return client.post(f"/sessions/{session.id}/adverse-events", data=form("event", **data))


@pytest.mark.parametrize("severity", ["mild", "moderate"])
def test_a_mild_or_moderate_event_raises_no_flag(login_as, clinician, dosed, severity):
    assert _event(login_as(clinician), dosed, severity=severity).status_code == 302
    assert _count(AdverseEvent) == 1 and _flags() == []


def test_a_severe_event_raises_one_safety_flag(login_as, clinician, dosed):
    assert _event(login_as(clinician), dosed, kind="emergence_reaction",
                  severity="severe").status_code == 302
    [event] = db.session.scalars(sa.select(AdverseEvent)).all()
    [flag] = _flags()
    assert (flag.source, flag.source_id, flag.session_id) == ("adverse_event", event.id, dosed.id)
    assert flag.summary == "Severe adverse event: Emergence reaction."


def test_an_other_event_says_what_it_was(login_as, clinician, dosed):
    client = login_as(clinician)
    response = _event(client, dosed, kind="other", other_text="")
    assert response.status_code == 422 and "Say what the event was." in page_text(response)
    assert _event(client, dosed, kind="other", other_text="Hiccups").status_code == 302
    assert db.session.scalar(sa.select(AdverseEvent.other_text)) == "Hiccups"


def test_services_raise_flags_once_even_when_called_directly(app, clinician, dosed):
    from flask_login import login_user
    with app.test_request_context():
        login_user(clinician)
        _vital, findings = recording.record_vitals(
            dosed, measured_at=utcnow(), phase="during", systolic=200, diastolic=120,
            heart_rate=None, spo2=None, user=clinician)
        assert {level for _, level, _ in findings} == {"alert"} and len(findings) == 2
        recording.record_adverse_event(dosed, occurred_at=utcnow(), kind="vomiting",
                                       other_text=None, severity="severe", action_taken=None,
                                       user=clinician)
    assert sorted(f.source for f in _flags()) == ["adverse_event", "vital_alert"]
