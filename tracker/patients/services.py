"""Changes to patients, care teams, treatment courses and the dosing-session schedule.

Services validate the business rules, change rows, flush, and record the audit event in the
same transaction; the view commits. A refused change raises Refused (its message is safe
to show, `field` names the form field it belongs beside, if any).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tracker.auth.services import issue_link
from tracker.core.audit.service import record_event
from tracker.core.patients import SEXES, CareTeamMember, Patient, StatusChange, TreatmentCourse
from tracker.core.sessions import DosingSession
from tracker.core.users import CLINICIAN, PATIENT, User
from tracker.db import utcnow
from tracker.extensions import db
from tracker.rules import Refused, check_version
from tracker.timezones import clinic_today

# Allowed moves, from -> to. Every move needs a reason; nothing is ever deleted.
PATIENT_MOVES = {"active": ("paused", "discharged"), "paused": ("active", "discharged"),
                 "discharged": ("active",)}
COURSE_MOVES = {"active": ("paused", "completed", "discharged"),
                "paused": ("active", "completed", "discharged"),
                "completed": (), "discharged": ()}
MOVE_LABELS = {"active": "Resume", "paused": "Pause", "discharged": "Discharge",
               "completed": "Complete"}


@dataclass
class PatientDetails:
    given_name: str
    family_name: str
    date_of_birth: date
    record_number: str
    email: str | None = None
    phone: str | None = None
    weight_kg: Decimal | None = None
    weighed_on: date | None = None
    sex: str | None = None
    care_team_ids: list[int] = field(default_factory=list)


# --- patients ---------------------------------------------------------------------------------

def _ensure_record_number_free(clinic_id: int, record_number: str, patient_id: int | None) -> None:
    stmt = sa.select(Patient.id).where(
        Patient.clinic_id == clinic_id,
        sa.func.lower(Patient.record_number) == record_number.lower())
    if patient_id is not None:
        stmt = stmt.where(Patient.id != patient_id)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise Refused("Another patient of this clinic has this record number.",
                            field="record_number")


def _apply_details(patient: Patient, details: PatientDetails) -> None:
    patient.given_name = details.given_name.strip()
    patient.family_name = details.family_name.strip()
    patient.date_of_birth = details.date_of_birth
    patient.record_number = details.record_number.strip()
    patient.email = (details.email or "").strip().lower() or None
    patient.phone = (details.phone or "").strip() or None
    if details.sex and details.sex not in SEXES:
        raise Refused("Choose the sex from the list.", field="sex")
    patient.sex = details.sex or None
    weight = details.weight_kg.quantize(Decimal("0.1")) if details.weight_kg is not None else None
    patient.weighed_on = _weighed_on(patient, weight, details.weighed_on)
    patient.weight_kg = weight


def _weighed_on(patient: Patient, weight: Decimal | None, typed: date | None) -> date | None:
    """When the weight was measured (ketamine's mg/kg check needs a recent one): as typed, or
    today for a new or changed weight whose date was left empty or left as the old weight's."""
    if weight is None:
        return None
    if weight != patient.weight_kg and typed in (None, patient.weighed_on):
        return clinic_today()
    return typed or patient.weighed_on or clinic_today()


def _clinic_clinician_ids(clinic_id: int, ids) -> set[int]:
    wanted = {int(i) for i in ids}
    if not wanted:
        return set()
    found = set(db.session.scalars(sa.select(User.id).where(
        User.id.in_(wanted), User.clinic_id == clinic_id, User.role == CLINICIAN,
        User.active.is_(True))))
    if found != wanted:
        raise Refused("Choose clinicians of this clinic only.", field="care_team")
    return found


def _flush_unique(field_name: str, message: str) -> None:
    """Flush inside a savepoint: a unique-constraint race becomes a field message, not a 500."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Refused(message, field=field_name) from None


def add_patient(details: PatientDetails, *, by: User) -> Patient:
    """Add a patient to `by`'s clinic; `by` becomes the primary clinician of the care team."""
    _ensure_record_number_free(by.clinic_id, details.record_number.strip(), None)
    others = _clinic_clinician_ids(by.clinic_id, details.care_team_ids) - {by.id}
    patient = Patient(clinic_id=by.clinic_id, status="active")
    _apply_details(patient, details)
    db.session.add(patient)
    _flush_unique("record_number", "Another patient of this clinic has this record number.")
    record_event("create", "patient", patient.id, patient_id=patient.id, user=by)
    _add_members(patient, [by.id, *sorted(others)], by=by, primary=by.id)
    return patient


def _add_members(patient: Patient, clinician_ids, *, by: User, primary: int | None = None) -> None:
    members = [CareTeamMember(patient_id=patient.id, clinician_id=cid, is_primary=cid == primary,
                              added_by_id=by.id) for cid in clinician_ids]
    db.session.add_all(members)
    db.session.flush()
    for member in members:
        record_event("add_care_team_member", "care_team_member", member.id,
                     patient_id=patient.id, user=by)


def update_patient(patient: Patient, details: PatientDetails, *, expected_version, by: User) -> None:
    """Save edited demographics and the care team, refusing a stale form.

    The editing clinician and the primary clinician stay on the team; others are added or
    removed as ticked."""
    check_version(patient, expected_version)
    _ensure_record_number_free(patient.clinic_id, details.record_number.strip(), patient.id)
    wanted = _clinic_clinician_ids(patient.clinic_id, details.care_team_ids)
    _apply_details(patient, details)
    patient.updated_at = utcnow()  # always an UPDATE, so the version moves even for team-only edits
    _flush_unique("record_number", "Another patient of this clinic has this record number.")
    record_event("update", "patient", patient.id, patient_id=patient.id, user=by)

    members = db.session.scalars(sa.select(CareTeamMember)
                                 .where(CareTeamMember.patient_id == patient.id)).all()
    keep = {m.clinician_id for m in members if m.is_primary} | {by.id}
    current = {m.clinician_id for m in members}
    for member in members:
        if member.clinician_id not in wanted | keep:
            record_event("remove_care_team_member", "care_team_member", member.id,
                         patient_id=patient.id, user=by)
            db.session.delete(member)
    _add_members(patient, sorted(wanted - current), by=by)


def change_patient_status(patient: Patient, to_status: str, reason: str, *, by: User) -> StatusChange:
    """Pause, resume or discharge a patient; the reason is kept in a StatusChange row."""
    change = _status_change(patient.status, to_status, reason, PATIENT_MOVES, "patient")
    change.patient_id = patient.id
    change.changed_by_id = by.id
    patient.status, patient.status_reason = to_status, change.reason
    db.session.add(change)
    db.session.flush()
    record_event("change_status", "patient", patient.id, patient_id=patient.id, user=by)
    return change


def _status_change(current: str, to_status: str, reason: str, moves: dict, what: str) -> StatusChange:
    reason = (reason or "").strip()
    if not reason:
        raise Refused("Give a reason: it is kept with the record.", field="reason")
    if to_status not in moves.get(current, ()):
        raise Refused(f"A {current} {what} cannot be set to {to_status}.", field="to_status")
    return StatusChange(from_status=current, to_status=to_status, reason=reason)


def invite_to_portal(patient: Patient, *, by: User) -> str:
    """Give the patient a portal account (if none yet) and a fresh one-time invitation link.

    Returns the token, to be shown once; issuing it revokes every older unused link."""
    if patient.status == "discharged":
        raise Refused("This patient is discharged; resume them before inviting.")
    if not patient.email:
        raise Refused("Add the patient's email address (Edit details) before inviting.")
    user = db.session.get(User, patient.user_id) if patient.user_id else None
    taken = db.session.scalar(sa.select(User.id).where(User.email == patient.email))
    if user is None:
        if taken is not None:
            raise Refused("Another account already uses this email address.")
        user = User(clinic_id=patient.clinic_id, email=patient.email, full_name=patient.full_name,
                    role=PATIENT, password_hash=None)
        db.session.add(user)
        db.session.flush()
        patient.user_id = user.id
        record_event("create", "user", user.id, patient_id=patient.id, user=by)
    elif not user.active:
        raise Refused("This patient's portal account is deactivated; ask your clinic lead.")
    elif user.password_hash is None and user.email != patient.email:
        if taken is not None:
            raise Refused("Another account already uses this email address.")
        user.email = patient.email  # not yet redeemed: the invitation follows the corrected address
    token = issue_link(user, "invite", by)
    record_event("invite", "patient", patient.id, patient_id=patient.id, user=by)
    return token


# --- treatment courses and the schedule -------------------------------------------------------

def add_course(patient: Patient, *, kind: str, started_on: date, planned_sessions: int,
               by: User) -> TreatmentCourse:
    """Start a treatment course (induction, maintenance or booster) for an active patient."""
    if patient.status != "active":
        raise Refused(f"This patient is {patient.status}; resume them before adding a course.")
    course = TreatmentCourse(patient_id=patient.id, kind=kind, started_on=started_on,
                             planned_sessions=planned_sessions, created_by_id=by.id)
    db.session.add(course)
    db.session.flush()
    record_event("create", "treatment_course", course.id, patient_id=patient.id, user=by)
    return course


def change_course_status(course: TreatmentCourse, to_status: str, reason: str, *,
                         by: User) -> StatusChange:
    """Pause, resume, complete or discharge a course, with a reason."""
    change = _status_change(course.status, to_status, reason, COURSE_MOVES, "course")
    change.patient_id, change.course_id, change.changed_by_id = course.patient_id, course.id, by.id
    course.status, course.status_reason = to_status, change.reason
    db.session.add(change)
    db.session.flush()
    record_event("change_status", "treatment_course", course.id, patient_id=course.patient_id,
                 user=by)
    return change


def schedule_session(patient: Patient, *, course_id: int, scheduled_at: datetime,
                     clinician_id: int, room: str | None, by: User) -> DosingSession:
    """Put a dosing session on the schedule of an active course, guided by a care-team clinician."""
    if patient.status != "active":
        raise Refused(f"This patient is {patient.status}; resume them before scheduling.")
    course = db.session.scalar(sa.select(TreatmentCourse).where(
        TreatmentCourse.id == course_id, TreatmentCourse.patient_id == patient.id))
    if course is None or course.status != "active":
        raise Refused("Choose an active course of this patient.", field="course_id")
    on_team = db.session.scalar(
        sa.select(CareTeamMember.id).join(User, User.id == CareTeamMember.clinician_id)
        .where(CareTeamMember.patient_id == patient.id, CareTeamMember.clinician_id == clinician_id,
               User.active.is_(True), User.clinic_id == patient.clinic_id))
    if on_team is None:
        raise Refused("Choose a clinician on this patient's care team.", field="clinician_id")
    session = DosingSession(course_id=course.id, patient_id=patient.id, scheduled_at=scheduled_at,
                            clinician_id=clinician_id, room=(room or "").strip() or None,
                            status="scheduled")
    db.session.add(session)
    db.session.flush()
    record_event("schedule", "dosing_session", session.id, patient_id=patient.id, user=by)
    return session
