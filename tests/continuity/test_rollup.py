"""The dashboard's summary tables (tracker/continuity/rollup.py) give the numbers the rules
compute from the records: on random journeys of two patients, built partly before the tables
and partly after (kept current the way a commit keeps them), read at random instants, over
random periods, for every clinician filter."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests import factories as make
from tests.continuity import builders as b
from tests.continuity.journeys import (
    NOW,
    TODAY,
    D,
    H,
    build_session,
    flag_specs,
    past,
    session_specs,
)
from tracker.continuity import queries, rollup
from tracker.continuity.scope import NO_CLINICIAN, Scope
from tracker.core.patients import CareTeamMember
from tracker.core.sessions import DosingSession
from tracker.extensions import db

EXAMPLES = settings(max_examples=40, deadline=None, derandomize=True,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

reads = st.tuples(
    st.integers(-48, 20 * 24),               # now: hours from NOW
    st.integers(0, 400),                      # the period's first day: days before today
    st.integers(0, 400),                      # its length in days (cut at today)
    st.sampled_from(["any", "none", "first", "second"]),   # the clinician filter
)


@pytest.fixture
def two(clinic, clinician, clinician2):
    journeys = []
    for who in (clinician, clinician2):
        patient = make.patient(clinic, clinicians=[who])
        course = make.course(patient, started_on=TODAY - 120 * D)
        journeys.append(SimpleNamespace(clinic=clinic, clinician=who, patient=patient,
                                        course=course))
    db.session.commit()
    return journeys


def _plain(summary, trend, weeks) -> tuple:
    return ({k: c.as_dict() for k, c in summary.totals.items()},
            {cid: {k: c.as_dict() for k, c in counts.items()}
             for cid, counts in summary.by_clinician.items()},
            {k: [trend[k][w.index].as_dict() for w in weeks] for k in trend})


def _agree(scope: Scope) -> None:
    assert rollup.usable(scope)
    weeks = queries.weeks_of(scope)
    got = _plain(*rollup.count(scope, weeks), weeks)
    expected = _plain(*queries._count(scope, weeks), weeks)
    for part, name in enumerate(("totals", "per clinician", "trend")):
        assert got[part] == expected[part], (name, scope.first_day, scope.last_day, scope.now)


@EXAMPLES
@given(before=st.lists(st.tuples(st.integers(0, 1), session_specs), max_size=3),
       after=st.lists(st.tuples(st.integers(0, 1), session_specs), max_size=3),
       flags=st.lists(st.tuples(st.integers(0, 1), flag_specs), max_size=2),
       paused=st.booleans(), reads=st.lists(reads, min_size=1, max_size=3))
def test_the_summary_tables_give_the_rules_numbers(two, before, after, flags, paused, reads):
    clinic = two[0].clinic
    try:
        for who, spec in before:
            build_session(two[who], spec)
        rollup.rebuild(clinic)
        for who, spec in after:
            build_session(two[who], spec)
        for who, (days_ago, ack) in flags:
            raised = NOW - days_ago * D
            b.flag(two[who].patient, raised, by=two[who].clinician,
                   acknowledged_at=past(raised + ack * H) if ack is not None else None)
        if paused:
            two[1].patient.status = "paused"
        db.session.flush()
        rollup._before_commit(db.session)   # what a commit runs: the changed patients again
        filters = {"any": None, "none": NO_CLINICIAN, "first": two[0].clinician.id,
                   "second": two[1].clinician.id}
        for hours, back, length, who in reads:
            now = NOW + hours * H
            scope = Scope.for_clinic(clinic, now, TODAY, TODAY)
            today = scope.today
            first = today - back * D
            last = min(first + length * D, today)
            _agree(Scope.for_clinic(clinic, now, first, last, clinician_id=filters[who]))
    finally:
        db.session.rollback()


def test_a_committed_change_is_in_the_tables_at_once(two):
    """Through a real commit: the tables built, then a session recorded, signed late and its
    patient's primary clinician changed: each commit keeps the tables equal to the records."""
    clinic, first, second = two[0].clinic, two[0], two[1]
    rollup.rebuild(clinic)
    db.session.commit()
    at = NOW - 3 * D
    session = b.session(first.course, first.clinician, at)
    db.session.commit()
    scope = Scope.for_clinic(clinic, NOW, TODAY - 29 * D, TODAY)
    _agree(scope)
    summary = rollup.count(scope, queries.weeks_of(scope))[0]
    assert summary.totals["session_signed"].missing == 1
    signed = db.session.get(DosingSession, session.id)
    signed.signed_at, signed.signed_by_id = NOW - H, first.clinician.id   # signed late
    db.session.commit()
    _agree(scope)
    assert rollup.count(scope, queries.weeks_of(scope))[0].totals["session_signed"].late == 1
    member = db.session.scalar(sa.select(CareTeamMember).where(
        CareTeamMember.patient_id == first.patient.id))
    member.clinician_id = second.clinician.id   # the patient's items move to the other clinician
    db.session.commit()
    _agree(scope)


def test_other_settings_or_a_course_filter_read_the_records(two):
    clinic = two[0].clinic
    rollup.rebuild(clinic)
    db.session.commit()
    scope = Scope.for_clinic(clinic, NOW, TODAY - 29 * D, TODAY)
    assert rollup.usable(scope)
    assert not rollup.usable(Scope.for_clinic(clinic, NOW, TODAY - 29 * D, TODAY,
                                              course_status="active"))
    clinic.settings = {**(clinic.settings or {}), "debrief_within_hours": 48}
    db.session.commit()
    assert not rollup.usable(Scope.for_clinic(clinic, NOW, TODAY - 29 * D, TODAY))


@pytest.mark.parametrize("days", [1, 12, 30, 200, 731])
def test_the_hand_counted_clinic_from_the_tables(world, days):
    """The clinic whose counts are known by hand (conftest.py, test_rules.py EXPECTED): the
    tables give the rules' numbers for periods ending today and ending 5 days ago, with each
    clinician filter."""
    rollup.rebuild(world.clinic)
    db.session.commit()
    for last in (TODAY, TODAY - 5 * D):
        for who in (None, world.A.id, world.B.id, NO_CLINICIAN):
            _agree(Scope.for_clinic(world.clinic, NOW, last - (days - 1) * D, last,
                                    clinician_id=who))


def test_writes_by_statement_keep_the_tables_current(two):
    """A patient's task mark (an upsert statement) and a flag's acknowledgement (an UPDATE
    statement) bypass the unit of work: they mark their patient too. (Real time: both
    services stamp utcnow().)"""
    from tracker.care.services import acknowledge_flag
    from tracker.db import utcnow
    from tracker.portal.services import mark_occurrence

    clinic, first = two[0].clinic, two[0]
    now = utcnow()
    today = Scope.for_clinic(clinic, now, TODAY, TODAY).today
    rollup.rebuild(clinic)
    db.session.commit()
    task = b.task(first.patient, first.clinician, due_on=today - 2 * D)
    flag = b.flag(first.patient, now - 3 * D, by=first.clinician)
    db.session.commit()

    def totals():
        scope = Scope.for_clinic(clinic, utcnow(), today - 29 * D, today)
        _agree(scope)
        return rollup.count(scope, queries.weeks_of(scope))[0].totals

    assert totals()["tasks_not_overdue"].pending == 1
    mark_occurrence(first.patient, task, today - 2 * D, "done", today=today)
    db.session.commit()
    assert totals()["tasks_not_overdue"].compliant == 1
    assert totals()["flags_acknowledged"].missing == 1
    acknowledge_flag(flag, note="Called the patient", by=first.clinician)
    db.session.commit()
    assert totals()["flags_acknowledged"].late == 1


def test_the_timer_rebuilds_only_a_clinic_whose_settings_changed(app, two):
    clinic = two[0].clinic
    runner = app.test_cli_runner()
    assert rollup.stale(clinic)                      # never built
    assert "items in" in runner.invoke(args=["continuity-rollup", "--stale"]).output
    assert not rollup.stale(clinic)
    assert runner.invoke(args=["continuity-rollup", "--stale"]).output == ""   # nothing to do
    clinic.settings = {**(clinic.settings or {}), "debrief_within_hours": 48}
    db.session.commit()
    assert rollup.stale(clinic)
    assert not rollup.usable(Scope.for_clinic(clinic, NOW, TODAY - 29 * D, TODAY))
    runner.invoke(args=["continuity-rollup", "--stale"])
    db.session.expire_all()
    assert not rollup.stale(clinic)
    _agree(Scope.for_clinic(clinic, NOW, TODAY - 29 * D, TODAY))   # rebuilt = the records
