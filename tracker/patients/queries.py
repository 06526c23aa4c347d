"""Reads of patients: every list starts from access.visible_patients()."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from tracker.care.models import FollowUp, QuestionnaireResponse
from tracker.continuity.attention import ATTENTION_REASONS, attention_condition
from tracker.core.access import visible_patients
from tracker.core.flags import SafetyFlag
from tracker.core.patients import CareTeamMember, Patient, StatusChange, TreatmentCourse
from tracker.core.sessions import DosingSession, SessionStatus
from tracker.core.users import CLINICIAN, User

ANY_ATTENTION = "any"


def _like(term: str) -> str:
    escaped = term.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def patient_list(user, *, search: str = "", status: str = "", attention: str = "",
                 clinic=None, now: datetime | None = None) -> sa.Select:
    """The patients `user` may see, filtered, ordered by family name.

    `attention` is a reason of tracker.continuity.attention.ATTENTION_REASONS, or "any"
    (then `clinic` and `now` are needed)."""
    stmt = visible_patients(user)
    if search.strip():
        term = _like(search)
        stmt = stmt.where(sa.or_(
            sa.func.lower(Patient.given_name + " " + Patient.family_name).like(term, escape="\\"),
            sa.func.lower(Patient.family_name + " " + Patient.given_name).like(term, escape="\\"),
            sa.func.lower(Patient.record_number).like(term, escape="\\"),
        ))
    if status:
        stmt = stmt.where(Patient.status == status)
    if attention:
        reasons = list(ATTENTION_REASONS) if attention == ANY_ATTENTION else [attention]
        stmt = stmt.where(sa.or_(*(attention_condition(r, clinic, now, viewer=user)
                                    for r in reasons)))
    return stmt.order_by(Patient.family_name, Patient.given_name, Patient.id)


def page_summaries(patient_ids: list[int], *, since: datetime) -> sa.Select:
    """Per patient of a list page, in one query: open safety flags, and the next scheduled
    dosing session and follow-up at or after `since` (the start of the clinic's day)."""
    flags = (sa.select(sa.func.count(SafetyFlag.id))
             .where(SafetyFlag.patient_id == Patient.id, SafetyFlag.acknowledged_at.is_(None))
             .correlate(Patient).scalar_subquery())
    next_session = (sa.select(sa.func.min(DosingSession.scheduled_at))
                    .where(DosingSession.patient_id == Patient.id,
                           DosingSession.status == SessionStatus.SCHEDULED, DosingSession.scheduled_at >= since)
                    .correlate(Patient).scalar_subquery())
    next_follow_up = (sa.select(sa.func.min(FollowUp.scheduled_at))
                      .where(FollowUp.patient_id == Patient.id, FollowUp.outcome == "scheduled",
                             FollowUp.scheduled_at >= since)
                      .correlate(Patient).scalar_subquery())
    return sa.select(Patient.id, flags.label("open_flags"), next_session.label("next_session_at"),
                     next_follow_up.label("next_follow_up_at")).where(Patient.id.in_(patient_ids))


# --- the chart --------------------------------------------------------------------------------

def care_team(patient_id: int) -> sa.Select:
    """The care team, primary clinician first (each member's clinician is joined eagerly)."""
    return (sa.select(CareTeamMember).where(CareTeamMember.patient_id == patient_id)
            .order_by(CareTeamMember.is_primary.desc(), CareTeamMember.id))


def open_safety_flags(patient_id: int) -> sa.Select:
    """Safety flags not yet acknowledged, newest first."""
    return (sa.select(SafetyFlag)
            .where(SafetyFlag.patient_id == patient_id, SafetyFlag.acknowledged_at.is_(None))
            .order_by(SafetyFlag.raised_at.desc()))


def courses_with_session_counts(patient_id: int) -> sa.Select:
    """(course, sessions held or scheduled, not cancelled), newest course first."""
    held = (sa.select(sa.func.count(DosingSession.id))
            .where(DosingSession.course_id == TreatmentCourse.id,
                   DosingSession.status != SessionStatus.CANCELLED)
            .correlate(TreatmentCourse).scalar_subquery())
    return (sa.select(TreatmentCourse, held.label("session_count"))
            .where(TreatmentCourse.patient_id == patient_id)
            .order_by(TreatmentCourse.started_on.desc(), TreatmentCourse.id.desc()))


def active_courses(patient_id: int) -> sa.Select:
    return (sa.select(TreatmentCourse)
            .where(TreatmentCourse.patient_id == patient_id, TreatmentCourse.status == "active")
            .order_by(TreatmentCourse.started_on.desc()))


def score_points(patient_id: int) -> sa.Select:
    """Every questionnaire total of the patient, oldest first (for the scores chart)."""
    R = QuestionnaireResponse
    return (sa.select(R.id, R.instrument, R.completed_at, R.total, R.band)
            .where(R.patient_id == patient_id).order_by(R.completed_at, R.id))


def status_history(patient_id: int) -> sa.Select:
    """Pauses, resumptions and discharges of the patient and their courses, newest first."""
    return (sa.select(StatusChange).where(StatusChange.patient_id == patient_id)
            .order_by(StatusChange.changed_at.desc(), StatusChange.id.desc()))


# --- people to choose from --------------------------------------------------------------------

def clinic_clinicians(clinic_id: int) -> sa.Select:
    """Active clinicians of the clinic, by name."""
    return (sa.select(User).where(User.clinic_id == clinic_id, User.role == CLINICIAN,
                                  User.active.is_(True)).order_by(User.full_name, User.id))
