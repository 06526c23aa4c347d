"""The FHIR exports in the browser: the chart's link downloads a bundle, the patient's record
page reads and downloads, the lead's export page lists the files. axe on each page."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.fhir.helpers import SHARED_TEXT, full_journey

pytestmark = pytest.mark.browser


def test_chart_link_downloads_the_bundle(page, live_server, sign_in, check_accessibility,
                                         clinician, patient):
    full_journey(patient, clinician)
    sign_in(page, clinician.email)
    page.goto(f"{live_server}/patients/{patient.id}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export the journey as FHIR (JSON)").click()
    bundle = json.loads(Path(download.value.path()).read_text())
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"


def test_the_patient_downloads_their_record(page, live_server, sign_in, check_accessibility,
                                            clinician, patient, patient_user):
    full_journey(patient, clinician)
    sign_in(page, patient_user.email)
    page.get_by_role("link", name="Download my record").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My record")
    expect(page.get_by_text(SHARED_TEXT)).to_be_visible()
    check_accessibility(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as a FHIR file (JSON)").click()
    assert json.loads(Path(download.value.path()).read_text())["type"] == "collection"


def test_the_lead_sees_the_files_and_their_counts(page, live_server, sign_in, check_accessibility,
                                                  lead, clinician, patient):
    full_journey(patient, clinician)
    sign_in(page, lead.email)
    page.get_by_role("link", name="FHIR export of the whole clinic").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("FHIR export")
    check_accessibility(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Patient.ndjson").click()
    lines = Path(download.value.path()).read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["resourceType"] == "Patient"
