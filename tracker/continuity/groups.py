"""The four kinds of item the continuity rules judge, each as one FROM clause that every rule
of that kind shares: dosing sessions, task occurrences, safety flags and patients.

A group is built for a scope and a `weeks` table (tracker.continuity.queries): the ISO weeks
of the period for the dashboard, or one row spanning the whole period for a drill-down. Each
row of a group carries its week, its patient and its clinician; the rules add their state
columns (see rules.py). Reading every rule of a group in one pass is what keeps the dashboard
at a handful of queries, each scanning a table once, whatever the size of the clinic.
"""
from __future__ import annotations

import sqlalchemy as sa

from tracker.care.models import QuestionnaireResponse
from tracker.continuity import predicates as p
from tracker.continuity.scope import NO_CLINICIAN, Scope
from tracker.core.flags import SafetyFlag
from tracker.core.patients import Patient, TreatmentCourse
from tracker.core.sessions import DosingSession
from tracker.core.sqltime import alias
from tracker.integration.models import Debrief
from tracker.intention.models import Intention


def _clinician_filter(scope: Scope, clinician_column) -> list:
    if scope.clinician_id == NO_CLINICIAN:
        return [clinician_column.is_(None)]
    if scope.clinician_id is not None:
        return [clinician_column == scope.clinician_id]
    return []


def _patient_filter(scope: Scope, patient_id) -> list:
    return [] if scope.patient_id is None else [patient_id == scope.patient_id]


def _course_filter(scope: Scope, patient_id) -> list:
    if not scope.course_status:
        return []
    return [p.has_course_with_status(patient_id, scope.course_status)]


class SessionItems:
    """Dosing sessions of the clinic scheduled in the period, not cancelled, that started;
    with their intention (`i`) and debrief (`d`). Clinician: the guiding clinician."""

    def __init__(self, scope: Scope, weeks: sa.FromClause | None, *, session=DosingSession):
        self.scope, self.weeks = scope, weeks
        self.s = session
        self.i, self.d = alias(Intention, "session_intention"), alias(Debrief, "session_debrief")
        self.week = weeks.c.week if weeks is not None else None
        self.patient_id = self.s.patient_id
        self.clinician_id = self.s.clinician_id

    @property
    def is_item(self) -> sa.ColumnElement[bool]:
        """A session is an item of the session rules once it has started (and is not
        cancelled); before that no session rule judges it."""
        return sa.and_(self.s.status != "cancelled", self.s.started_at.is_not(None))

    def _with_stages(self, stmt: sa.Select) -> sa.Select:
        return (stmt.outerjoin(self.i, self.i.session_id == self.s.id)
                .outerjoin(self.d, self.d.session_id == self.s.id))

    def select_for_patient(self, patient_id, *columns) -> sa.Select:
        """Every dosing session of one patient, whatever its status or time, with its stages
        (the chart's rows). A rule's state there must be read through `is_item`."""
        return (self._with_stages(sa.select(*columns).select_from(self.s))
                .where(self.s.patient_id == patient_id))

    def select(self, *columns) -> sa.Select:
        s, scope = self.s, self.scope
        # the session's own copy of its clinic: the period is one range of
        # (clinic_id, scheduled_at), however many clinics the database holds
        stmt = self._with_stages(
            sa.select(*columns).select_from(s)
            .join(self.weeks, sa.and_(s.scheduled_at >= self.weeks.c.start,
                                      s.scheduled_at < self.weeks.c.end))
        ).where(s.clinic_id == scope.clinic_id, self.is_item,
                s.scheduled_at >= scope.start, s.scheduled_at < scope.end,
                *_clinician_filter(scope, s.clinician_id), *_patient_filter(scope, s.patient_id))
        if scope.course_status:
            stmt = stmt.join(TreatmentCourse, TreatmentCourse.id == s.course_id).where(
                TreatmentCourse.status == scope.course_status)
        return stmt


class TaskItems:
    """Occurrences of the clinic's live integration tasks dated in the period (`occ`).
    Clinician: the patient's primary care-team clinician."""

    def __init__(self, scope: Scope, weeks: sa.FromClause | None, *, name: str = "task_days",
                 among=None):
        self.scope, self.weeks = scope, weeks
        self.occ = p.task_occurrences(scope.clinic_id, scope.first_day, scope.last_day, name=name,
                                      patient_id=scope.patient_id, among=among)
        self.week = weeks.c.week if weeks is not None else None
        self.patient_id = self.occ.c.patient_id
        self.clinician_id = p.primary_clinician_of(self.occ.c.patient_id)

    def select(self, *columns) -> sa.Select:
        occ = self.occ
        return (sa.select(*columns).select_from(occ)
                .join(self.weeks, sa.and_(occ.c.day >= self.weeks.c.first_day,
                                          occ.c.day <= self.weeks.c.last_day))
                .where(*_clinician_filter(self.scope, self.clinician_id),
                       *_course_filter(self.scope, occ.c.patient_id)))


class FlagItems:
    """Safety flags raised in the period (`f`). Clinician: the primary care-team clinician."""

    def __init__(self, scope: Scope, weeks: sa.FromClause):
        self.scope, self.weeks = scope, weeks
        self.f = SafetyFlag
        self.week, self.patient_id = weeks.c.week, self.f.patient_id
        self.clinician_id = p.primary_clinician_of(self.f.patient_id)

    def select(self, *columns) -> sa.Select:
        f, scope = self.f, self.scope
        return (sa.select(*columns).select_from(f)
                .join(Patient, Patient.id == f.patient_id)
                .join(self.weeks, sa.and_(f.raised_at >= self.weeks.c.start,
                                          f.raised_at < self.weeks.c.end))
                .where(Patient.clinic_id == scope.clinic_id, f.raised_at >= scope.start,
                       f.raised_at < scope.end, *_clinician_filter(scope, self.clinician_id),
                       *_patient_filter(scope, f.patient_id),
                       *_course_filter(scope, f.patient_id)))


class PatientItems:
    """Active patients of the clinic, once per week, judged as of the week's end (`weeks`
    columns as_of, contact_since, phq9_since, enrolled_by). Set-based: the contacts and PHQ-9s
    since the earliest window start are read once, then

    - `contact_recent` / `phq9_recent`: one fell in the week's window (since, as_of]
      (each event joins only the weeks whose window holds it);
    - `contact_last` / `phq9_last`: the patient's latest (is there one after as_of?);
    - `first_course` (first course start), `first_dose` (first dosing session start).
    Clinician: the primary care-team clinician.
    """

    def __init__(self, scope: Scope, weeks: sa.FromClause, *, earliest_since):
        self.scope, self.weeks = scope, weeks
        w = weeks.c
        # The clinic's own events only (each table's copy of the clinic, first in its time
        # index): in a network the window holds every clinic's, and the joins with the weeks
        # below would otherwise handle them all.
        contacts = sa.union_all(*(
            sa.select(pid.label("patient_id"), at.label("at"))
            .where(*conditions, at > earliest_since)
            for pid, at, conditions in p.contact_times(clinic_id=scope.clinic_id))).cte("contacts")
        q = alias(QuestionnaireResponse, "window_phq9")
        phq9s = (sa.select(q.patient_id, q.completed_at.label("at"))
                 .where(q.clinic_id == scope.clinic_id, q.instrument == "phq9",
                        q.completed_at > earliest_since).cte("phq9s"))
        self.contact = self._in_window(contacts, w.contact_since, "contact_weeks")
        self.phq9 = self._in_window(phq9s, w.phq9_since, "phq9_weeks")
        self.contact_latest = self._latest(contacts, "contact_latest")
        self.phq9_latest = self._latest(phq9s, "phq9_latest")
        tc, ds = alias(TreatmentCourse, "first_course"), alias(DosingSession, "first_dose")
        active = alias(Patient, "active_patient")
        in_scope = sa.and_(active.clinic_id == scope.clinic_id, active.status == "active")
        # the clinic's own courses (one index range: (clinic_id, patient_id, started_on))
        self.courses = (sa.select(tc.patient_id, sa.func.min(tc.started_on).label("first"))
                        .join(active, sa.and_(active.id == tc.patient_id, in_scope))
                        .where(tc.clinic_id == scope.clinic_id)
                        .group_by(tc.patient_id).subquery("first_courses"))
        self.doses = (sa.select(ds.patient_id, sa.func.min(ds.started_at).label("first"))
                      .join(active, sa.and_(active.id == ds.patient_id, in_scope))
                      .where(ds.started_at.is_not(None), ds.status != "cancelled")
                      .group_by(ds.patient_id).subquery("first_doses"))
        self.primary = p.primary_clinicians(scope.clinic_id)
        self.week, self.patient_id = w.week, Patient.id
        self.clinician_id = self.primary.c.clinician_id
        self.first_course, self.first_dose = self.courses.c.first, self.doses.c.first
        self.contact_recent = self.contact.c.week.is_not(None)
        self.phq9_recent = self.phq9.c.week.is_not(None)
        self.contact_last, self.phq9_last = self.contact_latest.c.last, self.phq9_latest.c.last

    def _in_window(self, events, since_column, name) -> sa.Subquery:
        """(patient_id, week) for each week whose window (since, as_of] holds an event."""
        w = self.weeks.c
        return (sa.select(events.c.patient_id, w.week).distinct()
                .select_from(events)
                .join(self.weeks, sa.and_(events.c.at > since_column, events.c.at <= w.as_of))
                .subquery(name))

    @staticmethod
    def _latest(events, name) -> sa.Subquery:
        return (sa.select(events.c.patient_id, sa.func.max(events.c.at).label("last"))
                .group_by(events.c.patient_id).subquery(name))

    def select(self, *columns) -> sa.Select:
        scope, w = self.scope, self.weeks.c
        return (sa.select(*columns).select_from(Patient)
                .join(self.weeks, sa.true())
                .outerjoin(self.courses, self.courses.c.patient_id == Patient.id)
                .outerjoin(self.doses, self.doses.c.patient_id == Patient.id)
                .outerjoin(self.primary, self.primary.c.patient_id == Patient.id)
                .outerjoin(self.contact, sa.and_(self.contact.c.patient_id == Patient.id,
                                                 self.contact.c.week == w.week))
                .outerjoin(self.phq9, sa.and_(self.phq9.c.patient_id == Patient.id,
                                              self.phq9.c.week == w.week))
                .outerjoin(self.contact_latest, self.contact_latest.c.patient_id == Patient.id)
                .outerjoin(self.phq9_latest, self.phq9_latest.c.patient_id == Patient.id)
                .where(Patient.clinic_id == scope.clinic_id, Patient.status == "active",
                       self.courses.c.first <= w.as_of_day,
                       *_clinician_filter(scope, self.clinician_id),
                       *_course_filter(scope, Patient.id)))
