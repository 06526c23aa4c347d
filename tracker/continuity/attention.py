"""Which patients need attention now, and why: the clinician's "needs attention" filter and the
chart's flags. Built on the predicates of the continuity rules (tracker.continuity.rules), so a
patient flagged here is one the lead's dashboard counts as missing (or an open flag):

- safety_flag: an unacknowledged safety flag (flags_acknowledged: missing or pending).
- session_today: a dosing session, not cancelled, scheduled today in the clinic's zone.
- late_debrief: a session ended in the attention window whose debrief rule (debrief_signed)
  is missing: the very expression the dashboard counts.
- rems_overdue: an esketamine session ended in the attention window whose REMS monitoring
  form rule (rems_submitted) is missing.
- overdue_tasks: an occurrence of a live task, dated in the attention window, whose
  tasks_not_overdue state is missing (the same occurrences and the same expression).
- no_contact: active, enrolled for lost_to_follow_up_days, and no completed contact in that
  many days (in_contact: missing, judged now).

The attention window is the clinic's attention_window_days (30 by default). Older misses
stay on the dashboard and its drill-downs; the window keeps the everyday list to
what can still be put right.

Speed: the conditions are built once per clinic and thresholds (`_built`), with every
time-dependent bound (now, now minus a threshold, today, today's local midnight, ...) a named
bound parameter; each request only computes those values (`_values`) and executes. Building
the expressions and their cache key took about 6.5 ms of a 20 ms patient list.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from tracker.continuity import care_rules, session_rules
from tracker.continuity import predicates as p
from tracker.continuity.groups import SessionItems, TaskItems
from tracker.continuity.scope import local_midnight
from tracker.core.bound_times import BoundScope
from tracker.core.patients import Patient
from tracker.core.sessions import DosingSession
from tracker.extensions import db

ATTENTION_REASONS: dict[str, str] = {
    "safety_flag": "Open safety flag",
    "session_today": "Session today",
    "late_debrief": "Late debrief",
    "rems_overdue": "REMS form not submitted",
    "overdue_tasks": "Overdue integration tasks",
    "no_contact": "No contact lately",
}

_IDS = "attention_ids"


class _RuleScope(BoundScope):
    """The rules' scope (see BoundScope), with the attention window's days for the tasks."""

    @property
    def first_day(self):   # overdue tasks: occurrences dated in the attention window
        return self.today - timedelta(days=self.setting("attention_window_days"))

    @property
    def last_day(self):
        return self.today - timedelta(0)


@dataclass(frozen=True)
class _Built:
    conditions: dict[str, sa.ColumnElement[bool]]
    flags: sa.Select              # Patient.id and one 0/1 column per reason, for _IDS
    scope: _RuleScope


def _condition(reason: str, scope: _RuleScope) -> sa.ColumnElement[bool]:
    """A predicate on Patient (EXISTS subqueries on Patient.id) true when `reason` applies."""
    pid, now = Patient.id, scope.now
    window = timedelta(days=scope.setting("attention_window_days"))
    if reason == "safety_flag":
        return p.open_flag(pid)
    if reason == "session_today":
        s = p.alias(DosingSession, "today_session")
        return sa.exists().where(
            s.patient_id == pid, s.status != "cancelled",
            s.scheduled_at >= sa.bindparam("attention_today_start"),
            s.scheduled_at < sa.bindparam("attention_tomorrow_start"))
    if reason == "late_debrief":
        # debrief_signed: missing, for a session ended within the window
        g = SessionItems(scope, None, session=p.alias(DosingSession, "ended_session"))
        state = session_rules.debrief_signed(g, scope).state
        return g.select_for_patient(pid, sa.literal(1)).where(
            g.is_item, g.s.ended_at >= now - window, state == p.MISSING).exists()
    if reason == "rems_overdue":
        # rems_submitted: missing, for an esketamine session ended within the window
        g = SessionItems(scope, None, session=p.alias(DosingSession, "rems_session"))
        state = session_rules.rems_submitted(g, scope).state
        return g.select_for_patient(pid, sa.literal(1)).where(
            g.is_item, g.s.ended_at >= now - window, state == p.MISSING).exists()
    if reason == "overdue_tasks":
        # tasks_not_overdue: missing, for an occurrence dated within the window
        g = TaskItems(scope, None, name="attention_days")
        state = care_rules.tasks_not_overdue(g, scope).state
        return pid.in_(sa.select(g.occ.c.patient_id).where(state == p.MISSING))
    # no_contact
    since = now - timedelta(days=scope.setting("lost_to_follow_up_days"))
    return sa.and_(Patient.status == "active",
                   p.enrolled_by(pid, sa.bindparam("attention_enrolled_by", type_=sa.Date())),
                   ~p.contact_between(pid, since, now - timedelta(0)))


@lru_cache(maxsize=64)
def _built_for(clinic_id: int, settings: tuple[tuple[str, int], ...]) -> _Built:
    scope = _RuleScope(clinic_id, dict(settings), "attention")
    conditions = {reason: _condition(reason, scope) for reason in ATTENTION_REASONS}
    flags = sa.select(Patient.id, *(sa.case((condition, 1), else_=0).label(reason)
                                    for reason, condition in conditions.items())
                      ).where(Patient.id.in_(sa.bindparam(_IDS, expanding=True)))
    return _Built(conditions, flags, scope)


def _built(clinic) -> _Built:
    """The conditions for this clinic and its thresholds, built once (per process)."""
    return _built_for(clinic.id, tuple(sorted(clinic.thresholds.items())))


def _values(built: _Built, clinic, now) -> dict:
    """Every named bound parameter of the conditions, at `now` (aware UTC)."""
    tz = ZoneInfo(clinic.timezone)
    today = now.astimezone(tz).date()
    since = now - timedelta(days=built.scope.setting("lost_to_follow_up_days"))
    values = built.scope.values(now, today)
    values.update(attention_today_start=local_midnight(today, tz),
                  attention_tomorrow_start=local_midnight(today + timedelta(days=1), tz),
                  attention_enrolled_by=since.astimezone(tz).date())
    return values


def attention_condition(reason: str, clinic, now) -> sa.ColumnElement[bool]:
    """A predicate on Patient (EXISTS subqueries on Patient.id) true when `reason` applies
    at `now` (aware UTC), with the clinic's thresholds. Raises KeyError for an unknown reason."""
    if reason not in ATTENTION_REASONS:
        raise KeyError(f"unknown attention reason {reason!r}")
    built = _built(clinic)
    return built.conditions[reason].params(_values(built, clinic, now))


def attention_map(patient_ids: list[int], clinic, now) -> dict[int, list[str]]:
    """{patient id: [reason, ...]} for each of `patient_ids` (an empty list when none apply),
    reasons in ATTENTION_REASONS order. One query, whatever the number of patients."""
    ids = list(dict.fromkeys(patient_ids))
    if not ids:
        return {}
    built = _built(clinic)
    rows = db.session.execute(built.flags, {**_values(built, clinic, now), _IDS: ids})
    found = {row.id: [r for r in ATTENTION_REASONS if row._mapping[r]] for row in rows}
    return {pid: found.get(pid, []) for pid in ids}
