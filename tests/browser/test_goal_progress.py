"""Goal ratings in the browser: rated by keyboard at the debrief, then the chart's timeline and
goal charts, and the patient's goals page, at phone and tablet widths: nothing wider than the
window, axe clean."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests import factories as make
from tests.integration.goal_builders import rated_goals
from tracker.db import utcnow
from tracker.extensions import db

pytestmark = pytest.mark.browser

WALK = "Walk outside three mornings a week"


def test_a_clinician_rates_a_goal_with_the_keyboard(page, live_server, sign_in, check_accessibility,
                                                    clinician, patient):
    course = make.course(patient)
    session = make.dosing_session(course, clinician=clinician, ended=True,
                                  scheduled_at=utcnow() - timedelta(hours=5))
    make.intention(session, clinician, goals=(WALK,))
    db.session.commit()
    sign_in(page, clinician.email)
    page.goto(f"{live_server}/sessions/{session.id}/debrief")
    check_accessibility(page)
    page.get_by_label("Emotions").fill("Relief.")
    group = page.get_by_role("group", name="How far has it come?")
    group.get_by_label("Not started").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")      # arrow keys move the choice within the group
    assert group.get_by_label("Some progress").is_checked()
    page.get_by_role("button", name="Save the debrief").click()
    assert "The debrief is saved." in page.locator("main").inner_text()
    # the draft opens again with the rating as saved
    assert page.get_by_role("group", name="How far has it come?").get_by_label(
        "Some progress").is_checked()


@pytest.mark.parametrize("width", [375, 768])
def test_the_chart_timeline_and_goal_charts_fit(page, live_server, sign_in, check_accessibility,
                                               clinician, patient, width):
    rated_goals(patient, clinician, [{WALK: 2}, {WALK: 3}, {WALK: 4}])
    db.session.commit()
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, clinician.email)
    page.goto(f"{live_server}/patients/{patient.id}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    goals = page.locator("section", has=page.get_by_role("heading", name="Goal progress"))
    assert goals.get_by_role("img").count() == 1
    goals.get_by_text("Ratings by session, as a table").click()
    assert "Much progress (4 of 5)" in goals.inner_text()
    check_accessibility(page)


def test_the_patient_goals_page_fits_a_phone(page, live_server, sign_in, check_accessibility,
                                             clinician, patient, patient_user):
    rated_goals(patient, clinician, [{WALK: 2}, {WALK: 4}])
    db.session.commit()
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, patient_user.email)
    page.goto(f"{live_server}/me/goals")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert "Much progress (4 of 5)" in page.locator("main").inner_text()
    check_accessibility(page)
