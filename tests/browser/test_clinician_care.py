"""A clinician's continued care in the browser: a PHQ-9 with item 9 above 0 raises a flag that
is acknowledged with a note; a follow-up is scheduled and its outcome recorded. axe on each page."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.care import builders
from tracker.db import utcnow

pytestmark = pytest.mark.browser




@pytest.fixture
def axe(check_accessibility):
    return check_accessibility


def _local_input(value) -> str:
    from zoneinfo import ZoneInfo
    return value.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%dT%H:%M")


def test_phq9_with_item9_raises_a_flag_that_is_acknowledged(page, live_server, sign_in,
                                                            axe, clinician,
                                                            patient):
    builders.response(patient, clinician, "phq9", 16, days_ago=30)  # a baseline
    sign_in(page, clinician.email)
    page.goto(f"{live_server}/patients/{patient.id}/questionnaires/phq9/new")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Enter a PHQ-9")
    axe(page)

    # submit with question 4 left out: refused beside it, the other answers kept
    answers = [1, 1, 1, 0, 1, 0, 1, 0, 1]
    for number, value in enumerate(answers, start=1):
        if number != 4:
            page.locator(f"#item_{number}-{value}").check()
    page.get_by_role("button", name="Save PHQ-9").click()
    expect(page.locator("#item_4-error")).to_have_text("Question 4 needs an answer.")
    expect(page.locator("#item_9-1")).to_be_checked()
    axe(page)

    page.locator("#item_4-0").check()
    page.get_by_role("button", name="Save PHQ-9").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Safety flags")
    expect(page.get_by_role("alert")).to_contain_text("a safety flag was raised")
    row = page.get_by_role("row").filter(has_text="PHQ-9 item 9 above 0")
    expect(row).to_contain_text("Open")
    axe(page)

    row.get_by_role("link", name=re.compile("Acknowledge")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Acknowledge a safety flag")
    axe(page)
    page.get_by_role("button", name="Acknowledge flag").click()  # no note: refused
    expect(page.locator("#note-error")).to_contain_text("Write a note")
    axe(page)
    page.get_by_label("Acknowledgement note").fill("Called the patient; safety plan reviewed.")
    page.get_by_role("button", name="Acknowledge flag").click()
    expect(page.get_by_role("status")).to_contain_text("Safety flag acknowledged.")
    row = page.get_by_role("row").filter(has_text="PHQ-9 item 9 above 0")
    expect(row).to_contain_text("Acknowledged")
    expect(row).to_contain_text("Called the patient; safety plan reviewed.")

    page.get_by_role("link", name="Questionnaires").click()
    expect(page.get_by_role("table")).to_contain_text("Down 10 points (63%) from baseline 16: response.")
    axe(page)
    page.get_by_role("row").filter(has_text="Down 10").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("PHQ-9 of")
    axe(page)


def test_follow_up_is_scheduled_and_its_outcome_recorded(page, live_server, sign_in,
                                                         axe, clinician, patient):
    builders.ended_session(patient, clinician, ended_days_ago=3)
    sign_in(page, clinician.email)
    page.goto(f"{live_server}/patients/{patient.id}/follow-ups")
    expect(page.locator("#next-follow-up")).to_contain_text("Next follow-up due by")
    axe(page)

    page.get_by_label("Kind").select_option(label="Check-in call")
    page.get_by_label("When").fill(_local_input(utcnow() - timedelta(hours=5)))
    page.get_by_label("With").select_option(label=clinician.full_name)
    page.get_by_label("Linked dosing session").select_option(index=1)
    page.get_by_label("Note").fill("Ask about sleep.")
    page.get_by_role("button", name="Schedule follow-up").click()
    expect(page.get_by_role("status")).to_contain_text("Follow-up scheduled.")
    row = page.get_by_role("row").filter(has_text="Ask about sleep.")
    expect(row).to_contain_text("Scheduled")
    axe(page)

    row.get_by_role("link", name=re.compile("Record outcome")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Follow-up outcome")
    axe(page)
    page.get_by_label("Outcome", exact=True).select_option(label="Completed")
    page.get_by_role("button", name="Save outcome").click()  # no time: refused
    expect(page.locator("#completed_at-error")).to_contain_text("needs the time it was held")
    axe(page)
    page.get_by_label("Completed at").fill(_local_input(utcnow() - timedelta(hours=4)))
    page.get_by_label("Note").fill("Sleeping better; walks most mornings.")
    page.get_by_role("button", name="Save outcome").click()
    expect(page.get_by_role("status")).to_contain_text("Outcome recorded.")
    row = page.get_by_role("row").filter(has_text="Sleeping better")
    expect(row).to_contain_text("Completed")
    expect(page.locator("#next-follow-up")).to_have_text("No follow-up is owed now.")
    expect(page.get_by_role("row").filter(has_text=re.compile(r"On time: held \w{3} \d{2}"))).to_have_count(1)
    axe(page)
