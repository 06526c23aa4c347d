"""A clinician runs a dosing session in the browser: starts it, records the medication, notes
(typed, saved with Enter), vitals, an adverse event; signs it, adds an addendum; then holds the
debrief and sets two integration tasks. axe on each page."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.dosing.builders import clinic_day, scheduled_session

pytestmark = pytest.mark.browser



@pytest.fixture
def axe(check_accessibility):
    return check_accessibility


def test_a_session_from_start_to_debrief(page, live_server, sign_in, axe, clinician, patient):
    session = scheduled_session(patient, clinician)
    sign_in(page, clinician.email)
    page.goto(f"{live_server}/sessions/{session.id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dosing session")
    expect(page.get_by_text("Readiness checklist: complete")).to_be_visible()
    axe(page)

    # started two hours ago (typed), so the observation gate can be met in this test
    two_hours_ago = datetime.now(ZoneInfo("America/New_York")) - timedelta(hours=2)
    page.locator("#start-started_at").fill(two_hours_ago.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#start-room").fill("Room 2")
    page.get_by_role("button", name="Start the session").click()
    expect(page.get_by_role("status").filter(has_text="The session has started.")).to_be_visible()

    # Medication: a wrong dose is refused beside the field, then corrected.
    medication = page.locator("#medication")
    medication.get_by_label("Medication", exact=True).select_option("ketamine")
    medication.get_by_label("Route", exact=True).select_option("iv")
    medication.get_by_label("Dose (mg)").fill("5000")
    medication.get_by_label("Infusion time (minutes)").fill("40")
    medication.get_by_role("button", name="Save the medication").click()
    expect(page.locator("#medication-dose_mg-error")).to_contain_text("not a plausible dose")
    expect(page.locator("#medication-dose_mg")).to_have_value("5000")
    axe(page)
    page.locator("#medication-dose_mg").fill("35")
    page.locator("#medication").get_by_role("button", name="Save the medication").click()
    expect(page.locator("#medication")).to_contain_text("0.50 mg/kg at 70 kg")
    expect(page.locator("#lot-prompt")).to_be_visible()

    # A dose outside the usual range: refused first, then confirmed with a reason.
    page.locator("#medication-dose_mg").fill("84")
    page.locator("#medication-lot_number").fill("KET-2211")
    page.locator("#medication").get_by_role("button", name="Save changes to the medication").click()
    expect(page.locator("#medication-confirm_dose-error")).to_contain_text("1.20 mg/kg")
    expect(page.locator("#medication-dose_mg")).to_have_value("84")
    axe(page)
    page.get_by_label("I confirm this dose outside the usual range").check()
    page.get_by_label("Reason for the dose outside the usual range").fill("Prescriber ordered 1.2.")
    page.locator("#medication").get_by_role("button", name="Save changes to the medication").click()
    expect(page.locator("#dose-check")).to_contain_text("Outside the usual range: confirmed")
    expect(page.locator("#dose-check")).to_contain_text("Prescriber ordered 1.2.")

    # Notes: type, press Enter; the note is saved and the cursor is back in the box. Enter
    # saves once session.js has run: wait for the page (reloaded by the save above) to load,
    # or under load a newline went into the box instead (seen in a CI run).
    page.wait_for_load_state("load")
    box = page.locator("#note-text")
    box.fill("Eyes closed, breathing slowly.")
    box.press("Enter")
    expect(page.locator("#notes")).to_contain_text("Eyes closed, breathing slowly.")
    expect(page.locator("#note-text")).to_be_focused()
    page.locator("#note-kind").select_option("patient_words")
    page.locator("#note-text").type("It feels like floating.")
    page.locator("#note-text").press("Enter")
    expect(page.locator("#notes")).to_contain_text("It feels like floating.")
    expect(page.locator("#notes tbody tr")).to_have_count(2)

    # Vitals: an alert-level pressure raises a safety flag.
    vitals = page.locator("#vitals")
    vitals.get_by_label("Systolic (mmHg)").fill("185")
    vitals.get_by_label("Diastolic (mmHg)").fill("100")
    vitals.get_by_label("Heart rate (beats/min)").fill("88")
    vitals.get_by_label("SpO2 (%)").fill("97")
    vitals.get_by_role("button", name="Save the reading").click()
    expect(page.locator("#vitals")).to_contain_text("at or above the alert level (180)")
    expect(page.get_by_text("Safety flags raised in this session")).to_be_visible()

    events = page.locator("#adverse-events")
    events.get_by_label("Event", exact=True).select_option("nausea")
    events.get_by_label("Severity").select_option("mild")
    events.get_by_label("Action taken").fill("Ondansetron 4 mg given.")
    events.get_by_role("button", name="Save the event").click()
    expect(page.locator("#adverse-events")).to_contain_text("Ondansetron 4 mg given.")
    axe(page)

    page.get_by_role("button", name="End the session").click()
    expect(page.locator("#session-times")).to_contain_text("Ended")

    # The discharge gates: shown before trying; a refusal names each one not met.
    discharge = page.locator("#discharge")
    expect(discharge.locator("#gate-safety_flags")).to_contain_text("Not met")
    expect(discharge.locator("#gate-observation")).to_contain_text("Met")
    discharge.get_by_label("No driving until the next day: acknowledged by the patient").check()
    discharge.get_by_role("button", name="Save the discharge").click()
    refusal = page.locator("#discharge [role=alert]").first
    expect(refusal).to_contain_text("safety flag of this session not acknowledged")
    expect(refusal).to_contain_text("at or above the alert level (180)")
    expect(refusal).to_contain_text("No sedation rating is recorded")
    expect(page.locator("#discharge-escort_name")).to_have_value("Sam Escort")
    axe(page)

    page.get_by_role("link", name=re.compile("^Acknowledge")).click()
    page.get_by_label("Acknowledgement note").fill("Rechecked at once; 150/90 and settling.")
    page.get_by_role("button", name="Acknowledge flag").click()
    page.goto(f"{live_server}/sessions/{session.id}")
    vitals = page.locator("#vitals")
    vitals.get_by_label("Systolic (mmHg)").fill("132")
    vitals.get_by_label("Diastolic (mmHg)").fill("84")
    vitals.get_by_label("Respiratory rate (breaths/min)").fill("14")
    vitals.get_by_role("button", name="Save the reading").click()
    expect(page.locator("#vitals-schedule")).to_contain_text("Done")
    page.locator("#sedation").get_by_label("MOAA/S").select_option("5")
    page.locator("#sedation").get_by_role("button", name="Save the rating").click()
    expect(page.locator("#discharge #gate-sedation")).to_contain_text("Met")
    discharge = page.locator("#discharge")
    discharge.get_by_label("No driving until the next day: acknowledged by the patient").check()
    discharge.get_by_role("button", name="Save the discharge").click()
    expect(page.locator("#discharge")).to_contain_text("Sam Escort")
    expect(page.locator("#discharge")).to_contain_text("minutes of observation since dosing")

    # Sign; then the record is read-only and an addendum sits beside it.
    page.get_by_role("button", name="Sign the in-session record").click()
    signature = page.locator("#signature")
    expect(signature).to_contain_text("Signed by Casey Clinician")
    expect(signature).to_contain_text("still matches this hash")
    expect(page.locator("#note-text")).to_have_count(0)
    axe(page)
    signature.get_by_label("Reason for the addendum").fill("Late entry")
    signature.get_by_label("Addendum", exact=True).fill("Headache at discharge, resolved with water.")
    signature.get_by_role("button", name="Add the addendum").click()
    expect(page.locator("#signature")).to_contain_text("Reason: Late entry")
    expect(page.locator("#signature")).to_contain_text("Headache at discharge")
    axe(page)

    # The debrief, beside the intention, with two integration tasks.
    page.get_by_role("link", name="Debrief").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Debrief")
    expect(page.get_by_text("To feel less weighed down.")).to_be_visible()
    axe(page)
    page.get_by_label("Emotions").fill("Relief, some sadness.")
    page.get_by_label("Insights").fill("The inner critic is loud in the mornings.")
    walk = page.get_by_role("group", name="Progress on: Walk outside three mornings a week")
    walk.get_by_label("Some progress").check()
    walk.get_by_label("Note (optional)").fill("Walked twice.")
    page.get_by_role("button", name="Save the debrief").click()
    expect(page.get_by_role("status").filter(has_text="The debrief is saved.")).to_be_visible()

    plan = page.locator("#plan")
    plan.get_by_label("Title", exact=True).fill("Morning walk")
    plan.get_by_label("Kind", exact=True).select_option("movement")
    plan.get_by_label("Daily", exact=True).check()
    plan.get_by_label("From (daily or weekly)").fill(clinic_day().isoformat())
    plan.get_by_label("Until (daily or weekly)").fill(clinic_day(13).isoformat())
    plan.get_by_role("button", name="Add the task").click()
    expect(page.locator("#plan")).to_contain_text("Morning walk")

    plan = page.locator("#plan")
    plan.get_by_label("Title", exact=True).fill("Write three lines in the journal")
    plan.get_by_label("Kind", exact=True).select_option("journaling")
    plan.get_by_label("Once", exact=True).check()
    plan.get_by_label("Due on (once)").fill(clinic_day(3).isoformat())
    plan.get_by_role("button", name="Add the task").click()
    expect(page.locator("#plan article")).to_have_count(2)
    expect(page.locator("#plan")).to_contain_text(re.compile(r"Write three lines in the journal"))
    axe(page)

    page.get_by_role("button", name="Sign the debrief").click()
    expect(page.locator("#signature")).to_contain_text("still matches this hash")
    axe(page)
