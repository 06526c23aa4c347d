"""Print views: no navigation, a header (clinic, patient, record number, date), the signature
block (signer, time, content hash), addenda beside the original; access and audit as the
printed pages."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests import factories as make
from tests.conftest import page_text
from tests.dosing.builders import dosed_session, esketamine_session, full_record
from tracker.core.audit.models import AuditEvent
from tracker.core.signing.models import Addendum
from tracker.dosing.services import sign_session_record
from tracker.extensions import db
from tracker.integration.services import sign_debrief


@pytest.fixture
def signed(patient, clinician):
    session = full_record(dosed_session(patient, clinician), clinician)
    sign_session_record(session, clinician)
    db.session.add(Addendum(patient_id=patient.id, record_type="dosing_session",
                            record_id=session.id, author_id=clinician.id,
                            reason="Late entry", text="Patient reported mild headache at 14:10."))
    db.session.commit()
    return session


def no_navigation(html: str) -> None:
    assert "<nav" not in html and 'class="navbar' not in html
    assert "Sign out" not in html and "My patients" not in html


def printed_header(text: str, patient) -> None:
    assert "Test Clinic" in text and patient.full_name in text
    assert f"Record number {patient.record_number}" in text
    assert re.search(r"Session date \d\d \w{3} \d{4}", text)


def print_events() -> list[tuple[str, int]]:
    return [(e.record_type, e.record_id) for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "print").order_by(AuditEvent.id))]


def test_the_signed_session_record_prints_with_signature_and_addenda(login_as, clinician,
                                                                     patient, signed):
    response = login_as(clinician).get(f"/print/sessions/{signed.id}")
    assert response.status_code == 200
    html, text = response.get_data(as_text=True), page_text(response)
    no_navigation(html)
    printed_header(text, patient)
    assert "css/print.css" in html
    assert "Signed by Casey Clinician" in text and signed.content_hash in text
    assert "The record as stored matches this hash" in text
    # the addendum sits in its own column beside the original
    original, addenda = html.split('class="print-addenda"')
    assert "print-original" in original and "Late entry" in addenda
    assert "Patient reported mild headache" in addenda
    assert "Words 0" in text and "Ondansetron" in text
    assert print_events() == [("dosing_session", signed.id)]


def test_an_unsigned_record_prints_as_a_draft(login_as, clinician, patient):
    session = dosed_session(patient, clinician)
    db.session.commit()
    text = page_text(login_as(clinician).get(f"/print/sessions/{session.id}"))
    assert "Draft: the in-session record is not signed" in text


def test_the_signed_debrief_prints_with_its_integration_plan(login_as, clinician, patient,
                                                            signed):
    debrief = make.debrief(signed, clinician)
    make.task(patient, clinician, debrief=debrief, title="Morning walk by the river")
    sign_debrief(debrief, clinician)
    db.session.commit()
    response = login_as(clinician).get(f"/print/sessions/{signed.id}/debrief")
    assert response.status_code == 200
    html, text = response.get_data(as_text=True), page_text(response)
    no_navigation(html)
    printed_header(text, patient)
    assert "Morning walk by the river" in text and "Relief" in text
    assert "To feel less weighed down." in text           # the intention beside it
    assert debrief.content_hash in text and "Signed by Casey Clinician" in text
    assert print_events() == [("debrief", debrief.id)]


def test_no_debrief_no_print(login_as, clinician, signed):
    assert login_as(clinician).get(f"/print/sessions/{signed.id}/debrief").status_code == 404


def test_the_rems_form_prints_on_one_page(login_as, lead, clinician, patient):
    session = esketamine_session(patient, clinician)
    db.session.commit()
    response = login_as(lead).get(f"/print/sessions/{session.id}/rems")
    assert response.status_code == 200
    html, text = response.get_data(as_text=True), page_text(response)
    no_navigation(html)
    printed_header(text, patient)
    assert "print-one-page" in html                       # the stylesheet's one-page rules
    assert "56 mg" in text and "ESK-4711" in text and "Incomplete: 1 field missing" in text
    assert "Submitted to the REMS Not yet" in text
    assert print_events() == [("dosing_session", session.id)]


def test_a_ketamine_session_has_no_rems_print(login_as, clinician, signed):
    assert login_as(clinician).get(f"/print/sessions/{signed.id}/rems").status_code == 404


@pytest.mark.parametrize("path", ["", "/debrief"])
def test_print_views_refuse_outsiders(client, login_as, clinician, clinician2, patient_user,
                                      intruder, signed, path):
    make.debrief(signed, clinician)
    db.session.commit()
    for outsider, status in ((clinician2, 404), (intruder, 404), (patient_user, 403)):
        other = login_as(outsider)
        assert other.get(f"/print/sessions/{signed.id}{path}").status_code == status
        other.post("/logout")
    assert print_events() == []


def test_any_page_prints_without_its_navigation(login_as, clinician, signed):
    html = login_as(clinician).get(f"/sessions/{signed.id}").get_data(as_text=True)
    assert 'media="print"' in html and "css/print.css" in html
    assert f"/print/sessions/{signed.id}" in html           # the link to the print view
