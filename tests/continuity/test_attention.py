"""The attention map: which patients need attention now, and why."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tests import factories as make
from tests.continuity import builders as b
from tracker.continuity.attention import ATTENTION_REASONS, attention_condition, attention_map
from tracker.continuity.scope import local_midnight
from tracker.core.patients import Patient
from tracker.db import utcnow
from tracker.extensions import db

D = timedelta(days=1)


@pytest.fixture
def now():
    return utcnow().replace(microsecond=0)


@pytest.fixture
def world(clinic, clinician, now):
    """Patients each showing one reason (or a near miss that must not show)."""
    tz = ZoneInfo(clinic.timezone)
    today = now.astimezone(tz).date()
    people = {}

    def patient(name, enrolled_days_ago=None):
        p = make.patient(clinic, clinicians=[clinician], given=name)
        people[name] = p
        course = make.course(p, started_on=today - enrolled_days_ago * D) if enrolled_days_ago else None
        return p, course

    flagged, _ = patient("flagged")
    b.flag(flagged, now - 2 * D)
    settled, _ = patient("settled")
    b.flag(settled, now - 2 * D, acknowledged_at=now - D, by=clinician)

    p, course = patient("today", enrolled_days_ago=5)
    b.session(course, clinician, local_midnight(today, tz) + timedelta(hours=12), ended=False,
              started=False)
    p, course = patient("cancelled_today", enrolled_days_ago=5)
    b.session(course, clinician, local_midnight(today, tz) + timedelta(hours=12), ended=False,
              started=False, status="cancelled")

    p, course = patient("no_debrief", enrolled_days_ago=20)
    b.session(course, clinician, now - 4 * D)
    p, course = patient("debrief_pending", enrolled_days_ago=20)
    b.session(course, clinician, now - D)
    p, course = patient("debrief_unsigned", enrolled_days_ago=20)
    s = b.session(course, clinician, now - 5 * D)
    b.debrief(s, clinician, now - 4 * D)
    p, course = patient("debrief_signed", enrolled_days_ago=20)
    s = b.session(course, clinician, now - 5 * D)
    b.debrief(s, clinician, now - 4 * D, signed_at=now - 4 * D)
    p, course = patient("debrief_long_ago", enrolled_days_ago=90)
    b.session(course, clinician, now - 45 * D)
    b.follow_up(p, clinician, now - 2 * D, completed_at=now - 2 * D)

    p, _ = patient("task_overdue")
    b.task(p, clinician, due_on=today - 10 * D)
    p, _ = patient("task_recent")
    b.task(p, clinician, due_on=today - 3 * D)
    p, _ = patient("task_marked_late")
    t = b.task(p, clinician, due_on=today - 20 * D)
    b.mark(t, today - 20 * D, now - D)
    p, _ = patient("daily_gap")
    t = b.task(p, clinician, repeat="daily", starts_on=today - 14 * D, repeat_until=today - 9 * D)
    for n in (14, 13, 11, 10, 9):  # day 12 never marked
        b.mark(t, today - n * D, now - (n - 1) * D)
    p, _ = patient("weekly_ok")
    t = b.task(p, clinician, repeat="weekly", starts_on=today - 21 * D, repeat_until=today)
    for n in (21, 14, 7):
        b.mark(t, today - n * D, now - n * D)
    p, _ = patient("cancelled_task")
    b.task(p, clinician, due_on=today - 10 * D, active=False)

    patient("lost", enrolled_days_ago=60)
    patient("new", enrolled_days_ago=10)
    p, course = patient("discharged_lost", enrolled_days_ago=60)
    p.status = "discharged"
    p, course = patient("in_touch", enrolled_days_ago=60)
    b.follow_up(p, clinician, now - 29 * D, completed_at=now - 29 * D)
    p, course = patient("missed_follow_up", enrolled_days_ago=60)
    b.follow_up(p, clinician, now - 3 * D, outcome="missed")
    db.session.flush()
    return people


EXPECTED = {
    "flagged": ["safety_flag"], "settled": [],
    "today": ["session_today"], "cancelled_today": [],
    "no_debrief": ["late_debrief"], "debrief_pending": [], "debrief_unsigned": ["late_debrief"],
    "debrief_signed": [], "debrief_long_ago": [],
    "task_overdue": ["overdue_tasks"], "task_recent": [], "task_marked_late": [],
    "daily_gap": ["overdue_tasks"], "weekly_ok": [], "cancelled_task": [],
    "lost": ["no_contact"], "new": [], "discharged_lost": [], "in_touch": [],
    "missed_follow_up": ["no_contact"],
}


def test_attention_map_gives_each_patient_its_reasons(world, clinic, now, count_queries):
    ids = [p.id for p in world.values()]
    with count_queries() as q:
        result = attention_map(ids, clinic, now)
    assert q.count == 1
    assert {name: result[p.id] for name, p in world.items()} == EXPECTED


def test_each_condition_selects_the_same_patients(world, clinic, now):
    names = {p.id: name for name, p in world.items()}
    for reason in ATTENTION_REASONS:
        got = db.session.scalars(sa.select(Patient.id).where(
            Patient.clinic_id == clinic.id, attention_condition(reason, clinic, now))).all()
        assert sorted(names[i] for i in got) == sorted(
            n for n, reasons in EXPECTED.items() if reason in reasons), reason


def test_reasons_combine_in_a_fixed_order(clinic, clinician, now):
    p = make.patient(clinic, clinicians=[clinician])
    course = make.course(p, started_on=(now - 60 * D).date())
    b.session(course, clinician, now - 50 * D)
    b.flag(p, now - D)
    assert attention_map([p.id, p.id], clinic, now) == {p.id: ["safety_flag", "no_contact"]}


def test_thresholds_come_from_the_clinic_settings(clinic, clinician, now):
    p = make.patient(clinic, clinicians=[clinician])
    course = make.course(p, started_on=(now - 60 * D).date())
    b.session(course, clinician, now - 2 * D)  # no debrief, 48 h after the end
    assert attention_map([p.id], clinic, now)[p.id] == []
    clinic.settings = {"debrief_within_hours": 24}
    assert attention_map([p.id], clinic, now)[p.id] == ["late_debrief"]


def test_empty_and_unknown(clinic, now):
    assert attention_map([], clinic, now) == {}
    assert attention_map([987654], clinic, now) == {987654: []}
    with pytest.raises(KeyError):
        attention_condition("nonsense", clinic, now)


def test_one_statement_built_per_clinic_answers_at_every_time(clinic, clinician, now):
    """The conditions are built once per clinic and thresholds, with the times as bound
    parameters: the same statement must answer for each `now` it is given."""
    p = make.patient(clinic, clinicians=[clinician])
    course = make.course(p, started_on=(now - 60 * D).date())
    b.session(course, clinician, now - D)  # ended a day ago: its debrief is not late yet
    assert attention_map([p.id], clinic, now)[p.id] == []
    assert attention_map([p.id], clinic, now + 3 * D)[p.id] == ["late_debrief"]
    # past the attention window, and no contact for more than 30 days
    assert attention_map([p.id], clinic, now + 40 * D)[p.id] == ["no_contact"]
    assert attention_map([p.id], clinic, now)[p.id] == []
    later = sa.select(Patient.id).where(attention_condition("late_debrief", clinic, now + 3 * D))
    assert db.session.scalars(later).all() == [p.id]
