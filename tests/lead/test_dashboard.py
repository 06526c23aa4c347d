"""The continuity dashboard, its drill-downs and CSV exports: access, numbers, bad input."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests import factories as make
from tests.conftest import page_text
from tests.continuity import builders as b
from tracker.continuity import rollup
from tracker.continuity.rules import RULES
from tracker.core.audit.models import AuditEvent
from tracker.db import utcnow
from tracker.extensions import db
from tracker.timezones import ZoneInfo

D = timedelta(days=1)
URLS = ["/lead/continuity", "/lead/continuity/debrief_signed/missing",
        "/lead/continuity/debrief_signed/missing/export"]


def today_in(clinic):
    return utcnow().astimezone(ZoneInfo(clinic.timezone)).date()


def build_sessions(clinic, clinician, n, *, prefix="Pat"):
    """n patients, each with one session 5 days ago: intention late, unsigned, no debrief."""
    now = utcnow()
    for i in range(n):
        p = make.patient(clinic, clinicians=[clinician], given=f"{prefix}{i}")
        course = make.course(p, started_on=today_in(clinic) - 40 * D)
        s = b.session(course, clinician, now - 5 * D - i * timedelta(minutes=1))
        b.intention(s, clinician, now - 5 * D + timedelta(hours=1), checklist_at=now - 6 * D)
        b.task(p, clinician, due_on=today_in(clinic) - 9 * D)
        b.flag(p, now - 3 * D)
        b.phq9(p, clinician, now - 8 * D)


def rule_row(html, rule):
    row = re.search(rf'<tr data-rule="{rule}">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r'<td class="text-end[^"]*">(.*?)</td>', row, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<span class=\"visually-hidden\">.*?</span>|<[^>]+>", "", c)).strip()
            for c in cells]


# --- access -----------------------------------------------------------------------------------

@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("who", ["clinician", "patient_user"])
def test_clinicians_and_patients_get_403(request, login_as, url, who, patient):
    client = login_as(request.getfixturevalue(who))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", URLS)
def test_anonymous_is_sent_to_sign_in(client, url, clinic):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("url", URLS)
def test_lead_may_open(login_as, lead, url):
    assert login_as(lead).get(url).status_code == 200


def test_a_lead_of_another_clinic_sees_none_of_this_clinics_items(login_as, clinic, clinician,
                                                                  intruder):
    build_sessions(clinic, clinician, 2, prefix="Hidden")
    client = login_as(intruder)
    for url in URLS:
        response = client.get(url.replace("debrief_signed/missing", "debrief_signed/due"))
        assert response.status_code == 200
        assert "Hidden" not in response.get_data(as_text=True)
    html = client.get("/lead/continuity").get_data(as_text=True)
    assert rule_row(html, "debrief_signed")[0] == "0"


def test_unknown_rule_or_state_is_404(login_as, lead):
    client = login_as(lead)
    for url in ("/lead/continuity/nonsense/missing", "/lead/continuity/debrief_signed/bogus",
                "/lead/continuity/nonsense/missing/export"):
        assert client.get(url).status_code == 404


# --- numbers ----------------------------------------------------------------------------------

def test_dashboard_shows_each_rules_numbers_with_links(login_as, lead, clinic, clinician):
    build_sessions(clinic, clinician, 3)
    response = login_as(lead).get("/lead/continuity")
    html = response.get_data(as_text=True)
    # due, compliant, late, missing, pending, rate
    assert rule_row(html, "intention_before_start") == ["3", "0", "3", "0", "—", "0%"]
    assert rule_row(html, "checklist_before_dosing") == ["3", "3", "0", "0", "—", "100%"]
    assert rule_row(html, "debrief_signed") == ["3", "0", "0", "3", "0", "0%"]
    assert rule_row(html, "phq9_before_session") == ["3", "3", "—", "0", "—", "100%"]
    assert rule_row(html, "tasks_not_overdue") == ["3", "0", "0", "3", "0", "0%"]
    assert rule_row(html, "flags_acknowledged") == ["3", "0", "0", "3", "0", "0%"]
    assert rule_row(html, "in_contact") == ["3", "3", "0", "0", "0", "100%"]
    first = (today_in(clinic) - 29 * D).isoformat()
    assert f'/lead/continuity/debrief_signed/missing?start={first}&amp;end=' in html
    assert "Casey Clinician" in page_text(response)          # the per-clinician table
    # the trend: a heat map (a band class on every rule-week cell, the rate written in it) and a
    # sparkline per rule with its words for a screen reader; no script needed
    heat = re.search(r'<table class="table table-sm small heat-map" id="trend-table".*?</table>',
                     html, re.S).group(0)
    cells = re.findall(r'<td class="text-end heat heat-(\w+)">', heat)
    weeks = len(re.findall(r'<th scope="row">', heat))
    assert weeks and len(cells) == weeks * len(RULES)
    assert set(cells) <= {"high", "good", "fair", "low", "poor", "none"} and "poor" in cells
    assert html.count('<svg class="sparkline"') == len(RULES)
    assert "over " in page_text(response) and "chart.umd" not in html
    assert "<script>" not in html and " style=" not in html  # CSP: no inline script or style


def test_clinician_filter_and_period(login_as, lead, clinic, clinician, clinician2):
    build_sessions(clinic, clinician, 2)
    build_sessions(clinic, clinician2, 1, prefix="Other")
    client = login_as(lead)
    html = client.get("/lead/continuity").get_data(as_text=True)
    # each clinician's numbers open that clinician's items
    assert re.search(rf'href="/lead/continuity/debrief_signed/due\?[^"]*&amp;clinician={clinician2.id}"', html)
    html = client.get(f"/lead/continuity?clinician={clinician2.id}").get_data(as_text=True)
    assert rule_row(html, "debrief_signed")[0] == "1"
    today = today_in(clinic)
    html = client.get(f"/lead/continuity?start={(today - 3 * D).isoformat()}"
                      f"&end={today.isoformat()}").get_data(as_text=True)
    assert rule_row(html, "debrief_signed")[0] == "0"         # the sessions were 5 days ago
    assert rule_row(html, "flags_acknowledged")[0] == "3"     # the flags 3 days ago


def test_a_long_period_trends_by_month(login_as, lead, clinic, clinician):
    build_sessions(clinic, clinician, 2)
    today = today_in(clinic)
    response = login_as(lead).get(f"/lead/continuity?start={(today - 400 * D).isoformat()}"
                                  f"&end={today.isoformat()}")
    assert response.status_code == 200
    assert "Trend by month" in page_text(response)


# --- bad input --------------------------------------------------------------------------------

def _bad(today):
    return [
        (f"start={today.isoformat()}&end={(today - 5 * D).isoformat()}", "before its start"),
        (f"start={today.isoformat()}&end=", "Enter both dates"),
        ("start=2026-13-45&end=2026-01-01", "dd/mm/yyyy"),
        ("start=yesterday&end=today", "dd/mm/yyyy"),
        ("start=99999-01-01&end=99999-02-01", "dd/mm/yyyy"),
        (f"start={(today - 900 * D).isoformat()}&end={today.isoformat()}", "at most two years"),
        (f"start={today.isoformat()}&end={(today + 3 * D).isoformat()}", "cannot end after today"),
        ("start=0001-01-01&end=0001-12-31", "within the last 10 years"),
        ("clinician=abc", "Invalid Choice"),
        ("clinician=999999", "Not a valid choice"),
        ("course=exploded", "Not a valid choice"),
    ]


@pytest.mark.parametrize("path", ["/lead/continuity", "/lead/continuity/debrief_signed/late",
                                  "/lead/continuity/debrief_signed/late/export"])
def test_bad_periods_and_filters_get_a_clear_message(login_as, lead, clinic, path):
    client = login_as(lead)
    for query, message in _bad(today_in(clinic)):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400, query
        assert message in page_text(response), (query, page_text(response)[:400])
        assert response.mimetype == "text/html"
    response = client.get(f"{path}?start=2026-13-45&end=2026-01-01")
    assert 'value="2026-13-45"' in response.get_data(as_text=True)   # what was typed stays
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "export")) == 0


# --- query counts -----------------------------------------------------------------------------

def _count(client, count_queries, url):
    with count_queries() as q:
        assert client.get(url).status_code == 200
    return q.count


@pytest.mark.parametrize(("url", "tables"), [
    ("/lead/continuity", False), ("/lead/continuity", True),
    ("/lead/continuity/intention_before_start/late", False),
    ("/lead/continuity/tasks_not_overdue/missing", False)])
def test_query_count_does_not_grow_with_the_data(login_as, lead, clinic, clinician, count_queries,
                                                 url, tables):
    client = login_as(lead)
    if tables:   # the dashboard's summary tables built (tracker/continuity/rollup.py)
        rollup.rebuild(clinic)
    build_sessions(clinic, clinician, 2)
    db.session.commit()
    small = _count(client, count_queries, url)
    build_sessions(clinic, clinician, 4, prefix="More")
    db.session.commit()
    assert _count(client, count_queries, url) == small
    # with the navbar's unread-notifications count; the dashboard first asks whether its
    # summary tables can answer (then 4 queries over the tables and 2 over the latest items,
    # or 4 over the records); a drill-down lists patients' records, so it also writes its read
    # event (3 queries)
    if url != "/lead/continuity":
        assert small <= 10
    else:
        assert small <= (9 if tables else 8)


# --- drill-down -------------------------------------------------------------------------------

def test_drilldown_lists_the_records_and_pages(app, login_as, lead, clinic, clinician):
    build_sessions(clinic, clinician, app.config["PAGE_SIZE"] + 2)
    client = login_as(lead)
    response = client.get("/lead/continuity/intention_before_start/late")
    text = page_text(response)
    assert f"{app.config['PAGE_SIZE'] + 2} dosing sessions" in text
    assert "Page 1 of 2" in text
    html = response.get_data(as_text=True)
    assert html.count("<tr>") == app.config["PAGE_SIZE"] + 1  # header + one page
    assert re.search(r'href="/patients/\d+"', html)  # each record links to its chart
    second = page_text(client.get("/lead/continuity/intention_before_start/late?page=2"))
    oldest = f"Pat{app.config['PAGE_SIZE'] + 1} "
    assert "Page 2 of 2" in second and oldest in second and "Pat0 " not in second
    assert client.get("/lead/continuity/intention_before_start/late?page=-3").status_code == 200
    assert client.get("/lead/continuity/intention_before_start/late?page=x").status_code == 200


def test_a_drilldown_page_past_the_end_still_tells_the_total(app, login_as, lead, clinic,
                                                             clinician):
    """The page and its total are one statement; a page with no rows has no row to carry the
    total, which is then counted on its own (and an empty drill-down says none)."""
    build_sessions(clinic, clinician, app.config["PAGE_SIZE"] + 2)
    client = login_as(lead)
    text = page_text(client.get("/lead/continuity/intention_before_start/late?page=7"))
    assert f"{app.config['PAGE_SIZE'] + 2} dosing sessions" in text
    assert "Page 7 of 2" in text and "Pat0 " not in text
    nothing = page_text(client.get("/lead/continuity/intention_before_start/compliant"))
    assert "0 dosing sessions" in nothing


def test_drilldown_of_flags_and_tasks_shows_what_the_item_is(login_as, lead, clinic, clinician):
    build_sessions(clinic, clinician, 1)
    client = login_as(lead)
    assert "Alert-level vital sign" in page_text(client.get("/lead/continuity/flags_acknowledged/missing"))
    assert "Morning walk" in page_text(client.get("/lead/continuity/tasks_not_overdue/missing"))


# --- CSV --------------------------------------------------------------------------------------

def test_export_streams_the_rows_and_is_audited(login_as, lead, clinic, clinician):
    build_sessions(clinic, clinician, 2)
    p = make.patient(clinic, clinicians=[clinician], given="=HYPERLINK(\"x\")", family="Formula")
    course = make.course(p, started_on=today_in(clinic) - 40 * D)
    b.session(course, clinician, utcnow() - 4 * D)
    client = login_as(lead)
    response = client.get("/lead/continuity/debrief_signed/missing/export")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment; filename=\"continuity-debrief_signed-missing-" in response.headers[
        "Content-Disposition"]
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "Record number,Patient,Item,Item id,Clinician,When,Deadline,Done,State,Detail"
    assert len(lines) == 4
    assert all(",Missing," in line for line in lines[1:])
    assert any("'=HYPERLINK" in line for line in lines)       # no formula reaches a spreadsheet
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert (event.user_id, event.record_type, event.outcome) == (
        lead.id, "continuity:debrief_signed", "success")


def test_the_period_in_effect_is_shown_in_the_date_fields(login_as, lead, clinic):
    with_defaults = login_as(lead).get("/lead/continuity").get_data(as_text=True)
    today = today_in(clinic)
    first = today - timedelta(days=29)
    # written the clinic's way (day/month/year by default), whatever the query string's ISO
    assert re.search(rf'id="start"[^>]*value="{first:%d/%m/%Y}"', with_defaults)
    assert re.search(rf'id="end"[^>]*value="{today:%d/%m/%Y}"', with_defaults)
    chosen = login_as(lead).get("/lead/continuity?start=2026-01-05&end=2026-02-01")
    assert 'value="05/01/2026"' in chosen.get_data(as_text=True)


def test_a_session_rules_drilldown_names_its_anchor_the_scheduled_time(login_as, lead):
    html = login_as(lead).get("/lead/continuity/intention_before_start/missing").get_data(
        as_text=True)
    assert '<th scope="col">Scheduled</th>' in html and ">When<" not in html
