"""The REMS monitoring form and the print views in the browser: the clinician answers the
evaluation question and marks the form submitted; the print views and a printed session page
show no navigation. axe on each page."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.dosing.builders import esketamine_session
from tracker.dosing.services import sign_session_record
from tracker.extensions import db

pytestmark = pytest.mark.browser


def test_rems_form_answer_submit_and_print(page, live_server, sign_in, check_accessibility,
                                           clinician, patient):
    session = esketamine_session(patient, clinician)
    sign_session_record(session, clinician)
    db.session.commit()
    sign_in(page, clinician.email)

    page.goto(f"{live_server}/sessions/{session.id}")
    rems = page.locator("#rems")
    expect(rems).to_contain_text("Still missing (1)")
    page.emulate_media(media="print")
    expect(page.locator("nav.navbar")).to_be_hidden()
    page.emulate_media(media="screen")
    rems.get_by_role("link", name="Open the REMS monitoring form").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("REMS patient monitoring form")
    check_accessibility(page)

    page.get_by_label("When would the patient have been ready to leave?").fill("115")
    page.get_by_role("button", name="Save the answer").click()
    expect(page.locator("#evaluation")).to_contain_text("ready to leave 115 minutes")
    page.get_by_role("button", name="Mark as submitted").click()
    expect(page.locator("#submission")).to_contain_text("Marked as submitted by Casey Clinician")
    check_accessibility(page)

    page.goto(f"{live_server}/print/sessions/{session.id}/rems")
    expect(page.get_by_role("heading", level=1)).to_contain_text("REMS patient monitoring form")
    check_accessibility(page)
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    # the form prints on one page, on US Letter and on A4 (page.pdf lays out for print)
    for paper in ("Letter", "A4"):
        pdf = page.pdf(format=paper)
        assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1, paper
    page.emulate_media(media="screen")

    page.goto(f"{live_server}/print/sessions/{session.id}")
    expect(page.locator(".print-signature")).to_contain_text("Content hash (SHA-256)")
    check_accessibility(page)
