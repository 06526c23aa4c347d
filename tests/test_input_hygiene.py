"""Input hygiene (F3 of issue 11): NUL and the other control characters are refused before
they reach the database, in forms (a message beside the field) and query strings (a 400), with
no server error on either database. Run on PostgreSQL with TEST_DATABASE_URL: that is where a
NUL used to give HTTP 500."""
from __future__ import annotations

import html
import unicodedata
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from tests import factories as make
from tests.conftest import login
from tracker.care.models import FollowUp
from tracker.core.clinic import Clinic
from tracker.core.patients import Patient
from tracker.core.users import User
from tracker.db import utcnow
from tracker.extensions import db
from tracker.integration.models import Reflection
from tracker.security import CONTROL_MESSAGE, UnsafeInput, has_control_character

BAD = ["\x00", "\x01", "\x1b", "\x7f", "\x85"]  # NUL, SOH, ESC, DEL, NEL (C1)
QUERY_400 = "does not accept"


def _client(app, user):
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def _refused_beside_field(response) -> bool:
    return (response.status_code in (200, 422)
            and CONTROL_MESSAGE in html.unescape(response.get_data(as_text=True)))


def _refused_as_bad_request(response) -> bool:
    return response.status_code == 400 and QUERY_400 in response.get_data(as_text=True)


# --- the rule, against an independent table: Unicode's own category Cc ------------------------

@given(st.text())
def test_control_characters_are_exactly_unicode_category_cc(text):
    cc = [c for c in text if unicodedata.category(c) == "Cc"]
    assert has_control_character(text) == bool(cc)
    assert has_control_character(text, multiline=True) == bool(
        [c for c in cc if c not in "\t\r\n"])


def test_multiline_text_keeps_tab_and_line_breaks():
    assert not has_control_character("one\r\ntwo\tthree", multiline=True)
    assert has_control_character("one\r\ntwo")


# --- forms: the message beside the field, nothing stored --------------------------------------

@pytest.mark.parametrize("bad", BAD)
def test_sign_in_with_a_control_character(app, clinician, bad):
    client = app.test_client()
    db.session.commit()
    for data in ({"email": f"clin{bad}@test.example", "password": "whatever-it-is"},
                 {"email": clinician.email, "password": f"pass{bad}word-long"}):
        assert _refused_beside_field(client.post("/login", data=data))


@pytest.mark.parametrize("bad", BAD)
def test_patient_name(app, clinician, bad):
    response = _client(app, clinician).post("/patients/new", data={
        "given_name": f"Jor{bad}dan", "family_name": "Rivera", "date_of_birth": "1979-06-02",
        "record_number": "KT-1042", "weight_kg": "81.5"})
    assert _refused_beside_field(response)
    assert 'value="Rivera"' in response.get_data(as_text=True)  # the rest is kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Patient)) == 0


@pytest.mark.parametrize("bad", BAD)
def test_journal_text(app, patient, patient_user, bad):
    client = _client(app, patient_user)
    assert _refused_beside_field(client.post("/me/journal", data={"text": f"Slept{bad} well."}))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reflection)) == 0
    # tab and line breaks are text, in a text area
    assert client.post("/me/journal", data={"text": "Slept well.\r\n\tWalked."}).status_code == 302


@pytest.mark.parametrize("bad", BAD)
def test_follow_up_notes(app, clinician, patient, bad):
    when = (utcnow() + timedelta(days=4)).astimezone(ZoneInfo("America/New_York"))
    response = _client(app, clinician).post(f"/patients/{patient.id}/follow-ups", data={
        "kind": "check_in", "scheduled_at": when.strftime("%Y-%m-%dT%H:%M"),
        "clinician_id": str(clinician.id), "note": f"Sleep{bad}, walks."})
    assert _refused_beside_field(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp)) == 0


@pytest.mark.parametrize("field", ["crisis_text", "name"])
def test_crisis_text_and_clinic_name(app, clinic, lead, field):
    data = {"name": clinic.name, "timezone": clinic.timezone, "crisis_text": clinic.crisis_text,
            "version": clinic.version, **clinic.thresholds}
    data[field] = "Call 988\x00 now"
    response = _client(app, lead).post("/lead/settings", data=data)
    assert _refused_beside_field(response)
    db.session.expire_all()
    assert "\x00" not in (db.session.get(Clinic, clinic.id).crisis_text or "")


@pytest.mark.parametrize("bad", BAD)
def test_staff_names(app, lead, bad):
    response = _client(app, lead).post("/lead/staff", data={
        "full_name": f"Sam{bad} Newhire", "email": "sam@test.example", "role": "clinician"})
    assert _refused_beside_field(response)
    assert db.session.scalar(sa.select(User).where(User.email == "sam@test.example")) is None


# --- query strings, paths and field names: a 400 that says why ---------------------------------

@pytest.mark.parametrize("bad", ["%00", "%01", "%1B", "%7F", "%C2%85", "a%0Ab"])
def test_search_boxes_and_filters(app, lead, clinician, patient, bad):
    by_clinician = _client(app, clinician)
    by_lead = _client(app, lead)
    for client, url in [
        (by_clinician, f"/patients/?q={bad}"),
        (by_lead, f"/lead/care-teams?q={bad}"),
        (by_lead, f"/lead/audit?action={bad}"),
        (by_lead, f"/lead/audit?patient={bad}"),
        (by_lead, f"/lead/audit?since={bad}"),
        (by_lead, f"/lead/audit?{bad}=1"),
        (by_lead, f"/lead/audit/export.csv?patient={bad}"),
        (app.test_client(), f"/login?next=/patients/{bad}"),
    ]:
        assert _refused_as_bad_request(client.get(url)), url


def test_a_control_character_in_a_path_or_a_field_name(app, clinician):
    client = _client(app, clinician)
    assert _refused_as_bad_request(client.get("/patients/%00"))
    response = client.post("/patients/new", data={"given\x00name": "Jordan"})
    assert _refused_as_bad_request(response)


def test_no_server_error_for_any_search_with_a_nul(app, lead, clinician, patient):
    """The sweep: every GET route without URL parameters, with ?q=%00 appended, by each role."""
    rules = [r.rule for r in app.url_map.iter_rules()
             if "GET" in r.methods and not r.arguments and not r.rule.startswith("/static")]
    for user in (lead, clinician):
        client = _client(app, user)
        for rule in rules:
            status = client.get(f"{rule}?q=%00").status_code
            assert status == 400, (rule, status)


# --- the last line: no row with a control character is flushed, whatever the path -------------

def test_the_row_guard_refuses_a_flush(app, clinic):
    db.session.commit()
    db.session.add(User(clinic_id=clinic.id, role="clinician", email="nul@test.example",
                        full_name="Nul\x00 Byte"))
    with pytest.raises(UnsafeInput):
        db.session.flush()
    db.session.rollback()
    user = make.user(clinic, "clinician")
    user.full_name = "Late\x1b edit"  # a change to a loaded row, too
    with pytest.raises(UnsafeInput):
        db.session.flush()
    db.session.rollback()
