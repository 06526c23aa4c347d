"""The building blocks of the continuity rules, shared by the rules and the attention flags.

Each function returns a SQL expression (EXISTS, a scalar subquery, a comparison), correlated to
the row it is placed in. Bounds that are constants are passed as Python values (bound
parameters); bounds that depend on another column use tracker.continuity.sqltime.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from tracker.care.models import FollowUp as FollowUp_
from tracker.care.models import QuestionnaireResponse
from tracker.care.models import SafetyFlag as SafetyFlag_
from tracker.continuity.sqltime import shift_date, shift_time, weekday
from tracker.dosing.models import DosingSession as DosingSession_
from tracker.integration.models import Debrief as Debrief_
from tracker.integration.models import IntegrationTask, TaskCompletion
from tracker.patients.models import CareTeamMember as CareTeamMember_
from tracker.patients.models import Patient
from tracker.patients.models import TreatmentCourse as TreatmentCourse_

COMPLIANT, LATE, MISSING, PENDING = "compliant", "late", "missing", "pending"
STATES = (COMPLIANT, LATE, MISSING, PENDING)


def state_case(*, compliant, late=None, pending=None) -> sa.Case:
    """compliant / pending / late / missing, tested in that order: done in time wins; else an
    item whose deadline has not passed is pending; else done late; else missing."""
    whens = [(compliant, COMPLIANT)]
    if pending is not None:
        whens.append((pending, PENDING))
    if late is not None:
        whens.append((late, LATE))
    return sa.case(*whens, else_=MISSING)


# --- people -----------------------------------------------------------------------------------

def primary_clinician(patient_id) -> sa.ScalarSelect:
    """The patient's primary care-team clinician (the lowest id if several are marked)."""
    CareTeamMember = aliased(CareTeamMember_)  # noqa: N806
    return (sa.select(sa.func.min(CareTeamMember.clinician_id))
            .where(CareTeamMember.patient_id == patient_id, CareTeamMember.is_primary.is_(True))
            .scalar_subquery())


def primary_clinicians() -> sa.Subquery:
    """(patient_id, clinician_id): each patient's primary care-team clinician, set-based."""
    member = aliased(CareTeamMember_)
    return (sa.select(member.patient_id, sa.func.min(member.clinician_id).label("clinician_id"))
            .where(member.is_primary.is_(True)).group_by(member.patient_id)
            .subquery("primary_clinicians"))


def has_primary_clinician(patient_id, clinician_id: int) -> sa.Exists:
    CareTeamMember = aliased(CareTeamMember_)  # noqa: N806
    return sa.exists().where(CareTeamMember.patient_id == patient_id,
                             CareTeamMember.clinician_id == clinician_id,
                             CareTeamMember.is_primary.is_(True))


def has_course_with_status(patient_id, status: str) -> sa.Exists:
    TreatmentCourse = aliased(TreatmentCourse_)  # noqa: N806
    return sa.exists().where(TreatmentCourse.patient_id == patient_id,
                             TreatmentCourse.status == status)


# --- debrief ----------------------------------------------------------------------------------

def signed_debrief_within(session, hours: int) -> sa.Exists:
    """The session's debrief is signed no later than `hours` after the session's end."""
    Debrief = aliased(Debrief_)  # noqa: N806
    return sa.exists().where(Debrief.session_id == session.id, Debrief.signed_at.is_not(None),
                             Debrief.signed_at <= shift_time(session.ended_at, hours))


def has_signed_debrief(session) -> sa.Exists:
    Debrief = aliased(Debrief_)  # noqa: N806
    return sa.exists().where(Debrief.session_id == session.id, Debrief.signed_at.is_not(None))


# --- follow-ups -------------------------------------------------------------------------------

def follow_up_within(session, days: int) -> sa.Exists:
    """A follow-up with the patient completed between the session's end and `days` later."""
    FollowUp = aliased(FollowUp_)  # noqa: N806
    return sa.exists().where(
        FollowUp.patient_id == session.patient_id, FollowUp.outcome == "completed",
        FollowUp.completed_at >= session.ended_at,
        FollowUp.completed_at <= shift_time(session.ended_at, days * 24))


def follow_up_for_session_after(session, days: int) -> sa.Exists:
    """A follow-up booked for this session, completed only after the deadline."""
    FollowUp = aliased(FollowUp_)  # noqa: N806
    return sa.exists().where(
        FollowUp.session_id == session.id, FollowUp.outcome == "completed",
        FollowUp.completed_at > shift_time(session.ended_at, days * 24))


def first_follow_up_after(session) -> sa.ScalarSelect:
    FollowUp = aliased(FollowUp_)  # noqa: N806
    return (sa.select(sa.func.min(FollowUp.completed_at))
            .where(FollowUp.patient_id == session.patient_id, FollowUp.outcome == "completed",
                   FollowUp.completed_at >= session.ended_at)
            .scalar_subquery())


# --- PHQ-9 ------------------------------------------------------------------------------------

def _phq9(patient_id):
    """A fresh alias of the responses and the condition 'a PHQ-9 of this patient'."""
    q = aliased(QuestionnaireResponse)
    return q, sa.and_(q.patient_id == patient_id, q.instrument == "phq9")


def phq9_in_days_before(session, days: int) -> sa.Exists:
    """A PHQ-9 completed in the `days` days before the session started."""
    q, is_phq9 = _phq9(session.patient_id)
    return sa.exists().where(is_phq9, q.completed_at <= session.started_at,
                             q.completed_at >= shift_time(session.started_at, -days * 24))


def last_phq9_before(patient_id, until) -> sa.ScalarSelect:
    q, is_phq9 = _phq9(patient_id)
    return (sa.select(sa.func.max(q.completed_at)).where(is_phq9, q.completed_at <= until)
            .scalar_subquery())


def phq9_between(patient_id, since, until=None) -> sa.Exists:
    """A PHQ-9 completed in (since, until]; no upper bound if `until` is None."""
    q, is_phq9 = _phq9(patient_id)
    conditions = [is_phq9, q.completed_at > since]
    if until is not None:
        conditions.append(q.completed_at <= until)
    return sa.exists().where(*conditions)


def dosing_started_by(patient_id, when) -> sa.Exists:
    """The patient's first dosing session started at or before `when`."""
    DosingSession = aliased(DosingSession_)  # noqa: N806
    return sa.exists().where(DosingSession.patient_id == patient_id,
                             DosingSession.started_at.is_not(None),
                             DosingSession.started_at <= when,
                             DosingSession.status != "cancelled")


# --- contact ----------------------------------------------------------------------------------

def contact_times() -> list[tuple]:
    """What counts as a contact with a patient: (patient_id, when, conditions) per kind: a
    completed follow-up, an ended dosing session (not cancelled), a held debrief. Fresh
    aliases on every call."""
    f, s, d = aliased(FollowUp_), aliased(DosingSession_), aliased(Debrief_)
    return [(f.patient_id, f.completed_at, [f.outcome == "completed"]),
            (s.patient_id, s.ended_at, [s.status != "cancelled"]),
            (d.patient_id, d.held_at, [])]


def contact_between(patient_id, since, until=None) -> sa.ColumnElement[bool]:
    """A completed contact in (since, until]; no upper bound if `until` is None."""
    tests = []
    for pid, at, conditions in contact_times():
        window = [at > since] + ([at <= until] if until is not None else [])
        tests.append(sa.exists().where(pid == patient_id, *conditions, *window))
    return sa.or_(*tests)


def last_contact_before(patient_id, until) -> sa.ColumnElement:
    """The latest completed contact at or before `until` (for display)."""
    FollowUp, DosingSession, Debrief = (  # noqa: N806
        aliased(FollowUp_), aliased(DosingSession_), aliased(Debrief_))
    parts = [
        sa.select(sa.func.max(FollowUp.completed_at)).where(
            FollowUp.patient_id == patient_id, FollowUp.outcome == "completed",
            FollowUp.completed_at <= until).scalar_subquery(),
        sa.select(sa.func.max(DosingSession.ended_at)).where(
            DosingSession.patient_id == patient_id, DosingSession.status != "cancelled",
            DosingSession.ended_at <= until).scalar_subquery(),
        sa.select(sa.func.max(Debrief.held_at)).where(
            Debrief.patient_id == patient_id, Debrief.held_at <= until).scalar_subquery(),
    ]
    # The latest of three values that may each be NULL (GREATEST is not portable).
    a, b, c = parts
    best_ab = sa.case((a.is_(None), b), (b.is_(None), a), (a >= b, a), else_=b)
    return sa.case((best_ab.is_(None), c), (c.is_(None), best_ab), (best_ab >= c, best_ab),
                   else_=c)


def enrolled_by(patient_id, day) -> sa.Exists:
    """The patient has a treatment course that started on or before `day`."""
    TreatmentCourse = aliased(TreatmentCourse_)  # noqa: N806
    return sa.exists().where(TreatmentCourse.patient_id == patient_id,
                             TreatmentCourse.started_on <= day)


# --- integration tasks ------------------------------------------------------------------------

def _calendar(first_day: date, last_day: date, name: str) -> sa.CTE:
    """Every day from first_day to last_day, as rows (a recursive CTE, SQLite and PostgreSQL)."""
    seed = sa.select(sa.literal(first_day, sa.Date).label("day")).cte(name, recursive=True)
    return seed.union_all(sa.select(shift_date(seed.c.day, 1)).where(seed.c.day < last_day))


def _one_off_due(t, first_day: date, last_day: date) -> list:
    """A live one-off task whose due date is in [first_day, last_day]."""
    return [t.active.is_(True), t.repeat == "none", t.due_on >= first_day, t.due_on <= last_day]


def _repeats_on(t, day, first_day: date, last_day: date) -> list:
    """A live repeating task that occurs on `day` (a calendar column in the window): daily
    from its start to its end, or weekly on its start's weekday."""
    return [t.active.is_(True), t.repeat != "none", t.repeat_until >= first_day,
            t.starts_on <= last_day, day >= t.starts_on, day <= t.repeat_until,
            sa.or_(t.repeat == "daily", weekday(day) == weekday(t.starts_on))]


def task_occurrences(clinic_id: int, first_day: date, last_day: date, *,
                     name: str = "task_days") -> sa.Subquery:
    """Every occurrence of the clinic's live integration tasks dated in [first_day, last_day]:
    (task_id, patient_id, title, day, marked_at). A one-off task occurs on its due date; a
    daily one every day from its start to its end; a weekly one on its start's weekday.
    marked_at is when the patient marked that occurrence (done or skipped), else NULL."""
    days = _calendar(first_day, last_day, name)
    t1, t2, p1, p2 = (aliased(IntegrationTask), aliased(IntegrationTask), aliased(Patient),
                      aliased(Patient))
    one_off = (sa.select(t1.id.label("task_id"), t1.patient_id, t1.title, t1.due_on.label("day"))
               .join(p1, p1.id == t1.patient_id)
               .where(p1.clinic_id == clinic_id, *_one_off_due(t1, first_day, last_day)))
    repeating = (sa.select(t2.id.label("task_id"), t2.patient_id, t2.title, days.c.day)
                 .select_from(t2).join(p2, p2.id == t2.patient_id)
                 .join(days, sa.and_(*_repeats_on(t2, days.c.day, first_day, last_day)))
                 .where(p2.clinic_id == clinic_id))
    occurrences = sa.union_all(one_off, repeating).subquery(f"{name}_all")
    done = aliased(TaskCompletion)
    return (sa.select(occurrences, done.marked_at)
            .select_from(occurrences)
            .outerjoin(done, sa.and_(done.task_id == occurrences.c.task_id,
                                     done.occurrence_on == occurrences.c.day))
            .subquery(f"{name}_marked"))


def unmarked_occurrence(patient_id, first_day: date, last_day: date, *,
                        name: str = "unmarked_days") -> sa.ColumnElement[bool]:
    """The patient has an occurrence of a live task dated in [first_day, last_day] that was
    never marked: the same occurrences as task_occurrences(), as a correlated test."""
    days = _calendar(first_day, last_day, name)
    t1, t2 = aliased(IntegrationTask), aliased(IntegrationTask)
    c1, c2 = aliased(TaskCompletion), aliased(TaskCompletion)
    one_off = sa.exists().where(
        t1.patient_id == patient_id, *_one_off_due(t1, first_day, last_day),
        ~sa.exists().where(c1.task_id == t1.id, c1.occurrence_on == t1.due_on))
    repeating = sa.exists().where(
        t2.patient_id == patient_id, *_repeats_on(t2, days.c.day, first_day, last_day),
        ~sa.exists().where(c2.task_id == t2.id, c2.occurrence_on == days.c.day))
    return sa.or_(one_off, repeating)


# --- safety flags -----------------------------------------------------------------------------

def open_flag(patient_id) -> sa.Exists:
    SafetyFlag = aliased(SafetyFlag_)  # noqa: N806
    return sa.exists().where(SafetyFlag.patient_id == patient_id,
                             SafetyFlag.acknowledged_at.is_(None))
