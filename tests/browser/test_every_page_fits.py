"""Each demo login walks the demo clinic in the browser at the width it is used at (patients on
a phone, 375 px; staff on a tablet in the dosing room, 768 px): no page is wider than the
window, and axe finds nothing on any page. One or two pages per route keep the walk short."""
from __future__ import annotations

import re
from collections import Counter, deque
from urllib.parse import urldefrag, urlsplit

import pytest

from tracker.demo.seed import seed_demo_clinic
from tracker.extensions import db

pytestmark = pytest.mark.browser

WIDTHS = {"patient@demo.test": 375, "therapist@demo.test": 768, "lead@demo.test": 768}
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


@pytest.mark.parametrize("email", list(WIDTHS))
def test_every_page_fits_the_window_and_passes_axe(page, live_server, demo, app, email,
                                                    check_accessibility):
    width = WIDTHS[email]
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(app.config["DEMO_PASSWORD"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()

    queue, seen, shapes, too_wide = deque([urlsplit(page.url).path]), set(), Counter(), {}
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        if path in seen or shapes[route_shape(path)] >= PER_ROUTE:
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
    assert too_wide == {}, f"pages wider than {width} px: {too_wide}"
