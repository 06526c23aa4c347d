"""The whole journey through the real forms, as a clinician enters it at the pace of a real
day (each step seconds after the last): a new patient, a course, a session scheduled, a PHQ-9,
the intention with its checklist, start, end, sign, a debrief with an integration task, the
debrief signed, a follow-up held. Everything was on time, so everything says so: on the chart,
in the needs-attention list and on the lead's dashboard (its CSV export of every rule).

The forms are filled as a browser would: every field keeps the value the page rendered (the
hidden version fields and the times pre-filled with "now" included) unless the step types
another, so a time the clinician does not touch is the instant of the submission.
"""
from __future__ import annotations

import csv
import io
import re
import time
from datetime import datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from tests.conftest import login, page_text
from tracker.continuity.rules import RULES


class _Forms(HTMLParser):
    """Every <form> of a page: its action and the values a browser would send by default."""

    def __init__(self, url: str):
        super().__init__()
        self.url = url  # a form without an action posts to its own page
        self.forms: list[dict] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or self.url, "fields": {},
                               "names": set(), "post": a.get("method", "get").lower() == "post"})
            return
        if not self.forms:
            return
        fields, name = self.forms[-1]["fields"], a.get("name")
        if name:
            self.forms[-1]["names"].add(name)
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    fields.setdefault(name, []).append(a.get("value", "y"))
            elif kind not in ("submit", "button"):
                fields[name] = [a.get("value", "")]
        elif tag == "select" and name:
            self._select = name
            fields.setdefault(name, [])
        elif tag == "option" and self._select:
            chosen = self.forms[-1]["fields"][self._select]
            if "selected" in a:
                chosen[:] = [a.get("value", "")]
            elif not chosen:
                chosen.append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea][0] += data


def submit(client, page_url: str, action_ends: str, typed: dict, *, expect: int = 302):
    """Fill the page's form whose action ends with `action_ends` as the browser would, type
    `typed` over it (a list for several values), and post it."""
    page = client.get(page_url)
    assert page.status_code == 200, page_url
    parser = _Forms(page_url)
    parser.feed(page.get_data(as_text=True))
    forms = [f for f in parser.forms
             if f["post"] and f["action"].split("?")[0].endswith(action_ends)]
    assert forms, f"no form posting to …{action_ends} on {page_url}"
    form = forms[0]
    data = dict(form["fields"])
    for name, value in typed.items():
        assert name in form["names"], f"{name} is not a field of the form …{action_ends}"
        data[name] = value if isinstance(value, list) else [value]
    response = client.post(form["action"], data=data)
    assert response.status_code == expect, (action_ends, page_text(response)[:2000])
    return response


def _id_after(location: str, word: str) -> int:
    return int(re.search(rf"/{word}/(\d+)", location).group(1))


def test_a_journey_on_time_reads_on_time_everywhere(client, clinic, clinician, lead):
    login(client, clinician)
    chart_url = submit(client, "/patients/new", "/patients/new", {
        "given_name": "Robin", "family_name": "Ontime", "date_of_birth": "1980-05-05",
        "record_number": "J-0001", "weight_kg": "70"}).headers["Location"]
    pid = _id_after(chart_url, "patients")
    submit(client, f"/patients/{pid}/courses/new", f"/patients/{pid}/courses/new", {})
    booked_for = datetime.now(ZoneInfo(clinic.timezone)).strftime("%Y-%m-%dT%H:%M")
    session_url = submit(client, f"/patients/{pid}/sessions/new", f"/patients/{pid}/sessions/new",
                         {"scheduled_at": booked_for, "room": "Room 2"}).headers["Location"]
    submit(client, f"/patients/{pid}/questionnaires/phq9/new", "/questionnaires/phq9/new",
           {f"item_{n}": "1" for n in range(1, 9)} | {"item_9": "0"})

    sid = int(re.search(r'href="/sessions/(\d+)"',
                        client.get(session_url).get_data(as_text=True)).group(1))
    intention_url = f"/sessions/{sid}/intention"
    submit(client, intention_url, intention_url, {
        "focus_areas": ["depression"], "intention_text": "To be kinder to myself.",
        "goals-0-text": "Walk outside three mornings a week", "fasted": "y", "escort_arranged": "y",
        "escort_name": "Sam Escort", "escort_phone": "555-0100", "medications_reviewed": "y",
        "consent_on_file": "y", "baseline_vitals_ok": "y"})
    session_page = f"/sessions/{sid}"
    submit(client, session_page, f"/sessions/{sid}/start", {})
    submit(client, session_page, f"/sessions/{sid}/medication", {
        "medication-medication": "ketamine", "medication-route": "iv", "medication-dose_mg": "35",
        "medication-infusion_minutes": "40", "medication-lot_number": "LOT-1"})
    submit(client, session_page, f"/sessions/{sid}/end", {})
    submit(client, session_page, f"/sessions/{sid}/sign", {})

    debrief_page = f"/sessions/{sid}/debrief"
    submit(client, debrief_page, debrief_page, {
        "debrief-emotions": "Relief", "debrief-insights": "Noticed self-criticism.",
        "debrief-relation_to_intention": "Kinder words came up."})
    submit(client, debrief_page, f"/sessions/{sid}/debrief/tasks", {
        "task-title": "Morning walk", "task-kind": "movement",
        "task-instructions": "Ten minutes outside.", "task-repeat": "none",
        "task-due_on": (datetime.now(ZoneInfo(clinic.timezone)).date() + timedelta(days=3)).isoformat()})
    submit(client, debrief_page, f"/sessions/{sid}/debrief/sign", {})

    follow_ups = f"/patients/{pid}/follow-ups"
    tomorrow = datetime.now(ZoneInfo(clinic.timezone)) + timedelta(days=1)
    submit(client, follow_ups, follow_ups, {"kind": "integration", "session_id": str(sid),
                                            "scheduled_at": tomorrow.strftime("%Y-%m-%dT%H:%M")})
    outcome_url = re.search(rf'href="({follow_ups}/\d+/outcome)"',
                            client.get(follow_ups).get_data(as_text=True)).group(1)
    # typed to the second, as a form takes it: a second later than the session's end, which
    # was stored with its microseconds (typed in the same second it would fall before it)
    time.sleep(1.05)
    held = datetime.now(ZoneInfo(clinic.timezone)).strftime("%Y-%m-%dT%H:%M:%S")
    submit(client, outcome_url, outcome_url, {"outcome": "completed", "completed_at": held})

    # the chart: every stage of the session on time
    chart = page_text(client.get(chart_url))
    for stage in ("1. Intention", "Readiness checklist", "PHQ-9 before the session",
                  "2. In-session record", "3. Debrief", "Integration plan", "4. Follow-up"):
        assert f"{stage} On time" in chart, stage
    assert "Room 2" in chart
    # care's follow-ups page: on time too
    assert "On time: held" in page_text(client.get(follow_ups))
    # the needs-attention list: nothing to put right
    attention = page_text(client.get("/patients/?attention=any"))
    assert "Robin Ontime" not in attention

    # the lead's dashboard: every session rule counts this journey on time
    client.post("/logout")
    login(client, lead)
    for key, rule in RULES.items():
        if rule.record_type not in ("dosing_session", "debrief"):
            continue   # the patient-level, task and flag rules judge other items
        export = client.get(f"/lead/continuity/{key}/due/export")
        assert export.status_code == 200, key
        rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
        if key == "rems_submitted":   # esketamine sessions only: this one is ketamine
            assert rows == [], rows
            continue
        assert [row["State"] for row in rows] == ["On time"], (key, rows)
