"""Reads of the continuity rules for the lead's dashboard: counts per rule and clinician, the
weekly trend and the items behind any number. A constant number of queries whatever the size
of the clinic: one for the counts, one for the trend, one per drill-down page (plus its count).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from tracker.auth.models import CLINICIAN, User
from tracker.continuity.rules import (ALL_ITEMS, COMPLIANT, LATE, MISSING, PENDING, RULES, STATES,
                                     Rule)
from tracker.continuity.scope import Scope, Snapshot, local_midnight
from tracker.db import UTCDateTime
from tracker.extensions import db
from tracker.patients.models import Patient


@dataclass
class Counts:
    """How many items of one rule are in each state."""

    compliant: int = 0
    late: int = 0
    missing: int = 0
    pending: int = 0

    def add(self, state: str, n: int) -> None:
        setattr(self, state, getattr(self, state) + n)

    @property
    def due(self) -> int:
        return self.compliant + self.late + self.missing + self.pending

    @property
    def assessed(self) -> int:
        """Items whose outcome is known (the deadline passed, or done)."""
        return self.compliant + self.late + self.missing

    @property
    def rate(self) -> float | None:
        """Compliant / (compliant + late + missing); None when nothing is assessed yet."""
        return self.compliant / self.assessed if self.assessed else None

    def as_dict(self) -> dict:
        return {"due": self.due, COMPLIANT: self.compliant, LATE: self.late,
                MISSING: self.missing, PENDING: self.pending, "rate": self.rate}


@dataclass
class Summary:
    totals: dict[str, Counts] = field(default_factory=lambda: {k: Counts() for k in RULES})
    by_clinician: dict[int | None, dict[str, Counts]] = field(default_factory=dict)

    def clinician_counts(self, clinician_id: int | None) -> dict[str, Counts]:
        return self.by_clinician.setdefault(clinician_id, {k: Counts() for k in RULES})


@dataclass(frozen=True)
class Week:
    index: int
    monday: date
    first_day: date   # clipped to the period
    last_day: date

    @property
    def label(self) -> str:
        year, week, _ = self.monday.isocalendar()
        return f"{year}-W{week:02d}"


def rule_items(rule: Rule, scope: Scope) -> sa.Select:
    """The items of one rule in the scope (the standard columns; see rules.py)."""
    return rule.build(scope)


def summary(scope: Scope) -> Summary:
    """Counts per rule and state, in total and per clinician: one query."""
    parts = []
    for rule in RULES.values():
        items = rule_items(rule, scope).subquery()
        parts.append(sa.select(sa.literal(rule.key, sa.String).label("rule"),
                               items.c.clinician_id, items.c.state,
                               sa.func.count().label("n"))
                     .group_by(items.c.clinician_id, items.c.state))
    result = Summary()
    for row in db.session.execute(sa.union_all(*parts)):
        result.totals[row.rule].add(row.state, row.n)
        result.clinician_counts(row.clinician_id)[row.rule].add(row.state, row.n)
    return result


def weeks_of(scope: Scope) -> list[Week]:
    """The ISO weeks (Monday to Sunday, clinic-local) that meet the period, clipped to it."""
    weeks, monday = [], scope.first_day - timedelta(days=scope.first_day.weekday())
    while monday <= scope.last_day:
        weeks.append(Week(len(weeks), monday, max(monday, scope.first_day),
                          min(monday + timedelta(days=6), scope.last_day)))
        monday += timedelta(days=7)
    return weeks


def _weeks_table(scope: Scope, weeks: list[Week]) -> sa.CTE:
    """The weeks as rows (bound parameters): bounds for the anchored rules, and the instant
    each week's patient-level judgement is made (its end, or now if sooner)."""
    rows = []
    for week in weeks:
        start = local_midnight(week.first_day, scope.tz)
        end = local_midnight(week.last_day + timedelta(days=1), scope.tz)
        snap = Snapshot.at(min(end, scope.now), scope)
        rows.append(sa.select(
            sa.literal(week.index, sa.Integer).label("week"),
            sa.literal(start, UTCDateTime()).label("start"),
            sa.literal(end, UTCDateTime()).label("end"),
            sa.literal(week.first_day, sa.Date).label("first_day"),
            sa.literal(week.last_day, sa.Date).label("last_day"),
            sa.literal(snap.as_of, UTCDateTime()).label("as_of"),
            sa.literal(snap.as_of_day, sa.Date).label("as_of_day"),
            sa.literal(snap.contact_since, UTCDateTime()).label("contact_since"),
            sa.literal(snap.enrolled_by, sa.Date).label("enrolled_by"),
            sa.literal(snap.phq9_since, UTCDateTime()).label("phq9_since")))
    table = rows[0] if len(rows) == 1 else sa.union_all(*rows)
    return table.cte("weeks")


def trend(scope: Scope, weeks: list[Week]) -> dict[str, dict[int, Counts]]:
    """Counts per rule, week and state: one query. Anchored items fall in the week of their
    anchor; patient-level rules are judged as of each week's end."""
    table = _weeks_table(scope, weeks)
    parts = []
    for rule in RULES.values():
        if rule.snapshot:
            items = rule.build(scope, Snapshot.of_weeks(table)).subquery()
            stmt = sa.select(items.c.week, items.c.state).select_from(items)
        else:
            items = rule_items(rule, scope).subquery()
            bounds = (sa.and_(items.c.anchor >= table.c.first_day, items.c.anchor <= table.c.last_day)
                      if rule.anchor_is_date else
                      sa.and_(items.c.anchor >= table.c.start, items.c.anchor < table.c.end))
            stmt = sa.select(table.c.week, items.c.state).select_from(items).join(table, bounds)
        week_col, state_col = stmt.selected_columns
        parts.append(stmt.add_columns(sa.literal(rule.key, sa.String).label("rule"),
                                      sa.func.count().label("n"))
                     .group_by(week_col, state_col))
    result: dict[str, dict[int, Counts]] = {k: defaultdict(Counts) for k in RULES}
    for row in db.session.execute(sa.union_all(*parts)):
        result[row.rule][row.week].add(row.state, row.n)
    return result


def clinician_names(clinic_id: int) -> dict[int, str]:
    """Every clinician of the clinic (active or not: past items keep their clinician)."""
    rows = db.session.execute(sa.select(User.id, User.full_name, User.active).where(
        User.clinic_id == clinic_id, User.role == CLINICIAN).order_by(User.full_name, User.id))
    return {row.id: row.full_name + ("" if row.active else " (deactivated)") for row in rows}


def drilldown(rule: Rule, state: str, scope: Scope) -> sa.Select:
    """The items of one rule in one state (ALL_ITEMS: every state), with the patient's and
    clinician's names, newest first (the page and the CSV export read the same statement)."""
    if state not in STATES and state != ALL_ITEMS:
        raise KeyError(state)
    items = rule_items(rule, scope).subquery()
    stmt = (sa.select(items, Patient.given_name, Patient.family_name, Patient.record_number,
                      User.full_name.label("clinician_name"))
            .join(Patient, Patient.id == items.c.patient_id)
            .outerjoin(User, User.id == items.c.clinician_id)
            .order_by(items.c.anchor.desc(), items.c.item_id.desc(), items.c.patient_id))
    return stmt if state == ALL_ITEMS else stmt.where(items.c.state == state)
