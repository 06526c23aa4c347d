"""Screenshots of the main pages for the README, taken from the demo clinic.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Builds the demo clinic in a throwaway SQLite database (`flask db upgrade`, `flask seed-demo`),
serves it from a thread and drives Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH;
nothing is downloaded) through Playwright at the width each page is used at:

| file | who | width |
| --- | --- | --- |
| lead-today.png | the lead's clinic overview ("today") | 1280 |
| lead-dashboard.png | the lead's continuity dashboard | 1280 |
| clinician-chart.png | a clinician's chart of a patient | 1280 |
| session-tablet.png | the dosing session page on a tablet | 768 |
| patient-journey.png | the patient's journey on a phone | 375 |

Each is the top of the page (at most MAX_HEIGHT px of it), kept under 250 KB.
"""
from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PASSWORD = "demo-journey-2026"
MAX_HEIGHT = 1400
MAX_BYTES = 250_000


def _prepare_database(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "wsgi", "FLASK_CONFIG": "development"}
    flask = str(Path(sys.executable).with_name("flask"))
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run([flask, *command], cwd=ROOT, env=env, check=True, capture_output=True)


def _serve(url: str):
    os.environ.update(DATABASE_URL=url, FLASK_CONFIG="development")
    sys.path.insert(0, str(ROOT))
    from werkzeug.serving import make_server

    from tracker import create_app

    app = create_app()
    logging.disable(logging.INFO)  # one JSON line per request is noise here
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return app, server


def _session_ids(app) -> dict[str, int]:
    """The demo patient's dosing session to show: the next one booked."""
    import sqlalchemy as sa

    from tracker.core.patients import Patient
    from tracker.core.sessions import DosingSession
    from tracker.core.users import User
    from tracker.extensions import db

    with app.app_context():
        patient = db.session.scalar(sa.select(Patient).join(Patient.user).where(
            User.email == "patient@demo.test"))
        sessions = list(db.session.scalars(
            sa.select(DosingSession).where(DosingSession.patient_id == patient.id)
            .order_by(DosingSession.scheduled_at.desc())))
        # the next one booked: the script starts it, so the page shows the forms of a session
        # under way (in the throwaway database only)
        chosen = next((s for s in reversed(sessions) if s.status == "scheduled"), sessions[0])
        return {"session": chosen.id, "patient": chosen.patient_id}


def _shoot(page, path: Path, width: int) -> int:
    """The top of the page as a PNG; a busy page's picture is cut shorter until it is small."""
    height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
    while True:
        page.screenshot(path=str(path), clip={"x": 0, "y": 0, "width": width, "height": height},
                        full_page=True, animations="disabled")
        size = path.stat().st_size
        if size <= MAX_BYTES or height <= 600:
            return size
        height = int(height * 0.85)


def _start_session(page) -> None:
    """Start the session now (a reason given if its checklist is open), then show the part of
    the page typed into during a session: notes and vitals."""
    start = page.get_by_role("button", name="Start the session")
    if start.count():
        reason = page.locator("#start-override_reason")
        if reason.count():
            reason.fill("Checklist finished on paper; entered after the session.")
        start.click()
        page.wait_for_load_state("networkidle")
    page.evaluate("window.scrollTo(0, 0)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp:
        url = f"sqlite:///{tmp}/demo.db"
        _prepare_database(url)
        app, server = _serve(url)
        base = f"http://127.0.0.1:{server.server_port}"
        ids = _session_ids(app)
        shots = [
            ("lead@demo.test", 1280, [("lead-today.png", "/lead/"),
                                      ("lead-dashboard.png", "/lead/continuity")]),
            ("therapist@demo.test", 1280, [("clinician-chart.png", f"/patients/{ids['patient']}")]),
            ("therapist@demo.test", 768, [("session-tablet.png", f"/sessions/{ids['session']}")]),
            ("patient@demo.test", 375, [("patient-journey.png", "/me/")]),
        ]
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"])
                for email, width, pages in shots:
                    context = browser.new_context(viewport={"width": width, "height": 900},
                                                  locale="en-US", timezone_id="America/New_York")
                    page = context.new_page()
                    page.goto(f"{base}/login")
                    page.get_by_label("Email").fill(email)
                    page.get_by_label("Password").fill(PASSWORD)
                    page.get_by_role("button", name="Sign in").click()
                    page.wait_for_load_state("load")
                    for name, path in pages:
                        response = page.goto(f"{base}{path}")
                        if response is None or response.status >= 400:
                            raise SystemExit(f"{path} answered {response and response.status}")
                        page.wait_for_load_state("networkidle")
                        if name == "session-tablet.png":
                            _start_session(page)
                        size = _shoot(page, out / name, width)
                        print(f"{out / name}: {width} px wide, {size / 1000:.0f} KB")
                    context.close()
                browser.close()
        finally:
            server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
