"""Every rule's counts, exactly, on the hand-built clinic of conftest.py."""
from __future__ import annotations

from dataclasses import replace

import pytest

from tests.continuity.conftest import NOW, TODAY, D
from tracker.continuity import queries
from tracker.continuity.attention import attention_map
from tracker.continuity.rules import RULES
from tracker.continuity.scope import Scope
from tracker.extensions import db


def counts(c=0, l=0, m=0, p=0):  # noqa: E741 - compliant, late, missing, pending
    return {"compliant": c, "late": l, "missing": m, "pending": p}


EXPECTED = {
    "intention_before_start": counts(c=4, l=1, m=3),
    "checklist_before_dosing": counts(c=4, l=1, m=3),
    "session_signed": counts(c=3, l=1, m=2, p=1),
    "debrief_signed": counts(c=2, l=1, m=3, p=1),
    "integration_plan": counts(c=2, l=1, m=1, p=1),
    "follow_up_held": counts(c=3, l=1, m=1, p=2),
    "phq9_before_session": counts(c=4, m=4),
    "phq9_every": counts(c=2, m=1, p=1),
    "tasks_not_overdue": counts(c=4, l=1, m=4, p=3),
    "in_contact": counts(c=2, m=2, p=1),
    "flags_acknowledged": counts(c=1, l=1, m=1, p=1),
    "rems_submitted": counts(c=1, l=1, m=1, p=1),   # esketamine s1, s2, s9, s4; not s3 (ketamine)
}
EXPECTED_A = {
    "intention_before_start": counts(c=2, l=1, m=1),
    "checklist_before_dosing": counts(c=2, l=1, m=1),
    "session_signed": counts(c=2, l=1),
    "debrief_signed": counts(c=1, l=1, m=1),
    "integration_plan": counts(c=2, l=1),
    "follow_up_held": counts(c=2, p=1),
    "phq9_before_session": counts(c=2, m=2),
    "phq9_every": counts(c=1, m=1, p=1),
    "tasks_not_overdue": counts(c=4, l=1, m=3, p=2),
    "in_contact": counts(c=1, m=1, p=1),
    "flags_acknowledged": counts(c=1, p=1),
    "rems_submitted": counts(c=1, l=1),
}


def minus(a, b):
    return {rule: {s: a[rule][s] - b[rule][s] for s in a[rule]} for rule in a}


EXPECTED_B = minus(EXPECTED, EXPECTED_A)


def scope_for(world, first_day=TODAY - 29 * D, last_day=TODAY, **filters):
    return Scope.for_clinic(world.clinic, NOW, first_day, last_day, **filters)


def as_plain(by_rule):
    return {rule: {s: getattr(c, s) for s in ("compliant", "late", "missing", "pending")}
            for rule, c in by_rule.items()}


def test_every_rule_counts_exactly(world, count_queries):
    with count_queries() as q:
        result = queries.summary(scope_for(world))
    assert q.count == 4  # one per kind of item: sessions, task occurrences, flags, patients
    assert as_plain(result.totals) == EXPECTED


def test_counts_per_clinician(world):
    result = queries.summary(scope_for(world))
    assert set(result.by_clinician) == {world.A.id, world.B.id}
    assert as_plain(result.by_clinician[world.A.id]) == EXPECTED_A
    assert as_plain(result.by_clinician[world.B.id]) == EXPECTED_B


def test_rate_leaves_pending_items_out(world):
    totals = queries.summary(scope_for(world)).totals
    signed = totals["session_signed"]
    assert (signed.due, signed.assessed, signed.rate) == (7, 6, 3 / 6)
    assert queries.Counts().rate is None


def test_clinician_filter_gives_that_clinicians_counts(world):
    result = queries.summary(scope_for(world, clinician_id=world.A.id))
    assert as_plain(result.totals) == EXPECTED_A


def test_course_status_filter(world):
    world.c2.status = "paused"  # P2's course: all of B's sessions, tasks and flags
    db.session.flush()
    result = queries.summary(scope_for(world, course_status="paused"))
    expected = dict(EXPECTED_B, in_contact=counts(c=1))  # P6 (B, lost) has an active course
    assert as_plain(result.totals) == expected
    assert as_plain(queries.summary(scope_for(world, course_status="completed")).totals) == {
        rule: counts() for rule in RULES}


def test_a_narrower_period(world):
    # sessions s2 (10 days ago) and s3 (5 days ago) only; task occurrences T3, T5 x3 and T6's
    # of 7 days ago (pending); flags F1, F2
    result = queries.summary(scope_for(world, TODAY - 12 * D, TODAY - 4 * D)).totals
    assert as_plain({k: result[k] for k in ("intention_before_start", "follow_up_held",
                                            "tasks_not_overdue", "flags_acknowledged")}) == {
        "intention_before_start": counts(l=1, m=1),
        "follow_up_held": counts(c=1, p=1),
        "tasks_not_overdue": counts(c=2, m=2, p=1),
        "flags_acknowledged": counts(c=1, l=1),
    }
    # patient-level rules are judged at the period's end (P3 was not yet dosed then)
    assert as_plain({"phq9_every": result["phq9_every"]}) == {"phq9_every": counts(c=2, m=1)}


def test_thresholds_come_from_settings(world):
    world.clinic.settings = {"sign_session_within_hours": 48, "acknowledge_flag_within_hours": 72}
    totals = queries.summary(scope_for(world)).totals
    assert as_plain({"s": totals["session_signed"]})["s"] == counts(c=4, m=2, p=1)
    assert as_plain({"f": totals["flags_acknowledged"]})["f"] == counts(c=2, m=1, p=1)


def test_trend_weeks_agree_with_the_same_days_as_a_period(world, count_queries):
    scope = scope_for(world)
    weeks = queries.weeks_of(scope)
    assert [w.label for w in weeks][:2] == ["2026-W08", "2026-W09"]
    assert (weeks[0].first_day, weeks[-1].last_day) == (TODAY - 29 * D, TODAY)
    with count_queries() as q:
        trend = queries.trend(scope, weeks)
    assert q.count == 4
    for week in weeks:
        expected = queries.summary(replace(scope, first_day=week.first_day,
                                           last_day=week.last_day)).totals
        for rule in RULES:
            assert as_plain({rule: trend[rule][week.index]}) == as_plain({rule: expected[rule]}), (
                rule, week.label)
    # anchored items add up to the period's totals
    summary = queries.summary(scope).totals
    for rule in RULES.values():
        if not rule.snapshot:
            assert sum(trend[rule.key][w.index].due for w in weeks) == summary[rule.key].due


def test_trend_judges_patient_rules_at_each_weeks_end(world):
    weeks = queries.weeks_of(scope_for(world))
    trend = queries.trend(scope_for(world), weeks)
    # 2026-W10 ends on Sunday 8 March: P1 measured 23 days before NOW (in time), P2 in care
    # for less than 30 days (pending), P4 lapsed; P3 not yet dosed.
    w10 = next(w for w in weeks if w.label == "2026-W10")
    assert as_plain({"x": trend["phq9_every"][w10.index]})["x"] == counts(c=1, m=1, p=1)


def test_patient_rules_count_a_catch_up_after_the_period_as_late(clinic, clinician):
    from tests import factories as make
    from tests.continuity import builders as b

    p = make.patient(clinic, clinicians=[clinician])
    course = make.course(p, started_on=TODAY - 60 * D)
    b.session(course, clinician, NOW - 58 * D)
    b.phq9(p, clinician, NOW - 50 * D)
    b.phq9(p, clinician, NOW - 5 * D)
    b.follow_up(p, clinician, NOW - 5 * D, completed_at=NOW - 5 * D)
    world = type("W", (), {"clinic": clinic})
    result = queries.summary(scope_for(world, TODAY - 20 * D, TODAY - 10 * D)).totals
    assert as_plain({"phq9_every": result["phq9_every"], "in_contact": result["in_contact"]}) == {
        "phq9_every": counts(l=1), "in_contact": counts(l=1)}
    now = queries.summary(scope_for(world)).totals
    assert (now["phq9_every"].compliant, now["in_contact"].compliant) == (1, 1)


@pytest.mark.parametrize("rule", list(RULES))
def test_drilldown_lists_exactly_the_counted_items(world, rule):
    scope = scope_for(world)
    totals = queries.summary(scope).totals[rule]
    for state in ("compliant", "late", "missing", "pending"):
        rows = db.session.execute(queries.drilldown(RULES[rule], state, scope)).all()
        assert len(rows) == getattr(totals, state), (rule, state)
        assert all(r.state == state for r in rows)
        assert all(r.family_name for r in rows)


def test_attention_agrees_with_the_dashboard(world):
    result = attention_map([world.p1.id, world.p2.id, world.p3.id, world.p4.id, world.p6.id],
                           world.clinic, NOW)
    assert result == {
        # F5 never acknowledged; s8's debrief unsigned; the daily task's gap 11 days ago
        world.p1.id: ["safety_flag", "late_debrief", "overdue_tasks"],
        # F3; s4 this morning; s3 and s11 without debrief; s9's REMS form never submitted;
        # T3 unmarked
        world.p2.id: ["safety_flag", "session_today", "late_debrief", "rems_overdue",
                      "overdue_tasks"],
        # F4; the weekly task missed twice; enrolled 10 days ago (contact pending)
        world.p3.id: ["safety_flag", "overdue_tasks"],
        world.p4.id: ["no_contact"],
        world.p6.id: ["no_contact"],
    }


def test_long_periods_trend_by_month_and_still_add_up(world):
    scope = scope_for(world, TODAY - 199 * D, TODAY)
    months = queries.weeks_of(scope)
    assert [m.label for m in months] == ["2025-08", "2025-09", "2025-10", "2025-11", "2025-12",
                                         "2026-01", "2026-02", "2026-03"]
    assert (months[0].first_day, months[0].last_day) == (TODAY - 199 * D, TODAY - 199 * D)
    assert (months[0].first_day, months[-1].last_day) == (TODAY - 199 * D, TODAY)
    summary, _, trend = queries.overview(scope)
    for rule in RULES.values():
        if not rule.snapshot:
            assert sum(trend[rule.key][m.index].due for m in months) == summary.totals[rule.key].due
    assert as_plain(summary.totals) == as_plain(queries.summary(scope).totals)
