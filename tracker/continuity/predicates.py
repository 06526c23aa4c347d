"""The building blocks of the continuity rules, shared by the rules and the attention flags.

Each function returns a SQL expression (EXISTS, a scalar subquery, a subquery), correlated to
the row it is placed in. Bounds that are constants are passed as Python values (bound
parameters); bounds that depend on another column use tracker.core.sqltime.

Each function reads its tables through its own named aliases (alias()), each made once: an
alias is immutable and costly to build (its column collection), and a private alias can never
be mistaken by correlation for a table of the query the expression is placed in.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from tracker.care.models import FollowUp, QuestionnaireResponse

# the follow-up predicates are care's own (its follow-up list asks them too)
from tracker.care.predicates import (  # noqa: F401
    first_follow_up_after,
    follow_up_for_session_after,
    follow_up_within,
)
from tracker.core.flags import SafetyFlag
from tracker.core.patients import CareTeamMember, TreatmentCourse
from tracker.core.sessions import DosingSession
from tracker.core.sqltime import alias, latest_of, shift_date, shift_time
from tracker.core.states import COMPLIANT, LATE, MISSING, PENDING, STATES, state_case  # noqa: F401  (the rules' vocabulary, re-exported)
from tracker.integration.models import Debrief, IntegrationTask, TaskCompletion


def _among(among, patient_id_column) -> list:
    """[the filter `among` (a function of a patient id column) gives], or [] without one.

    A correlated EXISTS is often run by PostgreSQL as one hashed subplan over the whole table,
    every clinic's rows; a filter on the candidate patients inside the subquery keeps that
    work to those patients (tracker.continuity.attention passes the listed ids, or the
    viewer's patients)."""
    return [] if among is None else [among(patient_id_column)]


# --- people -----------------------------------------------------------------------------------



def _primary_clinician(m, *where) -> sa.Select:
    """The one rule for a patient's primary clinician: the lowest id among the care-team
    members marked primary (several may be)."""
    return (sa.select(sa.func.min(m.clinician_id).label("clinician_id"))
            .where(m.is_primary.is_(True), *where))


def primary_clinicians(clinic_id) -> sa.Subquery:
    """(patient_id, clinician_id): each of the clinic's patients' primary clinician,
    set-based, from the clinic's own care-team rows (one index range: in a network, grouping
    every clinic's care teams cost a flags export 200 ms where the clinic alone took 15)."""
    m = alias(CareTeamMember, "primary_member")
    return (_primary_clinician(m, m.clinic_id == clinic_id).add_columns(m.patient_id)
            .group_by(m.patient_id).subquery("primary_clinicians"))


def primary_clinician_of(patient_id) -> sa.ScalarSelect:
    """The patient's primary clinician for one item: an index probe per item. For items that
    a state filter thins out (a drill-down), PostgreSQL misjudged how many remain and re-ran
    a grouped `primary_clinicians` once per item (2 s for a month's overdue tasks in a
    network)."""
    m = alias(CareTeamMember, "item_primary")
    return _primary_clinician(m, m.patient_id == patient_id).scalar_subquery()


def has_course_with_status(patient_id, status: str) -> sa.Exists:
    c = alias(TreatmentCourse, "status_course")
    return sa.exists().where(c.patient_id == patient_id, c.status == status)


# --- debrief and follow-ups -------------------------------------------------------------------





# --- PHQ-9 ------------------------------------------------------------------------------------



def phq9_in_days_before(session, days: int) -> sa.Exists:
    """A PHQ-9 completed in the `days` days before the session started."""
    q = alias(QuestionnaireResponse, "phq9_before")
    return sa.exists().where(q.patient_id == session.patient_id, q.instrument == "phq9",
                             q.completed_at <= session.started_at,
                             q.completed_at >= shift_time(session.started_at, -days * 24))


def last_phq9_before(patient_id, until) -> sa.ScalarSelect:
    q = alias(QuestionnaireResponse, "phq9_last")
    return (sa.select(sa.func.max(q.completed_at))
            .where(q.patient_id == patient_id, q.instrument == "phq9", q.completed_at <= until)
            .scalar_subquery())


# --- contact ----------------------------------------------------------------------------------



def contact_times(use: str = "window", clinic_id=None) -> list[tuple]:
    """What counts as a contact with a patient: (patient_id, when, conditions) per kind: a
    completed follow-up, an ended dosing session (not cancelled), a held debrief. With
    `clinic_id`, the conditions keep that clinic's rows (each table's own copy of it)."""
    f, s, d = (alias(FollowUp, f"{use}_follow_up"), alias(DosingSession, f"{use}_session"),
               alias(Debrief, f"{use}_debrief"))

    def clinic(table) -> list:
        return [] if clinic_id is None else [table.clinic_id == clinic_id]
    return [(f.patient_id, f.completed_at, [f.outcome == "completed", *clinic(f)]),
            (s.patient_id, s.ended_at, [s.status != "cancelled", *clinic(s)]),
            (d.patient_id, d.held_at, clinic(d))]


def contact_between(patient_id, since, until=None, *, among=None) -> sa.ColumnElement[bool]:
    """A completed contact in (since, until]; no upper bound if `until` is None. `among`, when
    given, is a patient filter placed inside each subquery (see tracker.continuity.attention)."""
    tests = []
    for pid, at, conditions in contact_times():
        window = [at > since] + ([at <= until] if until is not None else [])
        tests.append(sa.exists().where(pid == patient_id, *conditions, *window,
                                       *_among(among, pid)))
    return sa.or_(*tests)


def last_contact_before(patient_id, until) -> sa.ColumnElement:
    """The latest completed contact at or before `until` (for display)."""
    return latest_of(*(sa.select(sa.func.max(at)).where(pid == patient_id, *conditions, at <= until)
                       .scalar_subquery() for pid, at, conditions in contact_times("last")))


def enrolled_by(patient_id, day, *, among=None) -> sa.Exists:
    """The patient has a treatment course that started on or before `day`."""
    c = alias(TreatmentCourse, "enrolled_course")
    return sa.exists().where(c.patient_id == patient_id, c.started_on <= day,
                             *_among(among, c.patient_id))


# --- integration tasks ------------------------------------------------------------------------



def task_occurrences(clinic_id: int, first_day: date, last_day: date, *,
                     patient_id: int | None = None, name: str = "task_days",
                     among=None) -> sa.Subquery:
    """Every occurrence of the clinic's live integration tasks dated in [first_day, last_day]
    (of one patient, if `patient_id` is given; of the patients `among` lets through, if
    given): (task_id, patient_id, debrief_id, title, day,
    marked_at, outcome). A one-off task occurs on its due date; a daily one every day from its
    start to its end; a weekly one on its start's weekday (the same dates as
    tracker.integration.occurrences.occurrence_dates, which tests hold equal). marked_at and
    outcome are the patient's mark of that occurrence (done or skipped), else NULL.

    This is the one SQL definition of an occurrence: the dashboard, the needs-attention list
    and the chart's plan all read it. A repeating task's occurrences are generated from the
    task itself (a recursive CTE that steps 1 or 7 days), so the work grows with the
    occurrences, not with days x tasks."""
    t1, t2 = alias(IntegrationTask, "task_once"), alias(IntegrationTask, "task_repeating")
    one = patient_id is not None   # an id, or a bound parameter (a statement built once)
    # the task's own copy of its clinic: the period is one range of (clinic_id, due_on) or
    # (clinic_id, repeat_until), however many clinics the database holds
    whose1 = [t1.clinic_id == clinic_id] + ([t1.patient_id == patient_id] if one else [])
    whose2 = [t2.clinic_id == clinic_id] + ([t2.patient_id == patient_id] if one else [])
    whose1 += _among(among, t1.patient_id)
    whose2 += _among(among, t2.patient_id)
    one_off = (sa.select(t1.id.label("task_id"), t1.patient_id, t1.debrief_id, t1.title,
                         t1.due_on.label("day"))
               .where(*whose1, t1.active.is_(True), t1.repeat == "none",
                      t1.due_on >= first_day, t1.due_on <= last_day))
    daily = t2.repeat == "daily"
    start = sa.case((sa.and_(daily, t2.starts_on < first_day), first_day), else_=t2.starts_on)
    seed = (sa.select(t2.id.label("task_id"), t2.patient_id.label("patient_id"),
                      t2.debrief_id.label("debrief_id"), t2.title.label("title"),
                      start.label("day"), sa.case((daily, 1), else_=7).label("step"),
                      t2.repeat_until.label("until"))
            .where(*whose2, t2.active.is_(True), t2.repeat != "none",
                   t2.repeat_until >= first_day, t2.starts_on <= last_day))
    steps = seed.cte(name, recursive=True)
    following = shift_date(steps.c.day, steps.c.step)
    steps = steps.union_all(
        sa.select(steps.c.task_id, steps.c.patient_id, steps.c.debrief_id, steps.c.title,
                  following, steps.c.step, steps.c.until)
        .where(following <= steps.c.until, following <= last_day))
    repeating = (sa.select(steps.c.task_id, steps.c.patient_id, steps.c.debrief_id,
                           steps.c.title, steps.c.day)
                 .where(steps.c.day >= first_day))
    occurrences = sa.union_all(one_off, repeating).subquery(f"{name}_all")
    mark = alias(TaskCompletion, "task_mark")
    return (sa.select(occurrences, mark.marked_at, mark.outcome)
            .select_from(occurrences)
            .outerjoin(mark, sa.and_(mark.task_id == occurrences.c.task_id,
                                     mark.occurrence_on == occurrences.c.day))
            .subquery(f"{name}_marked"))


# --- safety flags -----------------------------------------------------------------------------



def open_flag(patient_id, *, among=None) -> sa.Exists:
    f = alias(SafetyFlag, "open_flag")
    return sa.exists().where(f.patient_id == patient_id, f.acknowledged_at.is_(None),
                             *_among(among, f.patient_id))
