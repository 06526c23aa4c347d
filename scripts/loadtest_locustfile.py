"""Locust users for scripts/loadtest.py: signed-in users of every role, reading and writing.

Run by scripts/loadtest.py (never on its own), which sets:
    LOADTEST_HOSTS   comma-separated base URLs of the app instances; user n uses host n mod k
    LOADTEST_EVENTS  a file to append one JSON line per request to (the driver's raw data)
    LOADTEST_RUN     the run's id, the prefix of every write's unique marker
    LOADTEST_PASSWORD the demo password
    LOADTEST_USERS   how many users: a seventh leads, the rest half clinicians, half patients

Each user signs in once (the sign-in limit is 20 a minute per address, and every user comes
from 127.0.0.1) and keeps its session cookie. Writes carry a unique marker; a write is
acknowledged when the app answers its POST with the redirect that follows a saved form.
"""
from __future__ import annotations

import http.cookiejar
import itertools
import json
import os
import random
import re
import time
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task
from locust.exception import StopUser

HOSTS = os.environ["LOADTEST_HOSTS"].split(",")
RUN = os.environ["LOADTEST_RUN"]
PASSWORD = os.environ["LOADTEST_PASSWORD"]
USERS = int(os.environ.get("LOADTEST_USERS", 14))
LEADS = max(1, round(USERS / 7))
CLINICIANS = (USERS - LEADS) // 2
_numbers = itertools.count()
_markers = itertools.count(1)
_events = open(os.environ["LOADTEST_EVENTS"], "a", buffering=1)  # noqa: SIM115 (open all run)

CSRF = re.compile(r'name="((?:[a-z]+-)?csrf_token)"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


class PlainHopCookies(http.cookiejar.DefaultCookiePolicy):
    """Keep Secure cookies as plain ones. Production cookies are Secure because browsers reach
    the app through the TLS proxy; this test talks to gunicorn directly over plain HTTP (the
    proxy's hop), where a standard cookie jar would never send them back, so every request
    would arrive signed out. (requests copies the session's cookies into a jar with the default
    policy before each request, so the policy acts where cookies are stored, not where sent.)"""

    def set_ok(self, cookie, request):
        cookie.secure = False
        return super().set_ok(cookie, request)


@events.request.add_listener
def _record(request_type, name, response_time, response, exception, context, **_):
    """One JSON line per request: when it ended, what, how long, the status, and for writes
    their marker and whether the app acknowledged them."""
    status = getattr(response, "status_code", 0) or 0
    _events.write(json.dumps({
        "end": time.time(), "ms": response_time, "name": f"{request_type} {name}",
        "status": status, "ok": exception is None, "marker": context.get("marker"),
        "instance": urlsplit(context.get("instance", "")).port,
        "acked": bool(context.get("marker")) and exception is None and status == 302,
    }) + "\n")


def csrf_token(html: str) -> tuple[str, str]:
    """The form's CSRF field name and token (forms with a prefix name it prefix-csrf_token)."""
    match = CSRF.search(html)
    if not match:
        raise ValueError("no CSRF token on the page")
    return (match.group(1) or "csrf_token"), (match.group(2) or match.group(3))


class Signed(HttpUser):
    """A user of the demo clinic, signed in once, on one of the instances."""
    abstract = True
    wait_time = between(0.5, 1.5)
    emails: tuple[str, ...] = ()
    host = HOSTS[0]

    def on_start(self):
        number = next(_numbers)
        self.client.base_url = HOSTS[number % len(HOSTS)]
        self.client.cookies.set_policy(PlainHopCookies())
        self.email = self.emails[number % len(self.emails)]
        page = self.client.get("/login", name="/login")
        field, token = csrf_token(page.text)
        with self.client.post("/login", name="/login", allow_redirects=False, catch_response=True,
                              data={field: token, "email": self.email, "password": PASSWORD}) as r:
            if r.status_code != 302:
                r.failure(f"sign-in of {self.email} answered {r.status_code}")
                raise StopUser()

    def context(self) -> dict:
        """Merged into every request's context: which instance served it."""
        return {"instance": self.client.base_url}

    def read(self, path: str, name: str):
        """GET a page; landing on the sign-in page (a lost session) counts as a failure."""
        with self.client.get(path, name=name, catch_response=True) as r:
            if r.ok and "/login" in r.url:
                r.failure("signed out")
            elif not r.ok:
                r.failure(f"{r.status_code}")
            return r.text if r.ok else ""

    def write(self, form_page: str, action: str, name: str, fields: dict, expect: str):
        """Load the form page (a read), then POST the form with its CSRF token and a unique
        marker in the text fields; acknowledged = the redirect to `expect`."""
        html = self.read(form_page, name=form_page_name(form_page))
        if not html:
            return
        field, token = csrf_token(html)
        marker = f"{RUN}-{next(_markers)}-{self.email.split('@')[0]}"
        data = {field: token, **{k: v.format(marker=marker) for k, v in fields.items()}}
        with self.client.post(action, name=name, data=data, allow_redirects=False,
                              catch_response=True, context={"marker": marker}) as r:
            if r.status_code != 302 or expect not in r.headers.get("Location", ""):
                r.failure(f"{r.status_code} (not acknowledged)")


def form_page_name(path: str) -> str:
    return re.sub(r"/\d+", "/<id>", path)


def ids(html: str, pattern: str) -> list[str]:
    return sorted(set(re.findall(pattern, html)))


class Lead(Signed):
    """The clinic lead: dashboard, continuity and its drill-downs, a chart, the audit trail
    (leads read; clinical writes are the clinicians')."""
    fixed_count = LEADS
    emails = ("lead@demo.test",)

    @task(2)
    def dashboard(self):
        self.read("/lead/", "/lead/")

    @task(3)
    def continuity_to_chart(self):
        drills = ids(self.read("/lead/continuity", "/lead/continuity"),
                     r'href="(/lead/continuity/[a-z0-9_]+/[a-z]+)[?"#]')
        if drills:
            page = self.read(random.choice(drills), "/lead/continuity/<rule>/<state>")
            patients = ids(page, r'href="/patients/(\d+)')
            if patients:
                self.read(f"/patients/{random.choice(patients)}", "/patients/<id>")

    @task(1)
    def audit_trail(self):
        self.read("/lead/audit", "/lead/audit")


class Clinician(Signed):
    """Therapists: their patient list, a chart, a session page; an addendum to a signed session."""
    fixed_count = CLINICIANS
    emails = ("therapist@demo.test", "therapist2@demo.test")

    def on_start(self):
        super().on_start()
        self.sessions: list[str] = []

    @task(4)
    def chart_and_session(self):
        patients = ids(self.read("/patients/", "/patients/"), r'href="/patients/(\d+)"')
        if not patients:
            return
        chart = self.read(f"/patients/{random.choice(patients)}", "/patients/<id>")
        sessions = ids(chart, r'href="/sessions/(\d+)"')
        if sessions:
            self.sessions = sorted(set(self.sessions) | set(sessions))
            self.read(f"/sessions/{random.choice(sessions)}", "/sessions/<id>")

    @task(1)
    def addendum(self):
        """On a signed session (its page holds the addendum form): reason and text."""
        if not self.sessions:
            return self.chart_and_session()
        session_id = random.choice(self.sessions)
        page = self.read(f"/sessions/{session_id}", "/sessions/<id>")
        action = f"/records/dosing_session/{session_id}/addenda"
        if action not in page:  # not signed yet: its draft is edited, not amended
            self.sessions.remove(session_id)
            return
        _, token = csrf_token(page)
        marker = f"{RUN}-{next(_markers)}-{self.email.split('@')[0]}"
        with self.client.post(action, name="/records/dosing_session/<id>/addenda",
                              allow_redirects=False, catch_response=True,
                              context={"marker": marker},
                              data={"csrf_token": token, "addendum-csrf_token": token,
                                    "addendum-reason": "Load test",
                                    "addendum-text": f"Clarification {marker}"}) as r:
            if r.status_code != 302 or f"/sessions/{session_id}" not in r.headers.get("Location", ""):
                r.failure(f"{r.status_code} (not acknowledged)")


class Patient(Signed):
    """Patients in the portal: home, a session, tasks, the journal; a journal entry."""
    fixed_count = USERS - LEADS - CLINICIANS
    emails = ("patient@demo.test", "patient2@demo.test")

    @task(3)
    def home_and_session(self):
        sessions = ids(self.read("/me/", "/me/"), r'href="/me/sessions/(\d+)"')
        if sessions:
            self.read(f"/me/sessions/{random.choice(sessions)}", "/me/sessions/<id>")

    @task(2)
    def task_list(self):
        self.read("/me/tasks", "/me/tasks")

    @task(2)
    def journal_entry(self):
        self.write("/me/journal", "/me/journal", "/me/journal",
                   {"text": "Felt steadier today. {marker}", "session_id": "0"}, "/me/journal")
