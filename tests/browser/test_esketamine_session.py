"""An esketamine (Spravato) session in the browser, from the readiness check to the REMS form:
a clinician schedules the session, records the intention and the readiness checklist with the
concomitant-medication questions, starts it, records 84 mg intranasal (refused without its lot
number), vitals before dosing, about 40 minutes after and before discharge, a sedation rating;
ends it; is refused the discharge while an alert-level reading is unacknowledged, acknowledges
it, measures again and discharges after the observation time computed from the record; signs;
answers the REMS evaluation question and marks the form submitted; prints it on one page. Then
the lead's dashboard counts the REMS rule on time for this session. axe on every page visited.

Every time is typed into the forms, in the past (the session started three hours ago), so the
120-minute observation gate is met without waiting."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests import factories as make
from tests.dosing.builders import local
from tracker.core.clinic import Clinic
from tracker.core.sessions import DosingSession
from tracker.db import utcnow
from tracker.extensions import db

pytestmark = pytest.mark.browser

M = timedelta(minutes=1)


@pytest.fixture
def axe(check_accessibility):
    return check_accessibility


@pytest.fixture
def esketamine_patient(clinic, clinician, patient):
    """What the REMS form reads beyond the session: recorded elsewhere (the patient's details,
    Staff, Settings), so set here; and an active course to schedule the session in."""
    patient.sex = "female"
    clinician.phone = "207-555-0111"
    db.session.get(Clinic, clinic.id).address = "200 Harbor Street, Portland, ME"
    make.course(patient)
    db.session.commit()
    return patient


def _vitals(page, at, phase, systolic, diastolic, heart_rate=72, spo2=98):
    vitals = page.locator("#vitals")
    vitals.get_by_label("Measured at").fill(local(at))
    vitals.get_by_label("Phase").select_option(phase)
    vitals.get_by_label("Systolic (mmHg)").fill(str(systolic))
    vitals.get_by_label("Diastolic (mmHg)").fill(str(diastolic))
    vitals.get_by_label("Heart rate (beats/min)").fill(str(heart_rate))
    vitals.get_by_label("SpO2 (%)").fill(str(spo2))
    vitals.get_by_role("button", name="Save the reading").click()
    # the new row, by its time, is in the table once the page has reloaded
    expect(page.locator("#vitals tbody")).to_contain_text(f"{systolic}/{diastolic} mmHg")


def _discharge(page, at):
    discharge = page.locator("#discharge")
    discharge.get_by_label("Discharged at").fill(local(at))
    discharge.get_by_label("Escort's name").fill("Sam Escort")
    discharge.get_by_label("No driving until the next day: acknowledged by the patient").check()
    discharge.get_by_role("button", name="Save the discharge").click()


def test_an_esketamine_session_to_the_rems_form_and_the_dashboard(
        page, live_server, sign_in, sign_out, axe, clinician, lead, esketamine_patient):
    patient = esketamine_patient
    start = (utcnow() - timedelta(hours=3)).replace(second=0, microsecond=0)
    sign_in(page, clinician.email)

    # Schedule the session from the chart (three hours ago: today).
    page.goto(f"{live_server}/patients/{patient.id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(patient.family_name)
    axe(page)
    page.get_by_role("link", name="Schedule a dosing session").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Schedule a dosing session")
    axe(page)
    page.get_by_label("Scheduled time").fill(local(start - 5 * M))
    page.get_by_label("Room").fill("Room 3")
    page.get_by_role("button", name="Schedule session").click()
    expect(page.get_by_role("status").filter(has_text="The dosing session is scheduled.")) \
        .to_be_visible()
    session_id = db.session.scalar(sa.select(DosingSession.id)
                                   .where(DosingSession.patient_id == patient.id))

    # The intention and the readiness checklist, with the concomitant medications.
    page.get_by_role("link", name=re.compile(r"^Intention")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Intention for the dosing session")
    axe(page)
    page.get_by_label("Depression").check()
    page.get_by_label("The intention, in the patient's own words").fill(
        "To get through the mornings.")
    page.get_by_label("Goal 1").fill("Make breakfast four days a week")
    for item in ("Fasted as instructed", "Escort / driver arranged", "Current medications reviewed",
                 "Consent on file", "Baseline vitals acceptable"):
        page.get_by_label(item, exact=True).check()
    page.get_by_label("Escort's name").fill("Sam Escort")
    page.get_by_label("Escort's phone").fill("207-555-0100")
    answers = {"Benzodiazepines": "Yes", "Non-benzodiazepine sedative hypnotics": "No",
               "Psychostimulants": "No", "Monoamine oxidase inhibitors (MAOIs)": "No"}
    for question, answer in answers.items():
        page.get_by_role("group", name=question, exact=True).get_by_label(answer, exact=True).check()
    page.get_by_role("button", name="Save intention").click()
    expect(page.get_by_role("status").filter(has_text="The intention is saved.")).to_be_visible()

    # The session page: checklist complete; start it (typed: three hours ago).
    page.goto(f"{live_server}/sessions/{session_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dosing session")
    expect(page.get_by_text("Readiness checklist: complete")).to_be_visible()
    axe(page)
    page.locator("#start-started_at").fill(local(start))
    page.get_by_role("button", name="Start the session").click()
    expect(page.get_by_role("status").filter(has_text="The session has started.")).to_be_visible()

    # Before dosing: a reading (the pre-dose phase is offered first).
    _vitals(page, start - 4 * M, "pre_dose", 122, 78)

    # Esketamine 84 mg intranasal: refused without its lot number, typed values kept.
    medication = page.locator("#medication")
    medication.get_by_label("Medication", exact=True).select_option("esketamine")
    medication.get_by_label("Route", exact=True).select_option("intranasal")
    medication.get_by_label("Dose (mg)").fill("84")
    medication.get_by_role("button", name="Save the medication").click()
    expect(page.locator("#medication-lot_number-error")).to_contain_text(
        "lot number: it is required for esketamine")
    expect(page.locator("#medication-dose_mg")).to_have_value("84")
    expect(page.locator("#medication-medication")).to_have_value("esketamine")
    expect(page.locator("#medication-route")).to_have_value("intranasal")
    axe(page)
    page.locator("#medication-lot_number").fill("ESK-0815")
    page.locator("#medication").get_by_role("button", name="Save the medication").click()
    expect(page.locator("#medication")).to_contain_text("ESK-0815")
    expect(page.locator("#dose-check")).to_contain_text("Within the clinic's usual range")
    expect(page.locator("#lot-prompt")).to_have_count(0)

    # About 40 minutes after: a reading and a rating.
    _vitals(page, start + 40 * M, "during", 146, 90, heart_rate=84)
    sedation = page.locator("#sedation")
    sedation.get_by_label("Rated at").fill(local(start + 41 * M))
    sedation.get_by_label("MOAA/S").select_option("4")
    sedation.get_by_label("Dissociation (0-10, optional)").fill("3")
    sedation.get_by_role("button", name="Save the rating").click()
    expect(page.locator("#sedation tbody tr")).to_have_count(1)
    axe(page)

    # The session ends; before discharge the pressure is at alert level: a flag is raised.
    page.locator("#end-ended_at").fill(local(start + 125 * M))
    page.get_by_role("button", name="End the session").click()
    expect(page.locator("#end-ended_at")).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text="The end of the session is recorded.")).to_be_visible()
    _vitals(page, start + 126 * M, "pre_discharge", 184, 104, heart_rate=90)
    expect(page.locator("#vitals")).to_contain_text("at or above the alert level (180)")
    expect(page.get_by_text("Safety flags raised in this session")).to_be_visible()

    # The discharge is refused, naming each gate not met; what was typed is kept.
    _discharge(page, start + 128 * M)
    refusal = page.locator("#discharge [role=alert]").first
    expect(refusal).to_contain_text("Not ready for discharge.")
    expect(refusal).to_contain_text("safety flag of this session not acknowledged")
    expect(refusal).to_contain_text("is out of range")
    expect(refusal).to_contain_text("The last MOAA/S")
    expect(page.locator("#discharge #gate-observation")).to_contain_text("Met")
    expect(page.locator("#discharge #gate-safety_flags")).to_contain_text("Not met")
    expect(page.locator("#discharge #gate-last_vitals")).to_contain_text("Not met")
    expect(page.locator("#discharge #gate-sedation")).to_contain_text("Not met")
    expect(page.locator("#discharge-escort_name")).to_have_value("Sam Escort")
    axe(page)

    # Acknowledge the flag, measure again, rate MOAA/S 5: then the discharge is recorded.
    page.get_by_role("link", name=re.compile("^Acknowledge")).click()
    expect(page.get_by_label("Acknowledgement note")).to_be_visible()
    axe(page)
    page.get_by_label("Acknowledgement note").fill("Rechecked after five minutes seated.")
    page.get_by_role("button", name="Acknowledge flag").click()
    expect(page.get_by_role("status").filter(has_text="Safety flag acknowledged.")).to_be_visible()
    axe(page)
    page.goto(f"{live_server}/sessions/{session_id}")
    expect(page.locator("#flags-heading + ul")).to_contain_text(", acknowledged)")
    _vitals(page, start + 133 * M, "pre_discharge", 134, 84)
    sedation = page.locator("#sedation")
    sedation.get_by_label("Rated at").fill(local(start + 134 * M))
    sedation.get_by_label("MOAA/S").select_option("5")
    sedation.get_by_label("Dissociation (0-10, optional)").fill("0")
    sedation.get_by_role("button", name="Save the rating").click()
    expect(page.locator("#sedation tbody tr")).to_have_count(2)
    expect(page.locator("#discharge #gate-sedation")).to_contain_text("Met")
    expect(page.locator("#vitals-schedule li")).to_have_count(3)
    for check in page.locator("#vitals-schedule li").all():
        expect(check).to_contain_text("Done")
    _discharge(page, start + 135 * M)
    discharge = page.locator("#discharge")
    expect(discharge).to_contain_text("after 135 minutes of observation since dosing")
    expect(discharge).to_contain_text("Within the flag thresholds")
    # before signing, the REMS section names what is still missing: the evaluation question
    rems = page.locator("#rems")
    expect(rems).to_contain_text("Still missing (1)")
    expect(rems).to_contain_text("When would the patient have been ready to leave")
    axe(page)

    # Sign the record.
    page.get_by_role("button", name="Sign the in-session record").click()
    expect(page.locator("#signature")).to_contain_text("Signed by Casey Clinician")
    expect(page.locator("#signature")).to_contain_text("still matches this hash")
    axe(page)

    # The REMS form: filled from the record; answer the question; nothing missing; submit.
    page.locator("#rems").get_by_role("link", name="Open the REMS monitoring form").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("REMS patient monitoring form")
    expect(page.get_by_text("1 field missing")).to_be_visible()
    axe(page)
    page.get_by_label("When would the patient have been ready to leave?").fill("125")
    page.get_by_role("button", name="Save the answer").click()
    expect(page.locator("#evaluation")).to_contain_text("ready to leave 125 minutes")
    expect(page.get_by_text("Complete, not submitted")).to_be_visible()
    expect(page.get_by_role("heading", name="Still missing")).to_have_count(0)
    body = page.locator("main")
    for value in ("84 mg", "ESK-0815", "135 minutes", "122/78 mmHg", "146/90 mmHg", "134/84 mmHg",
                  "200 Harbor Street, Portland, ME", "207-555-0111"):
        expect(body).to_contain_text(value)
    axe(page)
    page.get_by_role("button", name="Mark as submitted").click()
    expect(page.locator("#submission")).to_contain_text("Marked as submitted by Casey Clinician")
    axe(page)

    # The print view: one page, no navigation.
    page.get_by_role("link", name="Print view").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("REMS patient monitoring form")
    expect(page.locator("body")).to_contain_text("ESK-0815")
    axe(page)
    page.emulate_media(media="print")
    assert len(re.findall(rb"/Type\s*/Page\b", page.pdf(format="Letter"))) == 1
    page.emulate_media(media="screen")
    page.go_back()  # the print view has no navigation: sign out from the form's page
    expect(page.locator("#submission")).to_contain_text("Marked as submitted")
    sign_out(page)

    # The lead's dashboard: the REMS rule, this session on time.
    sign_in(page, lead.email)
    page.get_by_role("link", name="Continuity", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Continuity of care")
    row = page.locator('tr[data-rule="rems_submitted"]')
    expect(row).to_contain_text("REMS monitoring form submitted in time")
    on_time = row.get_by_role("link", name="on time: REMS monitoring form submitted in time")
    expect(on_time).to_have_text(re.compile(r"^1 on time"))
    expect(row.locator("td.fw-semibold")).to_have_text("100%")  # the rate column
    axe(page)
    on_time.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "REMS monitoring form submitted in time: on time")
    expect(page.locator("#drilldown-table")).to_contain_text(patient.record_number)
    axe(page)
