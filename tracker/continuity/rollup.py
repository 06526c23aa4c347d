"""The dashboard's summary tables: the continuity counts of any period read from per-day
totals, so that two years cost about what 30 days cost (issue 13).

What is stored (tracker/continuity/rollup_models.py), for each clinic built with
`flask continuity-rollup`:

- `continuity_item`: every item of the anchored rules (a dosing session, a task occurrence, a
  safety flag) with its clinic-local anchor day, its clinician and its state under each rule
  *once time has run out*: the rule's own SQL (rules.py), evaluated by the live code with `now`
  far in the future. The state at any real `now` is then a comparison: an item that is not
  compliant and whose timed deadline is still ahead is pending (TIMED_PENDING, the rules'
  pending conditions); otherwise it is the stored state. Nothing else in a rule depends on
  `now`.
- the patient-level rules (phq9_every, in_contact) as intervals of time: a patient's state as
  of an instant T changes only at known instants (a PHQ-9 or a contact, the end of its window,
  the end of the pending time, the last PHQ-9 or contact). Each interval is stored as two
  boundaries (+1 where it starts, -1 where it ends), so the number of patients in a state as of
  the end of day D is the sum of the boundaries up to D.
- `continuity_day` and `continuity_month`: the sum of both per clinic-local day (and per
  month) and clinician, one column per rule and state. A period's counts are sums over its
  whole months and the days left at either end; the patient-level counts as of a day's end are
  the sums of all days up to it (read the same way).

Kept current in the same transaction as every change: the records a rule reads belong to one
patient, so a flush that adds, changes or deletes any of them marks the patient, and before the
transaction commits each marked patient's items are computed again (the live rules restricted
to that patient) and the day and month totals adjusted by the difference (refresh_patients).
A change of the clinic's thresholds or time zone makes its tables unusable (settings_key) until
rebuilt;
until then, and for the course-status filter (not a dimension of the tables), the dashboard
computes from the records as before. tests/continuity/test_rollup.py compares the two on random
journeys at random instants.
"""
from __future__ import annotations

import json
from bisect import bisect_right
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from tracker.care.models import QuestionnaireResponse
from tracker.continuity import predicates as p
from tracker.continuity.groups import FlagItems, SessionItems, TaskItems
from tracker.continuity.rollup_models import (
    RULE_ORDER,
    ContinuityItem,
    ContinuityRollup,
    continuity_day,
    continuity_month,
    count_column,
)
from tracker.continuity.rules import RULES
from tracker.continuity.scope import NO_CLINICIAN, Scope, local_midnight
from tracker.core.patients import CareTeamMember, Patient, TreatmentCourse
from tracker.core.sessions import DosingSession
from tracker.core.states import COMPLIANT, LATE, MISSING, PENDING, STATES
from tracker.db import utcnow
from tracker.extensions import db

FAR_FUTURE = datetime(9000, 1, 1, tzinfo=UTC)     # "time has run out" for every deadline
FIRST_DAY, LAST_DAY = date(1900, 1, 2), date(8999, 12, 1)
CODES = {COMPLIANT: "c", LATE: "l", MISSING: "m", PENDING: "p", None: "-"}
CODE_STATES = {code: state for state, code in CODES.items()}
POSITION = {rule: i for i, rule in enumerate(RULE_ORDER)}
ANCHORED = {SessionItems: "s", TaskItems: "t", FlagItems: "f"}
BOUNDARY = "b"
SNAPSHOT_RULES = ("phq9_every", "in_contact")

# The rules whose pending state depends on the time: pending while `base > now - window`,
# base being the session's end (s) or the flag's raising (f); a task occurrence while its day
# is on or after today - window days (rules.py, session_rules.py and care_rules.py: the
# `pending=` argument of each rule's state).
TIMED_PENDING = {
    "session_signed": ("sign_session_within_hours", "hours"),
    "debrief_signed": ("debrief_within_hours", "hours"),
    "follow_up_held": ("follow_up_within_days", "days"),
    "rems_submitted": ("rems_submit_within_days", "days"),
    "flags_acknowledged": ("acknowledge_flag_within_hours", "hours"),
    "tasks_not_overdue": ("task_overdue_flag_days", "days"),
}


def settings_key(tz: ZoneInfo, settings: dict[str, int]) -> str:
    return json.dumps({"timezone": tz.key, "settings": settings}, sort_keys=True)


def _key_of_clinic(clinic) -> str:
    return settings_key(ZoneInfo(clinic.timezone), clinic.thresholds)


def _build_scope(clinic, patient_id: int | None = None) -> Scope:
    return Scope.for_clinic(clinic, FAR_FUTURE, FIRST_DAY, LAST_DAY, patient_id=patient_id)


# --- computing items ----------------------------------------------------------------------------

def _anchored_items(scope: Scope) -> list[dict]:
    """The anchored rules' items of the scope's clinic (or one patient), states at FAR_FUTURE."""
    from tracker.continuity.queries import _group, _weeks_table, whole_period

    items = []
    table = _weeks_table(scope, whole_period(scope))
    for group_class, kind in ANCHORED.items():
        rules = [r for r in RULES.values() if r.group is group_class]
        group = _group(group_class, scope, table)
        columns = [rule.columns(group, scope) for rule in rules]
        base = {SessionItems: lambda g: g.s.ended_at, TaskItems: lambda g: sa.null(),
                FlagItems: lambda g: g.f.raised_at}[group_class](group)
        stmt = group.select(group.patient_id, group.clinician_id, columns[0].anchor, base,
                            *(c.state for c in columns))
        positions = [POSITION[r.key] for r in rules]
        for patient_id, clinician_id, anchor, base_at, *states in db.session.execute(stmt):
            letters = ["-"] * len(RULE_ORDER)
            for position, state in zip(positions, states, strict=True):
                letters[position] = CODES[state]
            day = anchor if kind == "t" else anchor.astimezone(scope.tz).date()
            items.append({"clinic_id": scope.clinic_id, "patient_id": patient_id, "kind": kind,
                          "day": day, "clinician_id": clinician_id or NO_CLINICIAN,
                          "states": "".join(letters), "sign": 1, "base_at": base_at})
    return items


def _patient_facts(scope: Scope) -> dict[int, dict]:
    """What the patient-level rules read, per active patient of the clinic (or one patient)."""
    def only(patient_column):
        return [] if scope.patient_id is None else [patient_column == scope.patient_id]

    active = [Patient.clinic_id == scope.clinic_id, Patient.status == "active"]
    facts = {pid: {"clinician": NO_CLINICIAN, "course": None, "dose": None, "phq9": [],
                   "contact": []}
             for pid in db.session.scalars(sa.select(Patient.id).where(*active, *only(Patient.id)))}
    if not facts:
        return facts
    primary = p.primary_clinicians(scope.clinic_id)
    for pid, clinician in db.session.execute(
            sa.select(primary.c.patient_id, primary.c.clinician_id)
            .join(Patient, Patient.id == primary.c.patient_id)
            .where(*active, *only(Patient.id))):
        facts[pid]["clinician"] = clinician or NO_CLINICIAN
    tc = TreatmentCourse
    for pid, first in db.session.execute(
            sa.select(tc.patient_id, sa.func.min(tc.started_on)).join(Patient, Patient.id == tc.patient_id)
            .where(*active, *only(Patient.id)).group_by(tc.patient_id)):
        facts[pid]["course"] = first
    ds = DosingSession
    for pid, first in db.session.execute(
            sa.select(ds.patient_id, sa.func.min(ds.started_at)).join(Patient, Patient.id == ds.patient_id)
            .where(*active, *only(Patient.id), ds.started_at.is_not(None), ds.status != "cancelled")
            .group_by(ds.patient_id)):
        facts[pid]["dose"] = first
    q = QuestionnaireResponse
    for pid, at in db.session.execute(
            sa.select(q.patient_id, q.completed_at).join(Patient, Patient.id == q.patient_id)
            .where(*active, *only(Patient.id), q.instrument == "phq9", q.completed_at.is_not(None))):
        facts[pid]["phq9"].append(at)
    for pid_column, at, conditions in p.contact_times("rollup"):
        for pid, when in db.session.execute(
                sa.select(pid_column, at).join(Patient, Patient.id == pid_column)
                .where(*active, *only(Patient.id), *conditions, at.is_not(None))):
            facts[pid]["contact"].append(when)
    return facts


def _intervals(start, pending_end, events: list[datetime], window: timedelta) -> list[tuple]:
    """(from, to or None, state) of a patient-level rule for every instant T >= start, as
    care_rules.phq9_every and in_contact judge it: compliant if an event fell in
    (T - window, T]; else pending if T < pending_end; else late if an event came after T;
    else missing. The state only changes at the instants collected here."""
    if start is None:
        return []
    last = events[-1] if events else None
    points = {start, pending_end}
    for event in events:
        points.update((event, event + window))
    if last is not None:
        points.add(last)

    def state(moment):
        i = bisect_right(events, moment)
        if i and events[i - 1] > moment - window:
            return COMPLIANT
        if moment < pending_end:
            return PENDING
        if last is not None and last > moment:
            return LATE
        return MISSING

    out: list[list] = []
    for moment in sorted(x for x in points if x >= start):
        current = state(moment)
        if out and out[-1][2] == current:
            continue
        if out:
            out[-1][1] = moment
        out.append([moment, None, current])
    return [tuple(x) for x in out]


def _boundary_day(moment: datetime, tz: ZoneInfo) -> date:
    """The clinic-local day D with midnight(D) < moment <= midnight(D + 1): a boundary counts as
    of the end of D and every later day."""
    local = moment.astimezone(tz)
    return local.date() - timedelta(days=1) if local.time() == time.min else local.date()


def _snapshot_items(scope: Scope) -> list[dict]:
    tz = scope.tz
    phq9_window = timedelta(days=scope.setting("phq9_every_days"))
    contact_window = timedelta(days=scope.setting("lost_to_follow_up_days"))
    items = []
    for pid, f in _patient_facts(scope).items():
        if f["course"] is None:
            continue
        enrolled = local_midnight(f["course"], tz)
        rules = {"in_contact": _intervals(enrolled, enrolled + contact_window,
                                          sorted(f["contact"]), contact_window)}
        if f["dose"] is not None:
            rules["phq9_every"] = _intervals(max(enrolled, f["dose"]), f["dose"] + phq9_window,
                                             sorted(f["phq9"]), phq9_window)
        for rule, intervals in rules.items():
            for start, end, state in intervals:
                letters = ["-"] * len(RULE_ORDER)
                letters[POSITION[rule]] = CODES[state]
                for moment, sign in ((start, 1), (end, -1)):
                    if moment is None:
                        continue
                    items.append({"clinic_id": scope.clinic_id, "patient_id": pid,
                                  "kind": BOUNDARY, "day": _boundary_day(moment, tz),
                                  "clinician_id": f["clinician"], "states": "".join(letters),
                                  "sign": sign, "base_at": moment})
    return items


def compute_items(clinic, patient_id: int | None = None) -> list[dict]:
    scope = _build_scope(clinic, patient_id)
    return _anchored_items(scope) + _snapshot_items(scope)


def _day_totals(items) -> dict[tuple, dict[str, int]]:
    """(day, clinician_id) -> {column: count} over items (given as dicts or rows)."""
    totals: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for item in items:
        get = item.get if isinstance(item, dict) else item._mapping.get
        column_totals = totals[get("day"), get("clinician_id")]
        sign = get("sign")
        for rule, code in zip(RULE_ORDER, get("states"), strict=True):
            if code != "-":
                column_totals[count_column(rule, CODE_STATES[code])] += sign
    return totals


# --- building and refreshing --------------------------------------------------------------------

def _insert_items(items: list[dict]) -> None:
    for i in range(0, len(items), 5000):
        db.session.execute(sa.insert(ContinuityItem), items[i:i + 5000])


def _month(day: date) -> date:
    return day.replace(day=1)


def _by_month(day_totals: dict[tuple, dict[str, int]]) -> dict[tuple, dict[str, int]]:
    months: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (day, clinician), counts in day_totals.items():
        month = months[_month(day), clinician]
        for column, n in counts.items():
            month[column] += n
    return months


def rebuild(clinic) -> int:
    """Build (or build again) one clinic's tables from its records; returns the item count.

    On PostgreSQL the item table is locked against refreshes (SHARE ROW EXCLUSIVE; refreshes
    take ROW EXCLUSIVE, which they share with each other): a commit that changes a patient's
    records meanwhile waits, then refreshes that patient over the rebuilt rows."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("LOCK TABLE continuity_item IN SHARE ROW EXCLUSIVE MODE"))
    for table in (ContinuityItem.__table__, continuity_day, continuity_month):
        db.session.execute(sa.delete(table).where(table.c.clinic_id == clinic.id))
    db.session.execute(sa.delete(ContinuityRollup).where(ContinuityRollup.clinic_id == clinic.id))
    items = compute_items(clinic)
    _insert_items(items)
    zeros = {count_column(r, state): 0 for r in RULE_ORDER for state in STATES}
    days = _day_totals(items)
    for table, period, totals in ((continuity_day, "day", days),
                                  (continuity_month, "month", _by_month(days))):
        # every row with every column: an executemany takes its columns from the first row
        rows = [{"clinic_id": clinic.id, period: key, "clinician_id": clinician, **zeros, **counts}
                for (key, clinician), counts in totals.items()]
        for i in range(0, len(rows), 2000):
            db.session.execute(sa.insert(table), rows[i:i + 2000])
    db.session.add(ContinuityRollup(clinic_id=clinic.id, settings_key=_key_of_clinic(clinic),
                                    built_at=utcnow()))
    db.session.flush()
    return len(items)


def _upsert_increments(clinic_id: int, deltas: dict[tuple, dict[str, int]]) -> None:
    """Add `deltas` (per day) to the day and month totals, in one statement per row (atomic
    under concurrency: INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n), in key order
    (no deadlock between two refreshes)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    for table, period, totals in ((continuity_day, "day", deltas),
                                  (continuity_month, "month", _by_month(deltas))):
        c = table.c
        for (key, clinician), counts in sorted(totals.items()):
            counts = {k: v for k, v in counts.items() if v}
            if not counts:
                continue
            stmt = insert(table).values(clinic_id=clinic_id, clinician_id=clinician,
                                        **{period: key}, **counts)
            stmt = stmt.on_conflict_do_update(
                index_elements=[c.clinic_id, c[period], c.clinician_id],
                set_={k: c[k] + stmt.excluded[k] for k in counts})
            db.session.execute(stmt)


def refresh_patients(patient_ids) -> None:
    """Compute the marked patients' items again and adjust the day totals by the difference.
    Patients whose clinic has no usable tables are skipped (nothing reads them)."""
    ids = sorted({pid for pid in patient_ids if pid is not None})
    if not ids:
        return
    from tracker.core.clinic import Clinic

    postgresql = db.session.get_bind().dialect.name == "postgresql"
    if postgresql:   # before reading which tables are built: a rebuild may be under way
        db.session.execute(sa.text("LOCK TABLE continuity_item IN ROW EXCLUSIVE MODE"))
    # every clinic the patients' items are in now, or were in (a patient may change clinic)
    clinic_ids = set(db.session.scalars(sa.select(Patient.clinic_id).where(Patient.id.in_(ids))))
    clinic_ids |= set(db.session.scalars(sa.select(ContinuityItem.clinic_id).distinct()
                                         .where(ContinuityItem.patient_id.in_(ids))))
    built = {row.clinic_id: row for row in db.session.scalars(
        sa.select(ContinuityRollup).where(ContinuityRollup.clinic_id.in_(clinic_ids)))}
    if not built:
        return
    # one refresh of a patient at a time (rows locked in id order): two transactions
    # refreshing one patient would otherwise both subtract the same old items
    if postgresql:
        db.session.execute(sa.select(Patient.id).where(Patient.id.in_(ids))
                           .order_by(Patient.id).with_for_update())
    clinics = {c.id: c for c in db.session.scalars(sa.select(Clinic).where(Clinic.id.in_(built)))}
    usable = {cid for cid, row in built.items() if row.settings_key == _key_of_clinic(clinics[cid])}
    patient_clinic = dict(db.session.execute(
        sa.select(Patient.id, Patient.clinic_id).where(Patient.id.in_(ids))).all())
    for pid in ids:
        old = db.session.execute(
            sa.select(ContinuityItem.clinic_id, ContinuityItem.day, ContinuityItem.clinician_id,
                      ContinuityItem.states, ContinuityItem.sign)
            .where(ContinuityItem.patient_id == pid)).all()
        db.session.execute(sa.delete(ContinuityItem).where(ContinuityItem.patient_id == pid))
        clinic_id = patient_clinic.get(pid)
        new = compute_items(clinics[clinic_id], pid) if clinic_id in usable else []
        _insert_items(new)
        for cid in {row.clinic_id for row in old} | ({clinic_id} if new else set()):
            if cid not in usable:
                continue
            deltas = _day_totals(i for i in new if i["clinic_id"] == cid)
            for key, counts in _day_totals(r for r in old if r.clinic_id == cid).items():
                for column, n in counts.items():
                    deltas[key][column] -= n
            _upsert_increments(cid, deltas)


# --- marking changed patients -------------------------------------------------------------------

MARKED = "continuity_patients"


def mark_patient(session, patient_id) -> None:
    session.info.setdefault(MARKED, set()).add(patient_id)


@cache
def _watched():
    from tracker.care.models import FollowUp
    from tracker.core.flags import SafetyFlag
    from tracker.dosing.rems import RemsForm
    from tracker.integration.models import Debrief, IntegrationTask, TaskCompletion
    from tracker.intention.models import Intention

    return (DosingSession, Intention, Debrief, IntegrationTask, TaskCompletion, FollowUp,
            QuestionnaireResponse, RemsForm, SafetyFlag, CareTeamMember, TreatmentCourse)


@cache
def _watched_tables() -> frozenset:
    return frozenset(model.__table__ for model in _watched())


def _after_flush(session, _context) -> None:
    watched = _watched()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Patient):
            mark_patient(session, obj.id)
        elif isinstance(obj, watched):
            mark_patient(session, obj.patient_id)
            history = sa.inspect(obj).attrs.patient_id.history
            for old in history.deleted or ():
                mark_patient(session, old)


def _on_execute(state) -> None:
    """Writes that bypass the unit of work (an UPDATE or an upsert statement) mark their
    patients too: an insert's patient_id from its parameters, an update's or delete's rows
    read with the statement's own WHERE before it runs."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = state.statement.table
    if table is Patient.__table__:
        column = table.c.id
    elif table in _watched_tables():
        column = table.c.patient_id
    else:
        return
    if state.is_insert:
        params = state.parameters
        rows = params if isinstance(params, list) else [params or {}]
        compiled = state.statement.compile().params
        for row in rows:
            mark_patient(state.session, (row or {}).get(column.key, compiled.get(column.key)))
        return
    where = state.statement.whereclause
    for pid in state.session.execute(sa.select(column).where(where) if where is not None
                                     else sa.select(column)).scalars():
        mark_patient(state.session, pid)


def _before_commit(session) -> None:
    session.flush()   # commit flushes after this event: mark what is still to be written now
    ids = session.info.pop(MARKED, None)
    if ids:
        refresh_patients(ids)
        session.flush()
        session.info.pop(MARKED, None)


def _after_transaction_end(session, transaction) -> None:
    if transaction.parent is None:   # the outermost transaction: committed or rolled back
        session.info.pop(MARKED, None)


def listen(session_class) -> None:
    """Keep the tables current on every session of this class (called by the app factory)."""
    if not sa.event.contains(session_class, "after_flush", _after_flush):
        sa.event.listen(session_class, "after_flush", _after_flush)
        sa.event.listen(session_class, "before_commit", _before_commit)
        sa.event.listen(session_class, "after_transaction_end", _after_transaction_end)
        sa.event.listen(session_class, "do_orm_execute", _on_execute)


# --- reading ------------------------------------------------------------------------------------

def stale(clinic) -> bool:
    """The clinic's tables are missing, or were built under other thresholds or another time
    zone (the dashboard then computes from the records until they are rebuilt)."""
    key = db.session.scalar(sa.select(ContinuityRollup.settings_key)
                            .where(ContinuityRollup.clinic_id == clinic.id))
    return key != _key_of_clinic(clinic)


def usable(scope: Scope) -> bool:
    """The tables can answer this scope: built for the clinic with its current settings, no
    course-status filter (not a dimension of the tables), a period that ends by today."""
    if scope.course_status or scope.patient_id is not None or scope.last_day > scope.today:
        return False
    key = db.session.scalar(sa.select(ContinuityRollup.settings_key)
                            .where(ContinuityRollup.clinic_id == scope.clinic_id))
    return key == settings_key(scope.tz, scope.settings)


def _clinician_key(clinician_id: int):
    return None if clinician_id == NO_CLINICIAN else clinician_id


BEGINNING = date(1900, 1, 1)


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _split(first: date, last: date) -> tuple[tuple | None, list[tuple]]:
    """[first, last] as the whole months inside it (the first and last month starts, or None)
    and the days left over at either end."""
    start = first if first.day == 1 else _next_month(first)
    end = _next_month(last) if _next_month(last) - timedelta(days=1) == last else _month(last)
    if start >= end:   # no whole month: months are the starts in [start, end)
        return None, [(first, last)]
    days = ([(first, start - timedelta(days=1))] if first < start else []) + (
        [(end, last)] if end <= last else [])
    return (start, end - timedelta(days=1)), days


def _sums(scope: Scope, parts, columns: list[str], *, by_clinician: bool) -> list:
    """Sums of `columns` per part (label, first day, last day), and per clinician if asked:
    whole months from continuity_month, the other days from continuity_day."""
    ranges: dict[str, list] = {"month": [], "day": []}
    for label, first, last in parts:
        months, days = _split(first, last)
        if months:
            ranges["month"].append((label, *months))
        ranges["day"] += [(label, *d) for d in days]
    selects = []
    for table, period in ((continuity_day, "day"), (continuity_month, "month")):
        if not ranges[period]:
            continue
        rows = [sa.select(sa.literal(label, sa.Integer).label("label"),
                          sa.literal(lo, sa.Date).label("lo"), sa.literal(hi, sa.Date).label("hi"))
                for label, lo, hi in ranges[period]]
        bounds = (rows[0] if len(rows) == 1 else sa.union_all(*rows)).cte(f"{period}_parts")
        t = table.c
        clinician = [] if scope.clinician_id is None else [t.clinician_id == scope.clinician_id]
        selects.append(sa.select(bounds.c.label, t.clinician_id, *(t[k] for k in columns))
                       .join(bounds, sa.and_(t[period] >= bounds.c.lo, t[period] <= bounds.c.hi))
                       .where(t.clinic_id == scope.clinic_id, *clinician))
    if not selects:
        return []
    u = (selects[0] if len(selects) == 1 else sa.union_all(*selects)).subquery("parts")
    keys = [u.c.label] + ([u.c.clinician_id] if by_clinician else [])
    return db.session.execute(sa.select(*keys, *(sa.func.sum(u.c[k]) for k in columns))
                              .group_by(*keys)).all()


ANCHORED_COLUMNS = [(r, s, count_column(r, s)) for r in RULE_ORDER if r not in SNAPSHOT_RULES
                    for s in STATES]
SNAPSHOT_COLUMNS = [(r, s, count_column(r, s)) for r in SNAPSHOT_RULES for s in STATES]


def count(scope: Scope, weeks) -> tuple:
    """The same (Summary, trend) as queries._count, from the tables."""
    from tracker.continuity.queries import Counts, Summary

    summary = Summary()
    trend = {k: defaultdict(Counts) for k in RULES}
    last_week = weeks[-1].index
    anchored = [k for _, _, k in ANCHORED_COLUMNS]
    snapshot = [k for _, _, k in SNAPSHOT_COLUMNS]

    # anchored rules: the stored states summed over the days of each bucket, of each clinician
    per_week = {row[0]: row[1:] for row in _sums(
        scope, [(w.index, w.first_day, w.last_day) for w in weeks], anchored + snapshot,
        by_clinician=False)}
    for week, values in per_week.items():
        for (rule, state, _), n in zip(ANCHORED_COLUMNS, values, strict=False):
            if n:
                trend[rule][week].add(state, n)
    for _, clinician_id, *values in _sums(scope, [(0, scope.first_day, scope.last_day)],
                                          anchored, by_clinician=True):
        cid = _clinician_key(clinician_id)
        for (rule, state, _), n in zip(ANCHORED_COLUMNS, values, strict=True):
            if n:
                summary.totals[rule].add(state, n)
                summary.clinician_counts(cid)[rule].add(state, n)
    _timed_pending(scope, weeks, summary, trend)

    # patient-level rules: the boundaries up to each bucket's last day (its as_of), less, for
    # the last bucket judged as of now (the period ends today), today's boundaries still ahead
    ahead: dict = defaultdict(lambda: defaultdict(int))
    if scope.now < local_midnight(weeks[-1].last_day + timedelta(days=1), scope.tz):
        i = ContinuityItem
        item_clinician = [] if scope.clinician_id is None else [i.clinician_id == scope.clinician_id]
        for clinician_id, states, sign in db.session.execute(
                sa.select(i.clinician_id, i.states, i.sign)
                .where(i.clinic_id == scope.clinic_id, i.kind == BOUNDARY,
                       i.day == weeks[-1].last_day, i.base_at > scope.now, *item_clinician)):
            for rule in SNAPSHOT_RULES:
                code = states[POSITION[rule]]
                if code != "-":
                    ahead[clinician_id][count_column(rule, CODE_STATES[code])] += sign
    up_to = _sums(scope, [(0, BEGINNING, scope.last_day),
                          (1, BEGINNING, scope.first_day - timedelta(days=1))],
                  snapshot, by_clinician=True)
    running = [0] * len(snapshot)
    for label, clinician_id, *values in up_to:
        if label == 1:
            running = [a + (b or 0) for a, b in zip(running, values, strict=True)]
            continue
        cid = _clinician_key(clinician_id)
        for (rule, state, k), n in zip(SNAPSHOT_COLUMNS, values, strict=True):
            n = (n or 0) - ahead[clinician_id][k]
            if n:
                summary.totals[rule].add(state, n)
                summary.clinician_counts(cid)[rule].add(state, n)
    for w in weeks:
        values = per_week.get(w.index)
        if values:
            running = [a + (b or 0) for a, b in
                       zip(running, values[len(anchored):], strict=True)]
        for j, (rule, state, k) in enumerate(SNAPSHOT_COLUMNS):
            n = running[j] - (sum(cols[k] for cols in ahead.values())
                              if w.index == last_week else 0)
            if n:
                trend[rule][w.index].add(state, n)
    return summary, trend


def _timed_pending(scope: Scope, weeks, summary, trend) -> None:
    """Move the items whose timed deadline is still ahead of now from their stored state to
    pending (TIMED_PENDING): the few items of the last days, read through two indexes."""
    i = ContinuityItem
    today = scope.today
    widest = max(timedelta(**{unit: scope.setting(key)}) for key, unit in TIMED_PENDING.values())
    task_days = scope.setting("task_overdue_flag_days")
    where = [i.clinic_id == scope.clinic_id, i.day >= scope.first_day, i.day <= scope.last_day,
             *([] if scope.clinician_id is None else [i.clinician_id == scope.clinician_id])]
    columns = (i.kind, i.day, i.clinician_id, i.states, i.base_at)
    # Two selects, each served by its own index, in one statement. The recent bounds are
    # written into the SQL (literal_execute), not bound: a statement psycopg has prepared gets
    # PostgreSQL's generic plan, which cannot see that they are the narrow conditions, and
    # read the whole period by day instead (2 years: 207 ms rather than 8).
    since = sa.bindparam("since", scope.now - widest, type_=i.base_at.type, literal_execute=True)
    from_day = sa.bindparam("from_day", today - timedelta(days=task_days), type_=sa.Date(),
                            literal_execute=True)
    recent = db.session.execute(sa.union_all(
        sa.select(*columns).where(*where, i.base_at > since, i.kind.in_(("s", "f"))),
        sa.select(*columns).where(*where, i.day >= from_day, i.kind == "t"))).all()
    first_days = [w.first_day for w in weeks]
    for kind, day, clinician_id, states, base_at in recent:
        week = weeks[bisect_right(first_days, day) - 1].index
        cid = _clinician_key(clinician_id)
        for rule, (key, unit) in TIMED_PENDING.items():
            code = states[POSITION[rule]]
            if code in ("-", "c", "p"):
                continue
            if kind == "t":
                pending = day >= today - timedelta(days=scope.setting(key))
            else:
                pending = base_at > scope.now - timedelta(**{unit: scope.setting(key)})
            if pending:
                old = CODE_STATES[code]
                for counts in (trend[rule][week], summary.totals[rule],
                               summary.clinician_counts(cid)[rule]):
                    counts.add(old, -1)
                    counts.add(PENDING, 1)
