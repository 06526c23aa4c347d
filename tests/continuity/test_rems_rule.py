"""The REMS rule ("REMS monitoring form submitted in time", esketamine sessions only) on the
dashboard, its drill-down and CSV, and the chart, in the same words: On time, Late, Missing,
Pending, and Not applicable for a ketamine session."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests import factories as make
from tests.conftest import page_text
from tests.continuity import builders as b
from tracker.continuity.queries import rule_items
from tracker.continuity.rules import RULES
from tracker.continuity.scope import Scope
from tracker.db import utcnow
from tracker.extensions import db

D, H = timedelta(days=1), timedelta(hours=1)


@pytest.fixture
def sessions(clinic, clinician, patient):
    now = utcnow()
    course = make.course(patient, started_on=(now - 40 * D).date())
    s = {}
    at = now - 20 * D
    s["on_time"] = b.session(course, clinician, at, medication="esketamine")
    b.rems_form(s["on_time"], clinician, submitted_at=at + 6 * D)
    at = now - 15 * D
    s["late"] = b.session(course, clinician, at, medication="esketamine")
    b.rems_form(s["late"], clinician, submitted_at=at + 8 * D)
    s["missing"] = b.session(course, clinician, now - 10 * D, medication="esketamine")
    s["pending"] = b.session(course, clinician, now - 2 * D, medication="esketamine")
    s["ketamine"] = b.session(course, clinician, now - 5 * D, medication="ketamine")
    db.session.commit()
    return s


def test_each_state_and_not_an_item_for_ketamine(clinic, sessions):
    today = utcnow().date()
    scope = Scope.for_clinic(clinic, utcnow(), today - 30 * D, today)
    states = {row.item_id: row.state for row in db.session.execute(
        rule_items(RULES["rems_submitted"], scope))}
    assert states == {sessions["on_time"].id: "compliant", sessions["late"].id: "late",
                      sessions["missing"].id: "missing", sessions["pending"].id: "pending"}


def test_a_clinics_own_deadline(clinic, sessions):
    clinic.settings = {"rems_submit_within_days": 10}
    db.session.flush()
    today = utcnow().date()
    scope = Scope.for_clinic(clinic, utcnow(), today - 30 * D, today)
    states = {row.item_id: row.state for row in db.session.execute(
        rule_items(RULES["rems_submitted"], scope))}
    assert states[sessions["late"].id] == "compliant"
    assert states[sessions["missing"].id] == "pending"
    db.session.rollback()


def test_dashboard_drilldown_and_csv(login_as, lead, sessions, patient):
    client = login_as(lead)
    text = page_text(client.get("/lead/continuity"))
    assert "REMS monitoring form submitted in time" in text
    assert "within 7 days of the end (esketamine)" in text
    text = page_text(client.get("/lead/continuity/rems_submitted/missing"))
    assert patient.record_number in text
    csv = client.get("/lead/continuity/rems_submitted/due/export").get_data(as_text=True)
    rows = [line for line in csv.splitlines()[1:] if line]
    assert len(rows) == 4 and all("esketamine session" in row for row in rows)
    assert {row.rsplit(",", 2)[1] for row in rows} == {"On time", "Late", "Missing", "Pending"}


def test_the_chart_says_the_same(login_as, clinician, patient, sessions):
    response = login_as(clinician).get(f"/patients/{patient.id}")
    html, text = response.get_data(as_text=True), page_text(response)
    # one REMS line per session on the timeline (folded sessions also name a late or missing
    # form in their summary line: "REMS monitoring form: Late")
    assert html.count('<span class="stage-name">REMS monitoring form</span>') == 5
    for words in ("On time", "Late", "Missing", "Pending", "Not applicable"):
        assert f"REMS monitoring form {words}" in text, words
    assert f"/sessions/{sessions['missing'].id}/rems" in html
    assert f"/sessions/{sessions['ketamine'].id}/rems" not in html
