"""Reads for the patient portal: each returns a Select scoped to ONE patient.

Privacy by construction: these queries name the columns a patient may see (plain column
selects, or load_only(..., raiseload=True) so touching any other column raises instead of
loading it), so clinician-only text (preparation notes, debrief text, unshared notes, flag
summaries, doses, vitals, IP addresses) is never loaded into a portal page, let alone shown.
Callers pass the patient found from the signed-in user (routes.own_patient()).
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import load_only, noload, selectinload

from tracker.care.models import FollowUp, QuestionnaireAssignment, QuestionnaireResponse
from tracker.core.audit.models import AuditEvent
from tracker.core.patients import Patient
from tracker.core.sessions import DosingSession
from tracker.core.users import User
from tracker.dosing.models import SessionNote
from tracker.integration.models import (
    Debrief,
    IntegrationTask,
    Reflection,
    ReflectionRevision,
    TaskCompletion,
)
from tracker.intention.models import Intention

# What a patient may read of an intention: never preparation_notes, never the checklist.
INTENTION_COLUMNS = (Intention.id, Intention.session_id, Intention.patient_id,
                     Intention.intention_text, Intention.focus_other)
SESSION_COLUMNS = (DosingSession.id, DosingSession.patient_id, DosingSession.course_id,
                   DosingSession.scheduled_at, DosingSession.started_at, DosingSession.ended_at,
                   DosingSession.status, DosingSession.version)
TASK_COLUMNS = (IntegrationTask.id, IntegrationTask.patient_id, IntegrationTask.debrief_id,
                IntegrationTask.title, IntegrationTask.kind, IntegrationTask.instructions,
                IntegrationTask.starts_on, IntegrationTask.due_on, IntegrationTask.repeat,
                IntegrationTask.repeat_until, IntegrationTask.active)


def own_patient(user) -> sa.Select:
    """The Patient row of a signed-in patient (none for anyone else)."""
    return sa.select(Patient).where(Patient.user_id == user.id)


# --- sessions, intentions, notes ----------------------------------------------------------

def sessions(patient_id: int) -> sa.Select:
    """The patient's dosing sessions in time order, with only patient-facing columns."""
    return (sa.select(DosingSession).options(load_only(*SESSION_COLUMNS, raiseload=True))
            .where(DosingSession.patient_id == patient_id)
            .order_by(DosingSession.scheduled_at, DosingSession.id))


def session_for_patient(patient_id: int, session_id: int) -> sa.Select:
    return sessions(patient_id).where(DosingSession.id == session_id)


def intentions(patient_id: int, session_ids=None) -> sa.Select:
    """Intentions as agreed: the patient's words, focus areas, goals (no preparation notes)."""
    stmt = (sa.select(Intention).options(load_only(*INTENTION_COLUMNS, raiseload=True),
                                         selectinload(Intention.focus_areas),
                                         selectinload(Intention.goals))
            .where(Intention.patient_id == patient_id))
    if session_ids is not None:
        stmt = stmt.where(Intention.session_id.in_(session_ids))
    return stmt


def shared_notes(patient_id: int, session_ids=None) -> sa.Select:
    """In-session notes a clinician chose to share; unshared notes are never selected."""
    stmt = (sa.select(SessionNote.session_id, SessionNote.noted_at, SessionNote.text)
            .where(SessionNote.patient_id == patient_id,
                   SessionNote.shared_with_patient.is_(True))
            .order_by(SessionNote.noted_at, SessionNote.id))
    if session_ids is not None:
        stmt = stmt.where(SessionNote.session_id.in_(session_ids))
    return stmt


def debriefs_held(patient_id: int, session_ids=None) -> sa.Select:
    """That a debrief was held, and when: its text is clinician documentation, not selected."""
    stmt = (sa.select(Debrief.id, Debrief.session_id, Debrief.held_at)
            .where(Debrief.patient_id == patient_id))
    if session_ids is not None:
        stmt = stmt.where(Debrief.session_id.in_(session_ids))
    return stmt


def debrief_tasks(patient_id: int, debrief_ids=None) -> sa.Select:
    """The integration tasks each debrief produced (title only), for the journey."""
    stmt = (sa.select(IntegrationTask.id, IntegrationTask.debrief_id, IntegrationTask.title)
            .where(IntegrationTask.patient_id == patient_id,
                   IntegrationTask.debrief_id.is_not(None), IntegrationTask.active.is_(True))
            .order_by(IntegrationTask.id))
    if debrief_ids is not None:
        stmt = stmt.where(IntegrationTask.debrief_id.in_(debrief_ids))
    return stmt


def session_follow_ups(patient_id: int, session_ids=None) -> sa.Select:
    """Follow-ups tied to sessions: kind, time and outcome (the clinician's note is not selected)."""
    stmt = (sa.select(FollowUp.id, FollowUp.session_id, FollowUp.kind, FollowUp.scheduled_at,
                      FollowUp.outcome)
            .where(FollowUp.patient_id == patient_id, FollowUp.session_id.is_not(None))
            .order_by(FollowUp.scheduled_at))
    if session_ids is not None:
        stmt = stmt.where(FollowUp.session_id.in_(session_ids))
    return stmt


def upcoming_sessions(patient_id: int, now: datetime) -> sa.Select:
    return sessions(patient_id).where(DosingSession.status == "scheduled",
                                      DosingSession.scheduled_at >= now)


def upcoming_follow_ups(patient_id: int, now: datetime) -> sa.Select:
    """Scheduled follow-ups from now on, with the clinician's name (not the note)."""
    return (sa.select(FollowUp.id, FollowUp.kind, FollowUp.scheduled_at, FollowUp.version,
                      User.full_name.label("with_whom"))
            .outerjoin(User, User.id == FollowUp.clinician_id)
            .where(FollowUp.patient_id == patient_id, FollowUp.outcome == "scheduled",
                   FollowUp.scheduled_at >= now)
            .order_by(FollowUp.scheduled_at, FollowUp.id))


# --- reflections -----------------------------------------------------------------------------

def reflections_by_session(patient_id: int, session_ids=None) -> sa.Select:
    """(Reflection, session id) pairs: reflections tied to a session directly, or through a
    task of that session's debrief. Oldest first."""
    session_key = sa.func.coalesce(Reflection.session_id, Debrief.session_id).label("about_session")
    stmt = (sa.select(Reflection, session_key, IntegrationTask.title.label("task_title"))
            .outerjoin(IntegrationTask, IntegrationTask.id == Reflection.task_id)
            .outerjoin(Debrief, Debrief.id == IntegrationTask.debrief_id)
            .options(noload(Reflection.task), selectinload(Reflection.revisions))
            .where(Reflection.patient_id == patient_id, session_key.is_not(None))
            .order_by(Reflection.created_at, Reflection.id))
    if session_ids is not None:
        stmt = stmt.where(session_key.in_(session_ids))
    return stmt


def reflections(patient_id: int, *, task_id: int | None = None, journal_only: bool = False,
                with_history: bool = True) -> sa.Select:
    """The patient's reflections, newest first, with their earlier texts when asked."""
    stmt = (sa.select(Reflection).options(noload(Reflection.task))
            .where(Reflection.patient_id == patient_id)
            .order_by(Reflection.created_at.desc(), Reflection.id.desc()))
    if with_history:
        stmt = stmt.options(selectinload(Reflection.revisions))
    if task_id is not None:
        stmt = stmt.where(Reflection.task_id == task_id)
    if journal_only:
        stmt = stmt.where(Reflection.task_id.is_(None))
    return stmt


def task_reflections(patient_id: int) -> sa.Select:
    """(Reflection, task title) for every reflection on a task, newest first."""
    return (sa.select(Reflection, IntegrationTask.title)
            .join(IntegrationTask, IntegrationTask.id == Reflection.task_id)
            .options(noload(Reflection.task), selectinload(Reflection.revisions))
            .where(Reflection.patient_id == patient_id)
            .order_by(Reflection.created_at.desc(), Reflection.id.desc()))


def revisions(reflection_id: int) -> sa.Select:
    return (sa.select(ReflectionRevision).where(ReflectionRevision.reflection_id == reflection_id)
            .order_by(ReflectionRevision.revised_at.desc(), ReflectionRevision.id.desc()))


# --- integration tasks -----------------------------------------------------------------------

def active_tasks(patient_id: int) -> sa.Select:
    """Tasks of the integration plan still in force, without the clinician's cancel reason."""
    return (sa.select(IntegrationTask)
            .options(load_only(*TASK_COLUMNS, raiseload=True), noload(IntegrationTask.debrief))
            .where(IntegrationTask.patient_id == patient_id, IntegrationTask.active.is_(True))
            .order_by(IntegrationTask.id))


def completions(patient_id: int, task_ids=None, *, since: date | None = None) -> sa.Select:
    stmt = sa.select(TaskCompletion).options(noload(TaskCompletion.task)).where(
        TaskCompletion.patient_id == patient_id)
    if task_ids is not None:
        stmt = stmt.where(TaskCompletion.task_id.in_(task_ids))
    if since is not None:
        stmt = stmt.where(TaskCompletion.occurrence_on >= since)
    return stmt


def recent_marks(patient_id: int, limit: int) -> sa.Select:
    """The newest done/skipped marks with their task's title, for the 'Done' list."""
    return (sa.select(TaskCompletion, IntegrationTask.title)
            .join(IntegrationTask, IntegrationTask.id == TaskCompletion.task_id)
            .options(noload(TaskCompletion.task))
            .where(TaskCompletion.patient_id == patient_id)
            .order_by(TaskCompletion.occurrence_on.desc(), TaskCompletion.id.desc())
            .limit(limit))


# --- questionnaires --------------------------------------------------------------------------

def responses(patient_id: int) -> sa.Select:
    """Completed questionnaires, oldest first, for the chart and the table."""
    return (sa.select(QuestionnaireResponse)
            .where(QuestionnaireResponse.patient_id == patient_id)
            .order_by(QuestionnaireResponse.completed_at, QuestionnaireResponse.id))


def latest_completion_by_instrument(patient_id: int) -> sa.Select:
    """(instrument, newest completed_at): an aggregate in SQL."""
    return (sa.select(QuestionnaireResponse.instrument,
                      sa.func.max(QuestionnaireResponse.completed_at))
            .where(QuestionnaireResponse.patient_id == patient_id)
            .group_by(QuestionnaireResponse.instrument))


def open_assignments(patient_id: int, instrument: str | None = None) -> sa.Select:
    """Questionnaires a clinician asked for that are neither answered nor cancelled."""
    stmt = (sa.select(QuestionnaireAssignment)
            .where(QuestionnaireAssignment.patient_id == patient_id,
                   QuestionnaireAssignment.response_id.is_(None),
                   QuestionnaireAssignment.cancelled_at.is_(None))
            .order_by(QuestionnaireAssignment.assigned_at, QuestionnaireAssignment.id))
    if instrument is not None:
        stmt = stmt.where(QuestionnaireAssignment.instrument == instrument)
    return stmt


# --- who has seen my record ------------------------------------------------------------------

def record_access(patient_id: int) -> sa.Select:
    """Audit events about this patient, newest first. The IP address is never loaded."""
    return (sa.select(AuditEvent)
            .options(load_only(AuditEvent.id, AuditEvent.occurred_at, AuditEvent.action,
                               AuditEvent.record_type, AuditEvent.role, AuditEvent.outcome,
                               AuditEvent.user_id, AuditEvent.patient_id, raiseload=True))
            .where(AuditEvent.patient_id == patient_id)
            .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()))


def record_access_by_others(patient_id: int, own_user_id: int) -> sa.Select:
    """The same without the patient's own events, so what others did is not buried under
    one's own page views."""
    return record_access(patient_id).where(
        sa.or_(AuditEvent.user_id.is_(None), AuditEvent.user_id != own_user_id))
