"""Each demo login signs in through the real form and follows every link it can reach in the
demo clinic: no page answers with a server error, and no link leads to a refusal (a link a
role is shown must be one it may follow)."""
from __future__ import annotations

import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest

from tracker.demo.seed import DEMO_LOGINS, seed_demo_clinic
from tracker.extensions import db

HREF = re.compile(r'href="([^"]+)"')
SKIP = ("/static/", "/logout")
MAX_PAGES = 400


@pytest.fixture
def demo(app):
    seed_demo_clinic()
    db.session.commit()


def _links(html: str) -> set[str]:
    found = set()
    for href in HREF.findall(html):
        href = urldefrag(href.replace("&amp;", "&"))[0]
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not href.startswith("/") or href.startswith(SKIP):
            continue
        found.add(href)
    return found


@pytest.mark.parametrize("email", DEMO_LOGINS)
def test_every_reachable_page_renders(app, demo, email):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": app.config["DEMO_PASSWORD"]})
    assert response.status_code == 302, f"{email} could not sign in"
    seen, queue, problems = {"/"}, deque(["/"]), []
    while queue and len(seen) <= MAX_PAGES:
        url = queue.popleft()
        response = client.get(url, follow_redirects=True)
        # read every answer to its end: a streamed export left unread keeps its app context
        # pushed until the garbage collector closes it, in the middle of another test
        body = response.get_data(as_text=True)
        if response.status_code >= 400:
            problems.append(f"{url} -> {response.status_code}")
            continue
        if response.mimetype != "text/html":
            continue
        for link in _links(body):
            if link not in seen:
                seen.add(link)
                queue.append(link)
    print(f"{email}: {len(seen)} pages walked")
    assert problems == []
    assert len(seen) >= 5, f"{email} reached only {sorted(seen)}"
