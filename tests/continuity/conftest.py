"""A small clinic whose continuity counts are known by hand (see EXPECTED in test_rules.py).

NOW is fixed: 2026-03-18 15:00 UTC (11:00 in New York); the period is the 30 days to NOW's
local date. Clinician A = `clinician`, B = `clinician2`. Each session is scheduled, started
and (unless said) ended 40 minutes later at the time given.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from tests import factories as make
from tests.continuity import builders as b
from tracker.extensions import db

NOW = datetime(2026, 3, 18, 15, 0, tzinfo=UTC)
TODAY = NOW.date()  # also the local date in New York at 11:00
D, H, M = timedelta(days=1), timedelta(hours=1), timedelta(minutes=1)
END = 40 * M


@pytest.fixture
def world(clinic, clinician, clinician2):
    A, B = clinician, clinician2
    w = SimpleNamespace(A=A, B=B, clinic=clinic)

    def patient(primary, enrolled, status="active"):
        p = make.patient(clinic, clinicians=[primary], status=status)
        return p, make.course(p, started_on=TODAY - enrolled * D)

    w.p1, c1 = patient(A, 60)
    w.p2, c2 = patient(B, 60)
    w.p3, c3 = patient(A, 10)
    w.p4, c4 = patient(A, 60)
    w.p5, c5 = patient(B, 60, status="discharged")
    w.p6, _c6 = patient(B, 100)
    w.c2 = c2

    def plan_task(p, d, created_at):
        return b.task(p, A, debrief=d, created_at=created_at, due_on=TODAY + 30 * D)

    # s1 (P1, A): everything on time
    at = NOW - 20 * D
    s1 = b.session(c1, A, at, signed_at=at + END + 2 * H, medication="esketamine")
    b.rems_form(s1, A, submitted_at=at + END + 3 * D)   # REMS on time
    b.intention(s1, A, at - D, checklist_at=at - H)
    d1 = b.debrief(s1, A, at + END + D, signed_at=at + END + D)
    plan_task(w.p1, d1, at + END + D - H)
    b.follow_up(w.p1, A, at + END + 7 * D, completed_at=at + END + 7 * D)
    b.phq9(w.p1, A, at - 3 * D)
    # s2 (P1, A): everything late
    at = NOW - 10 * D
    s2 = b.session(c1, A, at, signed_at=at + END + 30 * H, medication="esketamine")
    b.rems_form(s2, A, submitted_at=at + END + 9 * D)   # REMS late
    b.intention(s2, A, at + 10 * M, checklist_at=at + 10 * M)
    d2 = b.debrief(s2, A, at + END + 3 * D, signed_at=at + END + 80 * H)
    plan_task(w.p1, d2, at + END + 81 * H)
    # s3 (P2, B): no intention, checklist overridden, unsigned, no debrief
    b.session(c2, B, NOW - 5 * D, override="Escort confirmed by phone")
    # s4 (P2, B): two hours ago; checklist open; debrief held, unsigned, no plan yet
    at = NOW - 2 * H
    s4 = b.session(c2, B, at, medication="esketamine")
    b.rems_form(s4, B)                                   # REMS answered, not submitted: pending
    b.intention(s4, B, at - 2 * D, complete=False)
    b.debrief(s4, B, NOW - 30 * M)
    b.phq9(w.p2, B, NOW - 6 * D)
    # s5: P4, out of the period; s6: P2, cancelled
    at = NOW - 50 * D
    b.rems_form(b.session(c4, A, at, medication="esketamine"), A, submitted_at=at + 2 * D)
    b.phq9(w.p4, A, NOW - 45 * D)
    b.session(c2, B, NOW - 3 * D, ended=False, started=False, status="cancelled")
    # s7 (P3, A): started two days ago, never ended, nothing recorded
    b.session(c3, A, NOW - 2 * D, ended=False, medication="esketamine")  # not ended: no REMS item
    # s8 (P1, A): debrief held but never signed, with a plan; PHQ-9 exactly 7 days before
    at = NOW - 16 * D
    s8 = b.session(c1, A, at, signed_at=at + END + H)
    b.intention(s8, A, at - 2 * H, checklist_at=at - H)
    d8 = b.debrief(s8, A, at + END + D)
    plan_task(w.p1, d8, at + END + D)
    # s9 (P2, B): signed debrief without a plan; its own follow-up 21 days after
    at = NOW - 25 * D
    s9 = b.session(c2, B, at, signed_at=at + END + H, medication="esketamine")  # no REMS: missing
    b.intention(s9, B, at - D, checklist_at=at - H)
    b.debrief(s9, B, at + END + 2 * H, signed_at=at + END + 10 * H)
    b.follow_up(w.p2, B, at + END + 21 * D, completed_at=at + END + 21 * D, session=s9)
    # s11 (P2, B): nothing at all
    b.session(c2, B, NOW - 27 * D)
    # P5, discharged: a session out of the period
    b.session(c5, B, NOW - 45 * D)

    # integration tasks (occurrences)
    t1 = b.task(w.p1, A, due_on=TODAY - 20 * D)
    b.mark(t1, TODAY - 20 * D, NOW - 18 * D)
    t2 = b.task(w.p1, A, due_on=TODAY - 15 * D)
    b.mark(t2, TODAY - 15 * D, NOW - 5 * D)
    b.task(w.p2, B, due_on=TODAY - 12 * D)
    b.task(w.p2, B, due_on=TODAY - 3 * D)
    t5 = b.task(w.p1, A, repeat="daily", starts_on=TODAY - 12 * D, repeat_until=TODAY - 10 * D)
    b.mark(t5, TODAY - 12 * D, NOW - 12 * D)
    b.mark(t5, TODAY - 10 * D, NOW - 9 * D, outcome="skipped")
    t6 = b.task(w.p3, A, repeat="weekly", starts_on=TODAY - 35 * D, repeat_until=TODAY)
    b.mark(t6, TODAY - 28 * D, NOW - 27 * D)
    b.task(w.p1, A, due_on=TODAY - 40 * D)
    b.task(w.p2, B, due_on=TODAY - 12 * D, active=False)

    # safety flags
    b.flag(w.p1, NOW - 10 * D, acknowledged_at=NOW - 10 * D + 2 * H, by=A)
    b.flag(w.p2, NOW - 8 * D, acknowledged_at=NOW - 6 * D, by=B)
    b.flag(w.p2, NOW - 3 * D)
    b.flag(w.p3, NOW - 2 * H)
    b.flag(w.p1, NOW - 40 * D)

    # another clinic: never counted
    other = make.clinic(name="Elsewhere")
    stranger = make.user(other, "clinician")
    op, oc = make.patient(other, clinicians=[stranger]), None
    oc = make.course(op, started_on=TODAY - 60 * D)
    b.session(oc, stranger, NOW - 5 * D)
    b.flag(op, NOW - 5 * D)
    b.task(op, stranger, due_on=TODAY - 10 * D)
    db.session.flush()
    return w
