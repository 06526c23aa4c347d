"""The continuity dashboard in the browser: the numbers and the trend chart, a drill-down, the
patient's chart (when the chart admits leads), the CSV export, and a reversed period. axe on
every page."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests import factories as make
from tests.continuity import builders as b
from tracker.db import utcnow

pytestmark = pytest.mark.browser

D = timedelta(days=1)


@pytest.fixture
def axe(check_accessibility):
    return check_accessibility


@pytest.fixture
def missed_debrief(clinic, clinician, patient):
    """A session four days ago, intention on time, never debriefed."""
    course = make.course(patient, started_on=(utcnow() - 30 * D).date())
    s = b.session(course, clinician, utcnow() - 4 * D, signed_at=utcnow() - 4 * D + 2 * b.H)
    b.intention(s, clinician, utcnow() - 5 * D, checklist_at=utcnow() - 5 * D)
    b.phq9(patient, clinician, utcnow() - 6 * D)
    return s


def test_dashboard_drilldown_chart_and_export(page, live_server, sign_in, axe, app, lead,
                                              patient, missed_debrief, tmp_path):
    errors = []

    def console(msg):  # CSP violations and script errors land here (a missing favicon too)
        if msg.type == "error" and not msg.location.get("url", "").endswith("favicon.ico"):
            errors.append(msg.text)
    page.on("console", console)
    sign_in(page, lead.email)
    page.get_by_role("link", name="Continuity", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Continuity of care")
    row = page.locator('tr[data-rule="debrief_signed"]')
    expect(row).to_contain_text("Debrief held and signed in time")
    expect(row.get_by_role("link", name="missing: Debrief held and signed in time")).to_have_text(
        re.compile(r"^1 missing"))
    # the trend is a heat map with the rate in each cell, and each rule has its sparkline
    expect(page.locator("#trend-table td.heat").first).to_be_visible()
    expect(page.locator("svg.sparkline polyline").first).to_be_attached()
    assert not errors, errors
    axe(page)

    row.get_by_role("link", name="missing: Debrief held and signed in time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Debrief held and signed in time: missing")
    table = page.locator("#drilldown-table")
    expect(table).to_contain_text(patient.full_name)
    expect(table).to_contain_text(patient.record_number)
    axe(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    path = tmp_path / "export.csv"
    download_info.value.save_as(path)
    lines = path.read_text().splitlines()
    assert lines[0].startswith("Record number,Patient,Item")
    assert len(lines) == 2 and patient.record_number in lines[1] and "Missing" in lines[1]

    table.get_by_role("link", name=patient.full_name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(patient.family_name)
    expect(page.get_by_text("Read-only")).to_be_visible()
    axe(page)


def test_a_reversed_period_is_explained_and_kept(page, live_server, sign_in, axe, lead):
    sign_in(page, lead.email)
    page.goto(f"{live_server}/lead/continuity")
    today = utcnow().date()
    page.get_by_label("From").fill(today.isoformat())
    page.get_by_label("To").fill((today - 7 * D).isoformat())
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.locator("#end-error")).to_contain_text("before its start")
    # the start, read without fault, is written back the clinic's way (day/month/year)
    expect(page.get_by_label("From")).to_have_value(f"{today:%d/%m/%Y}")
    axe(page)
