"""The clinic lead's changes: staff accounts, care teams, clinic settings.

Each service checks its rule, changes the rows, flushes and records the audit event in the
caller's transaction; the view commits. A rule that is not met raises tracker.rules.Refused (422)
with a message the lead can act on; a stale form raises Stale (409).
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.orm.exc import StaleDataError

from tracker.auth.services import deactivate_user, end_sessions, issue_link
from tracker.core.audit.service import record_event
from tracker.core.clinic import DEFAULT_SETTINGS, Clinic
from tracker.core.patients import CareTeamMember, Patient
from tracker.core.users import CLINICIAN, LEAD, User
from tracker.datetext import CLOCKS, DATE_ORDERS
from tracker.dosing.vitals import order_problems
from tracker.extensions import db
from tracker.rules import Refused, Stale

STAFF_ROLES = (LEAD, CLINICIAN)
STALE_SETTINGS = ("Someone else saved the clinic settings since you opened this page, so nothing "
                  "was changed. Your values are in the form below; the values saved meanwhile "
                  "are listed above it. Save again to replace them with yours.")


# --- staff accounts ---------------------------------------------------------------------------

def set_staff_phone(staff: User, phone: str | None, *, by: User) -> None:
    """Record a staff member's work phone (the REMS form names the monitoring clinician's)."""
    staff.phone = (phone or "").strip() or None
    db.session.flush()
    record_event("update", "user", staff.id, user=by)


def create_staff(*, clinic_id: int, full_name: str, email: str, role: str, by: User,
                 phone: str | None = None) -> tuple[User, str]:
    """Create a clinician or lead account without a password; return it and the one-time
    token of its invitation link (shown once, to the lead)."""
    if role not in STAFF_ROLES:
        raise Refused("Choose clinician or clinic lead.")
    email = email.strip().lower()
    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise Refused("An account with this email already exists. Use another address, or "
                      "reactivate or reset the existing account.", status=409)  # the other account
    user = User(clinic_id=clinic_id, email=email, full_name=full_name.strip(), role=role,
                password_hash=None, phone=(phone or "").strip() or None)
    db.session.add(user)
    db.session.flush()
    record_event("create", "user", user.id, user=by)
    token = issue_link(user, "invite", by)
    return user, token


def _active_leads(clinic_id: int) -> sa.Select:
    # FOR UPDATE: two leads deactivating each other at once cannot both pass the check below
    # (PostgreSQL locks the rows; SQLite has one writer at a time anyway).
    return (sa.select(User.id).where(User.clinic_id == clinic_id, User.role == LEAD,
                                     User.active.is_(True)).with_for_update())


def deactivate_staff(staff: User, *, by: User, reason: str) -> int:
    """Deactivate (never delete) a staff account: sign-in refused, every session and unused
    link ends. Refuses one's own account and the clinic's last active lead. Returns how many
    patients are left with no other active clinician on their care team."""
    if not staff.active:
        raise Refused(f"{staff.full_name}'s account is already deactivated.")
    if staff.role == LEAD:
        leads = db.session.scalars(_active_leads(staff.clinic_id)).all()
        if set(leads) <= {staff.id}:
            raise Refused(f"{staff.full_name} is the clinic's last active lead. Make another "
                            "account a clinic lead first.")
    if staff.id == by.id:
        raise Refused("You cannot deactivate your own account. Ask another clinic lead.")
    reason = (reason or "").strip()
    if not reason:
        raise Refused("Give a reason for deactivating the account (for example: left the clinic).")
    deactivate_user(staff, by, reason)
    db.session.flush()
    return db.session.scalar(sa.select(sa.func.count()).select_from(
        patients_left_without_clinician(staff.id).subquery()))


def patients_left_without_clinician(clinician_id: int) -> sa.Select:
    """Patients on this clinician's team with no other active clinician on it."""
    other = aliased(CareTeamMember)
    other_user = aliased(User)
    has_other = (sa.select(other.id).join(other_user, other_user.id == other.clinician_id)
                 .where(other.patient_id == CareTeamMember.patient_id,
                        other.clinician_id != clinician_id, other_user.active.is_(True))
                 .exists())
    return (sa.select(CareTeamMember.patient_id)
            .where(CareTeamMember.clinician_id == clinician_id, ~has_other))


def reactivate_staff(staff: User, *, by: User) -> None:
    """Let a deactivated account sign in again (old sessions stay ended)."""
    if staff.active:
        raise Refused(f"{staff.full_name}'s account is already active.")
    staff.active = True
    staff.deactivated_at = None
    staff.deactivation_reason = None  # the audit trail keeps when it was deactivated
    db.session.flush()
    record_event("reactivate", "user", staff.id, user=by)


def end_staff_sessions(staff: User, *, by: User) -> None:
    """Sign a staff member out on every device (a lost laptop, a shared login suspected)."""
    if staff.id == by.id:
        raise Refused("To end your own sessions, use “Sign out everywhere else” on your "
                      "account page.")
    if not staff.active:
        raise Refused(f"{staff.full_name}'s account is deactivated: it has no sessions.")
    end_sessions(staff, by=by)


def reset_staff_password(staff: User, *, by: User) -> str:
    """A new one-time link to set a password (older unused links are revoked); the token."""
    if not staff.active:
        raise Refused(f"{staff.full_name}'s account is deactivated: reactivate it first.")
    return issue_link(staff, "reset", by)


# --- care teams -------------------------------------------------------------------------------

def _team(patient: Patient) -> list[CareTeamMember]:
    return list(db.session.scalars(
        sa.select(CareTeamMember).where(CareTeamMember.patient_id == patient.id)
        .order_by(CareTeamMember.id).with_for_update(of=CareTeamMember)))


def _usable_clinician(clinic_id: int, clinician_id) -> User:
    user = db.session.scalar(sa.select(User).where(
        User.id == clinician_id, User.clinic_id == clinic_id, User.role == CLINICIAN))
    if user is None:
        raise Refused("Choose a clinician of this clinic.")
    if not user.active:
        raise Refused(f"{user.full_name}'s account is deactivated: reactivate it first.")
    return user


def add_to_care_team(patient: Patient, clinician_id: int, *, by: User) -> CareTeamMember:
    """Put a clinician on the patient's care team (primary if the team is empty)."""
    clinician = _usable_clinician(patient.clinic_id, clinician_id)
    team = _team(patient)
    if any(m.clinician_id == clinician.id for m in team):
        raise Refused(f"{clinician.full_name} is already on {patient.full_name}'s care team.")
    member = CareTeamMember(patient_id=patient.id, clinician_id=clinician.id,
                            is_primary=not any(m.is_primary for m in team), added_by_id=by.id)
    db.session.add(member)
    db.session.flush()
    record_event("add_care_team_member", "care_team_member", member.id, patient_id=patient.id, user=by)
    return member


def remove_from_care_team(patient: Patient, clinician_id: int, *, by: User) -> None:
    """Take a clinician off the team; never the primary, never the last active clinician."""
    team = _team(patient)
    member = next((m for m in team if m.clinician_id == clinician_id), None)
    if member is None:
        raise Refused("That clinician is not on this care team.")
    if member.is_primary:
        raise Refused(f"{member.clinician.full_name} is the primary clinician. Make another "
                        "clinician primary (or transfer the patient) first.")
    if not any(m.clinician.active for m in team if m is not member):
        raise Refused(f"{patient.full_name} would have no active clinician. Add another "
                        "clinician first.")
    record_event("remove_care_team_member", "care_team_member", member.id, patient_id=patient.id,
                 user=by)
    db.session.delete(member)
    db.session.flush()


def set_primary_clinician(patient: Patient, clinician_id: int, *, by: User) -> None:
    """Make a clinician already on the team the primary one."""
    team = _team(patient)
    member = next((m for m in team if m.clinician_id == clinician_id), None)
    if member is None:
        raise Refused("Add the clinician to the care team first.")
    if not member.clinician.active:
        raise Refused(f"{member.clinician.full_name}'s account is deactivated.")
    if member.is_primary:
        raise Refused(f"{member.clinician.full_name} is already the primary clinician.")
    for m in team:
        m.is_primary = m is member
    db.session.flush()
    record_event("set_primary", "care_team_member", member.id, patient_id=patient.id, user=by)


def transfer_patient(patient: Patient, clinician_id: int, *, expected_primary_id,
                     keep_previous: bool, by: User) -> None:
    """Move the patient from their primary clinician to another, who becomes primary; the
    previous one leaves the team unless kept. Refused if the primary changed meanwhile."""
    team = _team(patient)
    current = next((m for m in team if m.is_primary), None)
    current_id = current.clinician_id if current else None
    if str(current_id or "") != str(expected_primary_id or ""):
        raise Stale("The care team changed since you opened this page (the primary "
                        "clinician is no longer the one shown). Nothing was changed; look at the "
                        "current team and transfer again.")
    target = _usable_clinician(patient.clinic_id, clinician_id)
    if current is not None and target.id == current.clinician_id:
        raise Refused(f"{target.full_name} is already the primary clinician.")
    member = next((m for m in team if m.clinician_id == target.id), None)
    if member is None:
        member = CareTeamMember(patient_id=patient.id, clinician_id=target.id, added_by_id=by.id)
        db.session.add(member)
    for m in team:
        m.is_primary = False
    member.is_primary = True
    if current is not None and not keep_previous:
        db.session.delete(current)
    db.session.flush()
    record_event("transfer", "patient", patient.id, patient_id=patient.id, user=by)


# --- settings ---------------------------------------------------------------------------------

def _check_dose_ranges(thresholds: dict[str, int]) -> None:
    """Each ketamine route's usual range is ordered and ends at or below its hard maximum."""
    routes = {key.split("_")[1] for key in DEFAULT_SETTINGS if key.endswith("_mgkg_x100")}
    for route in sorted(routes):
        low, high, hard = (thresholds[f"ketamine_{route}_{bound}_mgkg_x100"]
                           for bound in ("usual_min", "usual_max", "hard_max"))
        if not low <= high <= hard:
            words = {"iv": "IV", "im": "IM"}.get(route, route)
            raise Refused(f"Ketamine {words}: the usual range must be ordered and end at or "
                          "below the hard maximum.")


def update_clinic_settings(clinic: Clinic, *, expected_version, name: str, timezone: str,
                           crisis_text: str, thresholds: dict[str, int], by: User,
                           address: str | None = None, phone: str | None = None,
                           date_order: str | None = None, clock: str | None = None) -> bool:
    """Save the clinic's name, zone, date order and clock, crisis text and thresholds (only values that differ from
    the defaults are stored). Refuses a stale form. Returns False when nothing changed. The
    audit event names the change, never the values."""
    if str(clinic.version) != str(expected_version or ""):
        raise Stale(STALE_SETTINGS)
    unknown = set(thresholds) - set(DEFAULT_SETTINGS)
    if unknown:
        raise Refused(f"Unknown settings: {', '.join(sorted(unknown))}.")
    problems = order_problems(thresholds)
    if problems:
        raise Refused(" ".join(problems.values()))
    _check_dose_ranges(thresholds)
    if (date_order and date_order not in DATE_ORDERS) or (clock and clock not in CLOCKS):
        raise Refused("Choose the dates' order and the clock from the lists.")
    overrides = {k: int(v) for k, v in thresholds.items() if int(v) != DEFAULT_SETTINGS[k]}
    new = {"name": name.strip(), "timezone": timezone, "crisis_text": crisis_text.strip(),
           "address": (address or "").strip() or None, "phone": (phone or "").strip() or None,
           "date_order": date_order or clinic.date_order, "clock": clock or clinic.clock,
           "settings": overrides}
    if all(getattr(clinic, k) == v for k, v in new.items() if k != "settings") \
            and (clinic.settings or {}) == overrides:
        return False
    for key, value in new.items():
        setattr(clinic, key, value)
    try:
        db.session.flush()
    except StaleDataError:
        raise Stale(STALE_SETTINGS) from None
    record_event("update", "clinic_settings", clinic.id, user=by)
    return True
