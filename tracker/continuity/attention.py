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
"""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from tracker.continuity import care_rules, session_rules
from tracker.continuity import predicates as p
from tracker.continuity.groups import SessionItems, TaskItems
from tracker.continuity.scope import Scope, local_midnight
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


def attention_condition(reason: str, clinic, now) -> sa.ColumnElement[bool]:
    """A predicate on Patient (EXISTS subqueries on Patient.id) true when `reason` applies
    at `now` (aware UTC), with the clinic's thresholds. Raises KeyError for an unknown reason."""
    if reason not in ATTENTION_REASONS:
        raise KeyError(f"unknown attention reason {reason!r}")
    tz = ZoneInfo(clinic.timezone)
    today = now.astimezone(tz).date()
    window = timedelta(days=clinic.setting("attention_window_days"))
    pid = Patient.id

    if reason == "safety_flag":
        return p.open_flag(pid)
    if reason == "session_today":
        s = p.alias(DosingSession, "today_session")
        return sa.exists().where(
            s.patient_id == pid, s.status != "cancelled",
            s.scheduled_at >= local_midnight(today, tz),
            s.scheduled_at < local_midnight(today + timedelta(days=1), tz))
    if reason == "late_debrief":
        # debrief_signed: missing, for a session ended within the window
        scope = Scope.for_clinic(clinic, now, today, today)
        g = SessionItems(scope, None, session=p.alias(DosingSession, "ended_session"))
        state = session_rules.debrief_signed(g, scope).state
        return g.select_for_patient(pid, sa.literal(1)).where(
            g.is_item, g.s.ended_at >= now - window, state == p.MISSING).exists()
    if reason == "rems_overdue":
        # rems_submitted: missing, for an esketamine session ended within the window
        scope = Scope.for_clinic(clinic, now, today, today)
        g = SessionItems(scope, None, session=p.alias(DosingSession, "rems_session"))
        state = session_rules.rems_submitted(g, scope).state
        return g.select_for_patient(pid, sa.literal(1)).where(
            g.is_item, g.s.ended_at >= now - window, state == p.MISSING).exists()
    if reason == "overdue_tasks":
        # tasks_not_overdue: missing, for an occurrence dated within the window
        scope = Scope.for_clinic(clinic, now, today - window, today)
        g = TaskItems(scope, None, name="attention_days")
        state = care_rules.tasks_not_overdue(g, scope).state
        return pid.in_(sa.select(g.occ.c.patient_id).where(state == p.MISSING))
    # no_contact
    since = now - timedelta(days=clinic.setting("lost_to_follow_up_days"))
    return sa.and_(Patient.status == "active",
                   p.enrolled_by(pid, since.astimezone(tz).date()),
                   ~p.contact_between(pid, since, now))


def attention_map(patient_ids: list[int], clinic, now) -> dict[int, list[str]]:
    """{patient id: [reason, ...]} for each of `patient_ids` (an empty list when none apply),
    reasons in ATTENTION_REASONS order. One query, whatever the number of patients."""
    ids = list(dict.fromkeys(patient_ids))
    if not ids:
        return {}
    flags = [sa.case((attention_condition(reason, clinic, now), 1), else_=0).label(reason)
             for reason in ATTENTION_REASONS]
    rows = db.session.execute(sa.select(Patient.id, *flags).where(Patient.id.in_(ids)))
    found = {row.id: [r for r in ATTENTION_REASONS if row._mapping[r]] for row in rows}
    return {pid: found.get(pid, []) for pid in ids}
