"""The lead's "today" overview: counts from the continuity rules, each opening its records,
the most urgent rows inline, leads only, a fixed number of queries."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests import factories as make
from tests.conftest import page_text
from tests.continuity import builders as b
from tracker.continuity import queries
from tracker.continuity.rules import RULES
from tracker.continuity.scope import Scope
from tracker.core.sessions import Medication
from tracker.db import utcnow
from tracker.extensions import db
from tracker.lead.today import TILES, periods
from tracker.timezones import ZoneInfo

D, H = timedelta(days=1), timedelta(hours=1)


def today_in(clinic):
    return utcnow().astimezone(ZoneInfo(clinic.timezone)).date()


def build(clinic, clinician, n, *, prefix="Pat"):
    """n patients, each: a flag raised 3 days ago (open, late), a session ended 5 days ago
    (unsigned, no debrief: both missing), an esketamine session ended 2 hours ago (unsigned,
    no debrief, no REMS form: all pending), a task due 9 days ago never marked (overdue).
    Plus one patient enrolled 60 days ago and never contacted (out of contact)."""
    now = utcnow()
    for i in range(n):
        p = make.patient(clinic, clinicians=[clinician], given=f"{prefix}{i}")
        course = make.course(p, started_on=today_in(clinic) - 20 * D)
        b.session(course, clinician, now - 5 * D - i * timedelta(minutes=1))
        b.session(course, clinician, now - 3 * H, medication=Medication.ESKETAMINE)
        b.task(p, clinician, due_on=today_in(clinic) - 9 * D)
        b.flag(p, now - 3 * D)
    lost = make.patient(clinic, clinicians=[clinician], given=f"{prefix}Lost")
    make.course(lost, started_on=today_in(clinic) - 60 * D)
    db.session.commit()


def tile(html, key):
    return re.search(rf'<section[^>]*data-tile="{key}">(.*?)</section>', html, re.S).group(1)


def test_clinicians_and_patients_get_403(login_as, clinician, patient_user):
    assert login_as(clinician).get("/lead/").status_code == 403


def test_patients_get_403(login_as, patient_user):
    assert login_as(patient_user).get("/lead/").status_code == 403


def test_anonymous_is_sent_to_sign_in(client, clinic):
    assert client.get("/lead/").status_code == 302


def test_each_count_opens_its_records_with_the_most_urgent_inline(login_as, lead, clinic, clinician):
    build(clinic, clinician, 3)
    response = login_as(lead).get("/lead/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    window, _ = periods(clinic, today_in(clinic))
    args = f"start={window[0].isoformat()}&amp;end={window[1].isoformat()}"
    expected = {  # tile: {state: n}
        "flags_acknowledged": {"missing": 3, "pending": 0},
        "session_signed": {"missing": 3, "pending": 3},
        "debrief_signed": {"missing": 3, "pending": 3},
        "in_contact": {"missing": 1},
        "rems_submitted": {"missing": 0, "pending": 3},
        "tasks_not_overdue": {"missing": 3},
    }
    for key, states in expected.items():
        part = tile(html, key)
        assert re.search(rf"data-total>{sum(states.values())}<", part), key
        for state, n in states.items():
            link = f'href="/lead/continuity/{key}/{state}?'
            if n:
                assert link in part, (key, state)
                assert re.search(rf">{n} [a-z]", part), (key, state)
            else:
                assert link not in part, (key, state)
        if key != "flags_acknowledged":
            assert args in part or not any(states.values()), key
    assert "PatLost" in page_text(response)
    assert "PatLost" in tile(html, "in_contact")
    assert "Morning walk" in tile(html, "tasks_not_overdue")
    # states in words beside the colour
    assert "Missing" in tile(html, "debrief_signed") and "Pending" in tile(html, "debrief_signed")


def test_counts_agree_with_the_drilldowns(login_as, lead, clinic, clinician):
    build(clinic, clinician, 7)
    client = login_as(lead)
    html = client.get("/lead/").get_data(as_text=True)
    for t in TILES:
        for state in t.states:
            m = re.search(rf'href="(/lead/continuity/{t.key}/{state}\?[^"]*)">(\d+) ',
                          tile(html, t.key))
            if m is None:
                continue
            page = client.get(m.group(1).replace("&amp;", "&"))
            assert page.status_code == 200
            assert f"{m.group(2)} {RULES[t.key].item}" in page_text(page), (t.key, state)


def test_only_five_rows_inline_earliest_deadline_first(app, lead, clinic, clinician):
    build(clinic, clinician, 7)
    now = utcnow()
    window, _ = periods(clinic, today_in(clinic))
    with app.test_request_context():
        scope = Scope.for_clinic(clinic, now, *window)
        urgent = queries.most_urgent(RULES["session_signed"], ("missing", "pending"), scope, 5)
    assert urgent.counts == {"missing": 7, "pending": 7} and urgent.total == 14
    assert len(urgent.rows) == 5
    deadlines = [r.due_at for r in urgent.rows]
    assert deadlines == sorted(deadlines) and {r.state for r in urgent.rows} == {"missing"}


def test_an_empty_clinic_says_nothing_to_do(login_as, lead):
    text = page_text(login_as(lead).get("/lead/"))
    assert text.count("Nothing to do") == len(TILES)


def test_another_clinics_items_are_not_counted(login_as, intruder, clinic, clinician):
    build(clinic, clinician, 2)
    lead_elsewhere = make.user(db.session.get(type(clinic), intruder.clinic_id), "lead",
                               email="lead@else.example", name="Lee Elsewhere")
    db.session.commit()
    text = page_text(login_as(lead_elsewhere).get("/lead/"))
    assert text.count("Nothing to do") == len(TILES)


@pytest.mark.parametrize("n", [2])
def test_query_count_does_not_grow_with_the_data(login_as, lead, clinic, clinician, count_queries, n):
    client = login_as(lead)
    build(clinic, clinician, n)
    with count_queries() as q:
        assert client.get("/lead/").status_code == 200
    small = q.count
    build(clinic, clinician, 3 * n, prefix="More")
    with count_queries() as q:
        assert client.get("/lead/").status_code == 200
    assert q.count == small
    # status counts, clinicians, one per tile (six), the audit event (3), the navbar's count
    assert small <= 13, small
