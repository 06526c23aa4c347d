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

A clinic network: each subquery is filtered to the candidate patients inside it (the page's
listed ids; the viewing clinician's care team; else the clinic's patients). Correlated on the
patient alone, PostgreSQL ran each EXISTS as one hashed subplan over every clinic's rows (all
the open flags, all the debriefs of the window, ...), so a clinic's list slowed down with the
size of the whole network.
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
from tracker.core.patients import CareTeamMember, Patient
from tracker.core.sessions import DosingSession
from tracker.core.users import CLINICIAN
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
_VIEWER = "attention_viewer"


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
    conditions: dict[tuple[str, str], sa.ColumnElement[bool]]   # (candidates, reason)
    flags: sa.Select              # Patient.id and one 0/1 column per reason, for _IDS
    scope: _RuleScope


def _condition(reason: str, scope: _RuleScope, among) -> sa.ColumnElement[bool]:
    """A predicate on Patient (EXISTS subqueries on Patient.id) true when `reason` applies.
    `among(patient_id_column)` filters each subquery to the candidate patients (one of the
    _among_* functions below)."""
    pid, now = Patient.id, scope.now
    window = timedelta(days=scope.setting("attention_window_days"))
    if reason == "safety_flag":
        return p.open_flag(pid, among=among)
    if reason == "session_today":
        s = p.alias(DosingSession, "today_session")
        return sa.exists().where(
            s.patient_id == pid, among(s.patient_id), s.status != "cancelled",
            s.scheduled_at >= sa.bindparam("attention_today_start"),
            s.scheduled_at < sa.bindparam("attention_tomorrow_start"))
    if reason == "late_debrief":
        # debrief_signed: missing, for a session ended within the window
        g = SessionItems(scope, None, session=p.alias(DosingSession, "ended_session"))
        state = session_rules.debrief_signed(g, scope).state
        return g.select_for_patient(pid, sa.literal(1)).where(
            among(g.s.patient_id), g.is_item, g.s.ended_at >= now - window,
            state == p.MISSING).exists()
    if reason == "rems_overdue":
        # rems_submitted: missing, for an esketamine session ended within the window
        g = SessionItems(scope, None, session=p.alias(DosingSession, "rems_session"))
        state = session_rules.rems_submitted(g, scope).state
        return g.select_for_patient(pid, sa.literal(1)).where(
            among(g.s.patient_id), g.is_item, g.s.ended_at >= now - window,
            state == p.MISSING).exists()
    if reason == "overdue_tasks":
        # tasks_not_overdue: missing, for an occurrence dated within the window
        g = TaskItems(scope, None, name="attention_days", among=among)
        state = care_rules.tasks_not_overdue(g, scope).state
        return pid.in_(sa.select(g.occ.c.patient_id).where(state == p.MISSING))
    # no_contact
    since = now - timedelta(days=scope.setting("lost_to_follow_up_days"))
    return sa.and_(Patient.status == "active",
                   p.enrolled_by(pid, sa.bindparam("attention_enrolled_by", type_=sa.Date()),
                                 among=among),
                   ~p.contact_between(pid, since, now - timedelta(0), among=among))


def _among_listed(column) -> sa.ColumnElement[bool]:
    return column.in_(sa.bindparam(_IDS, expanding=True))


def _among_care_team(column) -> sa.ColumnElement[bool]:
    return column.in_(sa.select(CareTeamMember.patient_id)
                      .where(CareTeamMember.clinician_id == sa.bindparam(_VIEWER)))


def _among_clinic(clinic_id: int):
    return lambda column: column.in_(sa.select(Patient.id).where(Patient.clinic_id == clinic_id))


@lru_cache(maxsize=64)
def _built_for(clinic_id: int, settings: tuple[tuple[str, int], ...]) -> _Built:
    scope = _RuleScope(clinic_id, dict(settings), "attention")
    among = {"clinic": _among_clinic(clinic_id), "care_team": _among_care_team}
    conditions = {(kind, reason): _condition(reason, scope, among[kind])
                  for kind in among for reason in ATTENTION_REASONS}
    flags = sa.select(Patient.id, *(sa.case((_condition(reason, scope, _among_listed), 1),
                                            else_=0).label(reason)
                                    for reason in ATTENTION_REASONS)
                      ).where(_among_listed(Patient.id))
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


def attention_condition(reason: str, clinic, now, viewer=None) -> sa.ColumnElement[bool]:
    """A predicate on Patient (EXISTS subqueries on Patient.id) true when `reason` applies
    at `now` (aware UTC), with the clinic's thresholds, for a list of the clinic's patients;
    of `viewer`'s care-team patients when `viewer` is a clinician (the subqueries then read
    only those patients' records). Raises KeyError for an unknown reason."""
    if reason not in ATTENTION_REASONS:
        raise KeyError(f"unknown attention reason {reason!r}")
    built = _built(clinic)
    values = _values(built, clinic, now)
    if viewer is not None and viewer.role == CLINICIAN:
        return built.conditions["care_team", reason].params({**values, _VIEWER: viewer.id})
    return built.conditions["clinic", reason].params(values)


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
