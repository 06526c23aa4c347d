"""Browser tests: Playwright driving Debian's Chromium against the app served from a thread.

Never `playwright install`: the browser is /usr/bin/chromium (CHROMIUM_PATH overrides). Without
it the browser tests are skipped with a reason, except when REQUIRE_BROWSER=1 (CI), where a
missing browser is an error.
"""
from __future__ import annotations

import os
import shutil
import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests import factories as make
from tracker.extensions import db

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                 "--disable-dev-shm-usage"]
HAVE_CHROMIUM = os.path.exists(CHROMIUM) or shutil.which(CHROMIUM) is not None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))  # one Chromium, one server
    if HAVE_CHROMIUM:
        return
    if os.environ.get("REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"REQUIRE_BROWSER=1 but no Chromium at {CHROMIUM}")
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args():
    return {"viewport": {"width": 1280, "height": 900}, "locale": "en-US",
            "timezone_id": "America/New_York"}


@pytest.fixture(scope="session")
def _server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def live_server(_server, app):
    """Base URL of the app; the test's rows are visible to it once committed."""
    db.session.commit()
    return _server


@pytest.fixture
def page(page):
    # Actions and assertions wait as long: expect() otherwise gives up after 5 s, which a page
    # rendered while the other test process loads both cores can take (seen in a fresh-clone
    # run: the audit trail's assertions, passing alone and in every other run).
    page.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)
    return page


@pytest.fixture
def sign_in(live_server):
    """Sign in through the real form and wait for the home page."""
    def _sign_in(page, email, password: str = make.PASSWORD):
        db.session.commit()
        page.goto(f"{live_server}/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        return page
    return _sign_in


@pytest.fixture
def sign_out():
    def _sign_out(page):
        page.wait_for_load_state("load")  # the menu's script is loaded before it is clicked
        if not page.get_by_role("button", name="Sign out").is_visible():
            page.locator("#account-menu").click()  # open the account menu
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_load_state()
    return _sign_out


@pytest.fixture(scope="session")
def _axe():
    from axe_playwright_python.sync_playwright import Axe
    return Axe()


@pytest.fixture
def check_accessibility(_axe):
    """Run axe-core on the current page; fail with its report on any violation."""
    def _check(page, context=None):
        # A click that navigates returns once the new page is committed, before its stylesheets
        # have loaded; axe on a half-styled page reports contrast it never shows (white on white
        # in the navigation bar). Wait for the load event, which waits for the stylesheets.
        page.wait_for_load_state("load")
        page.wait_for_function("document.readyState === 'complete'")
        results = _axe.run(page, context=context)
        assert results.violations_count == 0, results.generate_report()
        return results
    return _check
