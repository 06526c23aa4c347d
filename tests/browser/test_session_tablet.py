"""The dosing session page on a tablet in the dosing room (768 x 1024): every control a finger
presses is at least 44 px tall (WCAG 2.5.5's target size), and nothing scrolls sideways.

Measured in the browser: the bounding box of each visible button, link, text box, select and
summary, and for a checkbox or radio button the box of the row it sits in with its label (the
label is the target: a tap on it ticks the box). Checked on a session not started yet (the start
form) and on one in progress (notes, vitals, sedation, adverse events, the end form)."""
from __future__ import annotations

import pytest

from tests.dosing.builders import dosed_session, scheduled_session

pytestmark = pytest.mark.browser

TABLET = {"width": 768, "height": 1024}
TARGET = 44

# Everything a finger presses; a checkbox or radio counts as its row (box plus label).
MEASURE = """() => {
  const seen = new Set(), found = [];
  const picks = document.querySelectorAll(
    'header button, header a, main a, main button, main summary, main select, main textarea, ' +
    'main input:not([type=hidden])');
  for (const el of picks) {
    const target = (el.matches('input[type=checkbox], input[type=radio]')
                    ? el.closest('.form-check') : null) || el;
    if (seen.has(target)) continue;
    seen.add(target);
    const box = target.getBoundingClientRect(), style = getComputedStyle(target);
    if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue;
    if (target.closest('.visually-hidden, .visually-hidden-focusable')) continue;
    found.push({what: target.outerHTML.slice(0, 140).replace(/\\s+/g, ' '),
                height: Math.round(box.height * 10) / 10, right: Math.round(box.right)});
  }
  return found;
}"""


def _too_small(page) -> list[dict]:
    return [t for t in page.evaluate(MEASURE) if t["height"] < TARGET]


def _open_details(page):
    page.eval_on_selector_all("main details", "els => els.forEach(e => e.open = true)")


@pytest.mark.parametrize("state", ["scheduled", "in_progress"])
def test_every_touch_target_on_the_session_page_is_44px(page, live_server, sign_in, clinician,
                                                         patient, state, check_accessibility):
    session = (scheduled_session(patient, clinician) if state == "scheduled"
               else dosed_session(patient, clinician, ended=False, notes=2))
    page.set_viewport_size(TABLET)
    sign_in(page, clinician.email)
    page.goto(f"{live_server}/sessions/{session.id}")
    page.wait_for_load_state("load")
    _open_details(page)

    targets = page.evaluate(MEASURE)
    assert len(targets) >= 20, targets  # the page really has its forms
    assert _too_small(page) == []
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= TABLET["width"], f"the page is {width} px wide at {TABLET['width']} px"
    assert all(t["right"] <= TABLET["width"] for t in targets), \
        [t for t in targets if t["right"] > TABLET["width"]]
    check_accessibility(page)


def test_vitals_are_typed_on_a_number_pad_in_one_group(page, live_server, sign_in, clinician,
                                                       patient):
    session = dosed_session(patient, clinician, ended=False)
    page.set_viewport_size(TABLET)
    sign_in(page, clinician.email)
    page.goto(f"{live_server}/sessions/{session.id}")
    reading = page.get_by_role("group", name="The reading")
    for label in ("Systolic (mmHg)", "Diastolic (mmHg)", "Heart rate (beats/min)",
                  "Respiratory rate (breaths/min)", "SpO2 (%)"):
        assert reading.get_by_label(label).get_attribute("inputmode") == "numeric", label
    assert page.locator("#medication-dose_mg").get_attribute("inputmode") == "decimal"

    # Saved, the page comes back at the vitals with the cursor in the first box for the next one.
    reading.get_by_label("Systolic (mmHg)").fill("128")
    reading.get_by_label("Diastolic (mmHg)").fill("82")
    page.get_by_role("button", name="Save the reading").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("#vitals")
    page.wait_for_function("document.activeElement && document.activeElement.name === 'vitals-systolic'")
    assert page.locator("#vitals").get_by_role("cell", name="128/82 mmHg").count() == 1
