"""The menu at a desktop width: every link on one line, nothing wider than the window; at a
tablet width it folds behind the menu button, which opens it by keyboard."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

ONE_LINE = """() => [...document.querySelectorAll('nav[aria-label=Main] .nav-link, nav[aria-label=Main] .btn')]
    .filter(e => e.offsetParent !== null)
    .filter(e => e.getClientRects().length > 1 || e.getBoundingClientRect().height > 48)
    .map(e => e.textContent.trim())"""


@pytest.mark.parametrize("who", ["lead", "clinician", "patient_user"])
def test_the_menu_keeps_each_link_on_one_line_at_1280(page, live_server, sign_in, request, who):
    user = request.getfixturevalue(who)
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, user.email)
    assert page.evaluate(ONE_LINE) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_the_menu_folds_at_768_and_opens_by_keyboard(page, live_server, sign_in, lead):
    page.set_viewport_size({"width": 768, "height": 1000})
    sign_in(page, lead.email)
    toggler = page.get_by_role("button", name="Show menu")
    assert toggler.is_visible()
    toggler.focus()
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Audit trail").wait_for(state="visible")
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
