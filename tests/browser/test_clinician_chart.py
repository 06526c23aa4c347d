"""A clinician adds a patient, schedules a dosing session, sets an intention with two goals and
sees them on the chart; axe runs on every page on the way. Then the scores chart draws."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.patients import builders
from tracker.db import utcnow
from tracker.extensions import db

pytestmark = pytest.mark.browser


def test_add_a_patient_and_set_an_intention(page, live_server, sign_in, check_accessibility,
                                            clinician, clinician2):
    sign_in(page, clinician.email)
    assert page.get_by_role("heading", level=1).inner_text() == "My patients"
    check_accessibility(page)

    page.get_by_role("link", name="Add a patient").click()
    check_accessibility(page)
    page.get_by_label("Given name").fill("Jordan")
    page.get_by_label("Family name").fill("Rivera")
    page.get_by_label("Date of birth").fill("1979-06-02")
    page.get_by_label("Record number").fill("KT-2001")
    page.get_by_label("Email").fill("jordan@example.org")
    page.get_by_label("Weight (kg)").fill("900")
    page.get_by_role("button", name="Add patient").click()
    # bad input: the message is beside the field and what was typed is kept
    assert "Enter a weight between 20 and 350 kg." in page.locator("#weight_kg-error").inner_text()
    assert page.get_by_label("Given name").input_value() == "Jordan"
    check_accessibility(page)
    page.get_by_label("Weight (kg)").fill("81.5")
    page.get_by_label(clinician2.full_name).check()
    page.get_by_role("button", name="Add patient").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Jordan Rivera"
    assert "Casey Clinician (primary), Dana Otherclinician" in page.locator("main").inner_text()
    check_accessibility(page)

    page.get_by_role("link", name="Add a course").click()
    check_accessibility(page)
    page.get_by_role("button", name="Add course").click()

    page.get_by_role("link", name="Schedule a dosing session").click()
    check_accessibility(page)
    when = to_local_in_new_york(utcnow() + timedelta(days=3))
    page.get_by_label("Scheduled time").fill(when)
    page.get_by_label("Room").fill("Room 2")
    page.get_by_role("button", name="Schedule session").click()
    assert "Induction session 1" in page.locator("main").inner_text()
    check_accessibility(page)

    page.get_by_role("link", name="Intention of session 1 (induction)").click()
    check_accessibility(page)
    page.get_by_label("Depression").check()
    page.get_by_label("The intention, in the patient's own words").fill("To be kinder to myself.")
    page.get_by_label("Goal 1", exact=True).fill("Walk outside three mornings a week")
    page.get_by_label("Goal 2", exact=True).fill("Call my sister on Sundays")
    page.get_by_label("Fasted as instructed").check()
    page.get_by_role("button", name="Save intention").click()

    journey = page.locator("section", has=page.get_by_role("heading", name="Journey")).inner_text()
    assert "2 goals" in journey
    assert "Walk outside three mornings a week" in journey and "Call my sister on Sundays" in journey
    check_accessibility(page)


def to_local_in_new_york(moment) -> str:
    """The clinic's (tests: America/New_York) wall-clock time, for a datetime-local input."""
    return moment.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%dT%H:%M")


def test_the_scores_chart_draws_with_the_sessions_marked(page, live_server, sign_in,
                                                         check_accessibility, clinician, patient):
    builders.journey(patient, clinician, 3)
    builders.score(patient, clinician, "gad7", 11, days_ago=2)
    builders.score(patient, clinician, "pcl5", 38, days_ago=2)
    db.session.commit()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, clinician.email)
    page.goto(f"{live_server}/patients/{patient.id}")
    page.wait_for_function("() => window.Chart && Chart.getChart('scores-chart')")
    drawn = page.evaluate("""() => {
        const chart = Chart.getChart('scores-chart');
        return {datasets: chart.data.datasets.map(d => d.label), width: chart.width};
    }""")
    assert drawn["datasets"] == ["PHQ-9 total", "GAD-7 total", "PCL-5 total"]
    assert drawn["width"] > 100
    assert errors == []  # no CSP violation, no script error
    check_accessibility(page)
