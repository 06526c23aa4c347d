"""Reads of the continuity rules for the lead's dashboard: counts per rule and clinician, the
weekly trend and the items behind any number. A constant number of queries whatever the size
of the clinic: one per kind of item (four) for every count of the dashboard, one per
drill-down page (plus its count).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from tracker.continuity.groups import PatientItems
from tracker.continuity.rules import (
    ALL_ITEMS,
    COMPLIANT,
    GROUPS,
    LATE,
    MISSING,
    PENDING,
    RULES,
    STATES,
    Rule,
)
from tracker.continuity.scope import Scope, Snapshot, local_midnight
from tracker.core.patients import Patient
from tracker.core.users import CLINICIAN, User
from tracker.db import UTCDateTime
from tracker.extensions import db


@dataclass
class Counts:
    """How many items of one rule are in each state."""

    compliant: int = 0
    late: int = 0
    missing: int = 0
    pending: int = 0

    def add(self, state: str, n: int) -> None:
        self.__dict__[state] += n   # called per grouped row and rule: kept cheap

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
        counts = self.by_clinician.get(clinician_id)
        if counts is None:
            counts = self.by_clinician[clinician_id] = {k: Counts() for k in RULES}
        return counts


WEEKLY_UP_TO_DAYS = 26 * 7   # longer periods trend by calendar month


@dataclass(frozen=True)
class Week:
    """One point of the trend: an ISO week, or a calendar month for long periods."""

    index: int
    monday: date      # the bucket's first day unclipped (a Monday, or the 1st of the month)
    first_day: date   # clipped to the period
    last_day: date
    unit: str = "week"

    @property
    def label(self) -> str:
        if self.unit == "month":
            return self.monday.strftime("%Y-%m")
        year, week, _ = self.monday.isocalendar()
        return f"{year}-W{week:02d}"


def weeks_of(scope: Scope) -> list[Week]:
    """The trend's points: the ISO weeks (Monday to Sunday, clinic-local) that meet the
    period, clipped to it; calendar months instead when the period is longer than 26 weeks
    (a readable chart, and the patient-level rules judged 4 times less often)."""
    if (scope.last_day - scope.first_day).days + 1 > WEEKLY_UP_TO_DAYS:
        return _months_of(scope)
    weeks, monday = [], scope.first_day - timedelta(days=scope.first_day.weekday())
    while monday <= scope.last_day:
        weeks.append(Week(len(weeks), monday, max(monday, scope.first_day),
                          min(monday + timedelta(days=6), scope.last_day)))
        monday += timedelta(days=7)
    return weeks


def _months_of(scope: Scope) -> list[Week]:
    months, first = [], scope.first_day.replace(day=1)
    while first <= scope.last_day:
        following = (first + timedelta(days=32)).replace(day=1)
        months.append(Week(len(months), first, max(first, scope.first_day),
                           min(following - timedelta(days=1), scope.last_day), unit="month"))
        first = following
    return months


def whole_period(scope: Scope) -> list[Week]:
    """The period as one 'week' (for its totals and its drill-downs)."""
    return [Week(0, scope.first_day, scope.first_day, scope.last_day)]


@dataclass(frozen=True)
class WeeksTable:
    table: sa.CTE
    earliest_since: object   # the oldest window start any week needs (contacts, PHQ-9s)


def _weeks_table(scope: Scope, weeks: list[Week]) -> WeeksTable:
    """The weeks as rows (bound parameters): bounds for the anchored rules, and the instant
    each week's patient-level judgement is made (its end, or now if sooner)."""
    rows, earliest = [], None
    for week in weeks:
        start = local_midnight(week.first_day, scope.tz)
        end = local_midnight(week.last_day + timedelta(days=1), scope.tz)
        snap = Snapshot.at(min(end, scope.now), scope)
        since = min(snap.contact_since, snap.phq9_since)
        earliest = since if earliest is None else min(earliest, since)
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
    return WeeksTable(table.cte("weeks"), earliest)


def _group(group_class, scope: Scope, weeks: WeeksTable):
    if group_class is PatientItems:
        return PatientItems(scope, weeks.table, earliest_since=weeks.earliest_since)
    return group_class(scope, weeks.table)


def _count(scope: Scope, weeks: list[Week]) -> tuple[Summary, dict[str, dict[int, Counts]]]:
    """One query per kind of item, counting every rule's states per week and clinician.

    Rows are grouped by week, clinician and the rules' states (each state is computed once
    per item; the few combinations that exist are summed here). The period's totals:
    anchored items summed over the weeks; patient-level rules as judged at the last week's
    end (the period's end)."""
    table = _weeks_table(scope, weeks)
    summary = Summary()
    trend: dict[str, dict[int, Counts]] = {k: defaultdict(Counts) for k in RULES}
    last_week = weeks[-1].index
    for group_class in GROUPS:
        rules = [r for r in RULES.values() if r.group is group_class]
        group = _group(group_class, scope, table)
        states = [rule.columns(group, scope).state.label(rule.key) for rule in rules]
        items = group.select(group.week.label("week"), group.clinician_id.label("clinician_id"),
                             *states).subquery("items")
        # grouped by the subquery's columns, so each state (and its EXISTS) is computed once
        stmt = sa.select(*items.c, sa.func.count().label("n")).group_by(*items.c)
        # Core execution: plain rows (the ORM's row wrapping costs more than the counting)
        for week, clinician_id, *states, n in db.session.connection().execute(stmt):
            by_clinician = summary.clinician_counts(clinician_id)
            for rule, state in zip(rules, states, strict=True):
                if state is None:
                    continue
                trend[rule.key][week].add(state, n)
                if not rule.snapshot or week == last_week:
                    summary.totals[rule.key].add(state, n)
                    by_clinician[rule.key].add(state, n)
    return summary, trend


def summary(scope: Scope) -> Summary:
    """Counts per rule and state, in total and per clinician (one query per kind of item)."""
    return _count(scope, whole_period(scope))[0]


def trend(scope: Scope, weeks: list[Week]) -> dict[str, dict[int, Counts]]:
    """Counts per rule, week and state. Anchored items fall in the week of their anchor;
    patient-level rules are judged as of each week's end."""
    return _count(scope, weeks)[1]


def overview(scope: Scope, *, live: bool = False
             ) -> tuple[Summary, list[Week], dict[str, dict[int, Counts]]]:
    """The dashboard: totals, per clinician and per week. From the summary tables when they
    can answer (rollup.py: the same numbers, at a cost that hardly grows with the period),
    else (or `live`) from one pass per kind of item over the records."""
    from tracker.continuity import rollup

    weeks = weeks_of(scope)
    if not live and rollup.usable(scope):
        summary_, trend_ = rollup.count(scope, weeks)
    else:
        summary_, trend_ = _count(scope, weeks)
    return summary_, weeks, trend_


def clinician_names(clinic_id: int) -> dict[int, str]:
    """Every clinician of the clinic (active or not: past items keep their clinician)."""
    rows = db.session.execute(sa.select(User.id, User.full_name, User.active).where(
        User.clinic_id == clinic_id, User.role == CLINICIAN).order_by(User.full_name, User.id))
    return {row.id: row.full_name + ("" if row.active else " (deactivated)") for row in rows}


def rule_items(rule: Rule, scope: Scope) -> sa.Select:
    """One rule's items in the period, with the standard columns: item_id, patient_id,
    clinician_id, anchor, due_at, done_at, state, detail."""
    group = _group(rule.group, scope, _weeks_table(scope, whole_period(scope)))
    c = rule.columns(group, scope)
    return group.select(
        c.item_id.label("item_id"), group.patient_id.label("patient_id"),
        group.clinician_id.label("clinician_id"), c.anchor.label("anchor"),
        sa.type_coerce(c.due_at, UTCDateTime()).label("due_at"),
        sa.type_coerce(c.done_at, UTCDateTime()).label("done_at"),
        c.state.label("state"), sa.type_coerce(c.detail, sa.String).label("detail"),
    ).where(c.state.is_not(None))


def _in_state(rule: Rule, state: str, scope: Scope) -> sa.Subquery:
    if state not in STATES and state != ALL_ITEMS:
        raise KeyError(state)
    items = rule_items(rule, scope).subquery()
    stmt = sa.select(items)
    return (stmt if state == ALL_ITEMS else stmt.where(items.c.state == state)).subquery("chosen")


def _newest_first(items) -> tuple:
    return items.c.anchor.desc(), items.c.item_id.desc(), items.c.patient_id


def _named(items, scope: Scope) -> sa.Select:
    """`items` with the patient's and the clinician's names, newest first."""
    # the clinician's name looked up per row (a key probe), not joined: PostgreSQL,
    # misjudging how many items a state keeps, joined every user of the database to each
    clinician_name = (sa.select(User.full_name).where(User.id == items.c.clinician_id)
                      .scalar_subquery().label("clinician_name"))
    return (sa.select(items, Patient.given_name, Patient.family_name, Patient.record_number,
                      clinician_name)
            .join(Patient, Patient.id == items.c.patient_id)
            .where(Patient.clinic_id == scope.clinic_id)   # the items' clinic: a narrower join
            .order_by(*_newest_first(items)))


def drilldown(rule: Rule, state: str, scope: Scope) -> sa.Select:
    """The items of one rule in one state (ALL_ITEMS: every state), with the patient's and
    clinician's names, newest first (the CSV export; the page reads drilldown_page)."""
    return _named(_in_state(rule, state, scope), scope)


def drilldown_page(rule: Rule, state: str, scope: Scope, page: int,
                   per_page: int) -> tuple[list, int]:
    """One page of `drilldown` and how many items it has in all, in one statement: the items
    are counted (a window over all of them, before LIMIT) and cut to the page first, and only
    the page's rows are joined to the names (not a month's 9,000 task days). A page past the
    end has no row to carry the total; only then is it counted on its own."""
    items = _in_state(rule, state, scope)
    one_page = (sa.select(items, sa.func.count().over().label("total_rows"))
                .order_by(*_newest_first(items))
                .limit(per_page).offset((page - 1) * per_page).subquery("one_page"))
    rows = db.session.execute(_named(one_page, scope)).all()
    if rows:
        return rows, rows[0].total_rows
    if page == 1:
        return [], 0
    return [], db.session.scalar(sa.select(sa.func.count()).select_from(items))


@dataclass(frozen=True)
class Urgent:
    """What is left to do under one rule: how many items in each of `states`, and the few
    whose deadline is earliest (the most urgent), with the patient's name."""

    counts: dict[str, int]
    rows: list

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def most_urgent(rule: Rule, states: tuple[str, ...], scope: Scope, limit: int = 5) -> Urgent:
    """One rule's items in any of `states`, the earliest deadline first: the first `limit`
    rows and, in the same query (window sums over the whole result), the count per state.
    The states are the rule's own expression (rule_items); nothing is re-decided here."""
    for state in states:
        if state not in STATES:
            raise KeyError(state)
    items = rule_items(rule, scope).subquery()
    per_state = [sa.func.sum(sa.case((items.c.state == s, 1), else_=0)).over().label(f"n_{s}")
                 for s in states]
    stmt = (sa.select(items, Patient.given_name, Patient.family_name, Patient.record_number,
                      *per_state)
            .join(Patient, Patient.id == items.c.patient_id)
            .where(Patient.clinic_id == scope.clinic_id, items.c.state.in_(states))
            .order_by(items.c.due_at.is_(None), items.c.due_at, items.c.anchor,
                      items.c.item_id, items.c.patient_id)
            .limit(limit))
    rows = db.session.execute(stmt).all()
    counts = {s: int(rows[0]._mapping[f"n_{s}"] or 0) if rows else 0 for s in states}
    return Urgent(counts, rows)
