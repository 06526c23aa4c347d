"""One truth for every rule: on random journeys, the chart, the needs-attention list, care's
follow-ups page and the lead's dashboard say the same thing about every item, and the Python and SQL definitions of a
task's occurrences give the same days.

Each example builds a patient's journey inside the test's transaction, reads it the three
ways, and rolls back; the clinic, clinician and patient (committed once) stay.
"""
from __future__ import annotations

from datetime import timedelta

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
from tracker.care.queries import follow_up_schedule
from tracker.continuity import predicates
from tracker.continuity.attention import ATTENTION_REASONS, attention_condition, attention_map
from tracker.continuity.predicates import PENDING
from tracker.continuity.queries import rule_items
from tracker.continuity.rules import RULES, STATES
from tracker.continuity.scope import Scope
from tracker.continuity.stages import NOT_APPLICABLE, SESSION_STAGES
from tracker.core.patients import Patient
from tracker.extensions import db
from tracker.integration.models import Debrief
from tracker.integration.occurrences import occurrence_dates
from tracker.patients.journey import journey_rows, session_journeys

FIRST_DAY, LAST_DAY = TODAY - 90 * D, TODAY + 15 * D   # every item the journeys can make

# No shrinking: each example costs database work, and an unshrunk failure still names it.
EXAMPLES = settings(max_examples=40, deadline=None, derandomize=True,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

def _dashboard(clinic) -> dict[tuple[str, int], str]:
    """(rule, session id) -> state, from the dashboard's drill-down of every rule."""
    scope = Scope.for_clinic(clinic, NOW, FIRST_DAY, LAST_DAY)
    states = {}
    for stage in SESSION_STAGES:
        rule = RULES[stage.rule]
        for row in db.session.execute(rule_items(rule, scope)):
            session_id = (row.item_id if rule.record_type == "dosing_session"
                          else db.session.get(Debrief, row.item_id).session_id)
            states[stage.rule, session_id] = row.state
    return states


@pytest.fixture
def w(clinic, clinician):
    from types import SimpleNamespace
    patient = make.patient(clinic, clinicians=[clinician])
    course = make.course(patient, started_on=TODAY - 120 * D)
    db.session.commit()
    return SimpleNamespace(clinic=clinic, clinician=clinician, patient=patient, course=course)


@EXAMPLES
@given(sessions=st.lists(session_specs, min_size=1, max_size=4), flags=st.lists(flag_specs, max_size=2))
def test_the_chart_the_list_and_the_dashboard_agree(w, sessions, flags):
    try:
        for spec in sessions:
            build_session(w, spec)
        for days_ago, ack in flags:
            raised = NOW - days_ago * D
            b.flag(w.patient, raised, by=w.clinician,
                   acknowledged_at=past(raised + ack * H) if ack is not None else None)
        dashboard = _dashboard(w.clinic)
        journeys = session_journeys(db.session.execute(journey_rows(
            w.patient.id, clinic=w.clinic, now=NOW, today=TODAY)).all(), clinic=w.clinic)

        # the chart: every stage the dashboard judges shows the dashboard's state; a stage
        # it does not judge (yet) shows plain words, or pending for what is still to do
        # before an upcoming session, never a judgement (on time, late, missing)
        for j in journeys:
            for stage in SESSION_STAGES:
                judged = dashboard.get((stage.rule, j.session_id))
                shown = j.state(stage.key)
                if judged is not None:
                    assert shown == judged, (stage.key, j.session_id)
                elif shown == PENDING:
                    assert stage.before_start and j.started_at is None, (stage.key, j.session_id)
                elif stage.medication is not None and j.medication not in (None, stage.medication):
                    # a ketamine session has no REMS form: never an item, never judged
                    assert shown == NOT_APPLICABLE, (stage.key, j.session_id)
                else:
                    assert shown not in STATES, (stage.key, j.session_id)

        # the REMS rule judges ended esketamine sessions only
        for j in journeys:
            assert (("rems_submitted", j.session_id) in dashboard) == (
                j.medication == "esketamine" and j.ended_at is not None
                and j.status != "cancelled"), j.session_id

        # care's follow-ups page: the same state for every ended session
        days = w.clinic.setting("follow_up_within_days")
        for row in follow_up_schedule(w.patient.id, days, NOW):
            assert row.state == dashboard.get(("follow_up_held", row.id)), row.id

        # the list: a reason applies exactly when the dashboard has a missing item behind it
        reasons = set(attention_map([w.patient.id], w.clinic, NOW)[w.patient.id])
        # the list's filter (as the clinician: their care team; else the clinic) agrees
        for viewer in (w.clinician, None):
            filtered = {reason for reason in ATTENTION_REASONS if db.session.scalar(
                sa.select(Patient.id).where(Patient.id == w.patient.id, attention_condition(
                    reason, w.clinic, NOW, viewer=viewer)))}
            assert filtered == reasons, viewer
        window = timedelta(days=w.clinic.setting("attention_window_days"))
        ended = {j.session_id: j.ended_at for j in journeys}
        late_debrief = any(state == "missing" and ended[sid] >= NOW - window
                           for (rule, sid), state in dashboard.items() if rule == "debrief_signed")
        assert ("late_debrief" in reasons) == late_debrief
        late_rems = any(state == "missing" and ended[sid] >= NOW - window
                        for (rule, sid), state in dashboard.items() if rule == "rems_submitted")
        assert ("rems_overdue" in reasons) == late_rems
        scope = Scope.for_clinic(w.clinic, NOW, TODAY - window, TODAY)
        overdue = any(row.state == "missing"
                      for row in db.session.execute(rule_items(RULES["tasks_not_overdue"], scope)))
        assert ("overdue_tasks" in reasons) == overdue
        scope = Scope.for_clinic(w.clinic, NOW, TODAY - 90 * D, TODAY)
        open_flags = any(row.done_at is None for row in db.session.execute(
            rule_items(RULES["flags_acknowledged"], scope)))
        assert ("safety_flag" in reasons) == open_flags
    finally:
        db.session.rollback()


@settings(max_examples=150, deadline=None, derandomize=True,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tasks=st.lists(st.tuples(st.sampled_from(["none", "daily", "weekly"]),
                                st.integers(-60, 60), st.integers(0, 70), st.booleans()),
                      min_size=1, max_size=4),
       window=st.tuples(st.integers(-70, 70), st.integers(0, 80)))
def test_python_and_sql_agree_on_a_tasks_occurrences(w, tasks, window):
    first_day = TODAY + window[0] * D
    last_day = first_day + window[1] * D
    try:
        expected = set()
        for repeat, start, length, active in tasks:
            starts_on = TODAY + start * D
            t = b.task(w.patient, w.clinician, due_on=starts_on, repeat=repeat,
                       starts_on=starts_on, active=active,
                       repeat_until=starts_on + length * D if repeat != "none" else None)
            if active:
                expected |= {(t.id, day) for day in occurrence_dates(
                    starts_on=t.starts_on, due_on=t.due_on, repeat=t.repeat,
                    repeat_until=t.repeat_until, window_start=first_day, window_end=last_day)}
        occ = predicates.task_occurrences(w.clinic.id, first_day, last_day,
                                          patient_id=w.patient.id)
        found = db.session.execute(sa.select(occ.c.task_id, occ.c.day)).all()
        assert len(found) == len(set(found))   # each occurrence once
        assert set(map(tuple, found)) == expected
    finally:
        db.session.rollback()
