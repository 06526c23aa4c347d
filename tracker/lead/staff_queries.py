"""Reads for the lead's staff and care-team pages. Every query is limited to one clinic."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from tracker.core.access import visible_patients
from tracker.core.patients import CareTeamMember, Patient
from tracker.core.users import CLINICIAN, LEAD, OneTimeLink, User
from tracker.db import utcnow


def staff_list(clinic_id: int) -> sa.Select:
    """Leads and clinicians with how many patients each has (on the team, as primary) and when
    their pending one-time link, if any, expires; active first, then by name."""
    team = (sa.select(sa.func.count(CareTeamMember.id))
            .where(CareTeamMember.clinician_id == User.id).correlate(User).scalar_subquery())
    primary = (sa.select(sa.func.count(CareTeamMember.id))
               .where(CareTeamMember.clinician_id == User.id, CareTeamMember.is_primary)
               .correlate(User).scalar_subquery())
    pending = (sa.select(sa.func.max(OneTimeLink.expires_at))
               .where(OneTimeLink.user_id == User.id, OneTimeLink.used_at.is_(None),
                      OneTimeLink.revoked_at.is_(None), OneTimeLink.expires_at > utcnow())
               .correlate(User).scalar_subquery())
    return (sa.select(User, team.label("team_count"), primary.label("primary_count"),
                      pending.label("link_expires_at"))
            .where(User.clinic_id == clinic_id, User.role.in_((LEAD, CLINICIAN)))
            .order_by(User.active.desc(), User.role.desc(), User.full_name, User.id))


def staff_member(clinic_id: int, staff_id) -> sa.Select:
    """One lead or clinician of the clinic (patients' accounts are not staff)."""
    return sa.select(User).where(User.id == staff_id, User.clinic_id == clinic_id,
                                 User.role.in_((LEAD, CLINICIAN)))


def active_clinicians(clinic_id: int) -> sa.Select:
    """(id, name) of the clinic's active clinicians, for choosing a care-team member."""
    return (sa.select(User.id, User.full_name)
            .where(User.clinic_id == clinic_id, User.role == CLINICIAN, User.active.is_(True))
            .order_by(User.full_name, User.id))


def clinic_clinicians(clinic_id: int) -> sa.Select:
    """(id, name, active) of every clinician of the clinic, for the care-team filter."""
    return (sa.select(User.id, User.full_name, User.active)
            .where(User.clinic_id == clinic_id, User.role == CLINICIAN)
            .order_by(User.active.desc(), User.full_name, User.id))


def care_team_list(user, *, search: str = "", clinician_id: int | None = None,
                   unstaffed: bool = False) -> sa.Select:
    """The patients the lead may see, with their care teams (selectin-loaded, each member's
    clinician joined), by family name. `unstaffed`: only patients without an active clinician."""
    stmt = visible_patients(user).options(
        selectinload(Patient.care_team).joinedload(CareTeamMember.clinician))
    if search:
        term = f"%{search.strip().lower()}%"
        stmt = stmt.where(sa.or_(
            sa.func.lower(Patient.given_name + " " + Patient.family_name).like(term),
            sa.func.lower(Patient.record_number).like(term)))
    if clinician_id is not None:
        stmt = stmt.where(Patient.id.in_(sa.select(CareTeamMember.patient_id)
                                         .where(CareTeamMember.clinician_id == clinician_id)))
    if unstaffed:
        staffed = (sa.select(CareTeamMember.patient_id)
                   .join(User, User.id == CareTeamMember.clinician_id)
                   .where(User.active.is_(True)))
        stmt = stmt.where(Patient.id.not_in(staffed))
    return stmt.order_by(Patient.family_name, Patient.given_name, Patient.id)


def care_team_of(patient_id: int) -> sa.Select:
    """One patient's care team, primary first, each member's clinician joined."""
    return (sa.select(CareTeamMember).where(CareTeamMember.patient_id == patient_id)
            .order_by(CareTeamMember.is_primary.desc(), CareTeamMember.id))
