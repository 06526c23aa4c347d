"""Each demo login walks the demo clinic in the browser at a phone's, a tablet's and a desktop's
width (375, 768 and 1280 px): axe finds nothing on any page at any width, and no page is wider
than the window from the width the role is used at upwards (patients from a phone's 375 px;
staff from a tablet's 768 px, the dosing room's). At the role's own width the walk visits two
pages per route, at the other widths one, to keep it short."""
from __future__ import annotations

import re
from collections import Counter, deque
from urllib.parse import urldefrag, urlsplit

import pytest

from tracker.demo.seed import seed_demo_clinic
from tracker.extensions import db

pytestmark = pytest.mark.browser

# the width each role is used at: no page may be wider than the window from there up
WIDTHS = {"patient@demo.test": 375, "therapist@demo.test": 768, "lead@demo.test": 768}
SCREENS = (375, 768, 1280)
SKIP = ("/static/", "/logout", "/export", ".csv", ".ics", ".json", ".ndjson")
PER_ROUTE = 2        # pages of one route shape (/patients/<n>) visited
MAX_PAGES = 30


def route_shape(path: str) -> str:
    """/patients/12/follow-ups -> /patients/<n>/follow-ups: pages of one route."""
    return re.sub(r"/\d+", "/<n>", urlsplit(path).path)


@pytest.fixture
def demo(live_server, app):
    seed_demo_clinic()
    db.session.commit()


@pytest.mark.parametrize("width", SCREENS)
@pytest.mark.parametrize("email", list(WIDTHS))
def test_every_page_fits_the_window_and_passes_axe(page, live_server, demo, app, email, width,
                                                    check_accessibility):
    per_route = PER_ROUTE if width == WIDTHS[email] else 1
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(app.config["DEMO_PASSWORD"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()

    queue, seen, shapes, too_wide = deque([urlsplit(page.url).path]), set(), Counter(), {}
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        if path in seen or shapes[route_shape(path)] >= per_route:
            continue
        seen.add(path)
        shapes[route_shape(path)] += 1
        response = page.goto(f"{live_server}{path}")
        assert response.status < 400, f"{path} answered {response.status}"
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > width:
            too_wide[path] = wide
        check_accessibility(page)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            href = urldefrag(href)[0]
            if href.startswith("/") and not any(s in href for s in SKIP) and href not in seen:
                queue.append(href)
    assert len(seen) >= 8, seen  # the walk really walked
    if width >= WIDTHS[email]:
        assert too_wide == {}, f"pages wider than {width} px: {too_wide}"
