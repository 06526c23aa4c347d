"""The two "today" pages in a browser: the lead's clinic overview and the patient's journey,
axe-clean at 375 and 1280 px; the journey is short on a phone (its height is measured and
printed: `-s` shows it) and leads with today's tasks and the next session."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.lead.test_today import build
from tests.portal.builders import journey, more_sessions
from tracker.extensions import db

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
# The journey with seven past sessions measured 3,900 px and more at 375 px before the
# sessions were folded (issue 14); folded it stays under this.
JOURNEY_MAX_HEIGHT = 2600
BEFORE_HEIGHT = 6188   # the same journey, measured before (every session unfolded)


def _width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def _height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


def test_the_lead_sees_what_to_act_on_today(page, live_server, sign_in, check_accessibility,
                                            clinic, clinician, lead):
    build(clinic, clinician, 6)
    db.session.commit()
    sign_in(page, lead.email)
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        page.goto(f"{live_server}/lead/")
        expect(page.get_by_role("heading", level=1)).to_contain_text("today")
        check_accessibility(page)
        page.screenshot(path=f"/tmp/today-lead-{size['width']}.png", full_page=True)
    tile = page.get_by_role("region", name=re.compile("Debriefs due"))
    tile.get_by_role("link", name=re.compile(r"^6 late")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Debrief held and signed in time: missing")
    expect(page.get_by_text("6 dosing sessions")).to_be_visible()


def test_the_journey_leads_with_today_and_is_short_on_a_phone(
        page, live_server, sign_in, check_accessibility, clinic, clinician, patient, patient_user):
    j = journey(patient, clinician, tag="Robin")
    more_sessions(patient, clinician, j.course, 6)
    db.session.commit()
    page.set_viewport_size(PHONE)
    sign_in(page, patient_user.email)
    page.goto(f"{live_server}/me/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your journey")
    height = _height(page)
    print(f"\njourney height at 375 px: {height}px")
    check_accessibility(page)
    assert _width(page) <= PHONE["width"]
    assert height <= JOURNEY_MAX_HEIGHT, height
    page.screenshot(path="/tmp/today-journey-375.png", full_page=True)
    today = page.get_by_role("region", name=re.compile("^Today"))
    today.get_by_role("link", name=re.compile(j.words["task"])).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(j.words["task"])
    page.get_by_role("button", name="Mark done").click()
    page.goto(f"{live_server}/me/")
    expect(page.get_by_role("region", name=re.compile("^Today"))).to_contain_text("Done")
    page.set_viewport_size(DESKTOP)
    page.reload()
    check_accessibility(page)
    # a past session unfolds to show its intention
    past = page.get_by_role("region", name="Your sessions so far")
    expect(past.get_by_text(j.words["intention"])).not_to_be_visible()
    past.locator("details", has_text=j.words["intention"]).locator("summary").click()
    expect(past.get_by_text(j.words["intention"])).to_be_visible()
    check_accessibility(page)
