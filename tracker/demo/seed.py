"""The demo clinic: staff, twelve patients at different points of their journeys, and weeks of
history, all relative to now so the demo always looks current.

`seed_demo_clinic()` adds everything to the session and flushes; `flask seed-demo` commits.
Development only: it refuses in production (and the command refuses a database with data).
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from tracker.auth.passwords import hash_password
from tracker.core.clinic import DEFAULT_CRISIS_TEXT, Clinic
from tracker.core.patients import CareTeamMember, Patient, StatusChange
from tracker.core.users import CLINICIAN, LEAD, PATIENT, User
from tracker.db import utcnow
from tracker.demo.builder import DemoBuilder
from tracker.demo.journeys import JOURNEYS
from tracker.demo.mail import opt_in_reminders
from tracker.extensions import db

CLINIC_NAME = "Harbor Light Ketamine & Integration Clinic"
CLINIC_ADDRESS = "200 Harbor Street, Suite 4\nPortland, ME 04101"
CLINIC_PHONE = "207-555-0100"

# (key, email, full name, role); the first five are the demo logins.
STAFF = (
    ("lead", "lead@demo.test", "Dr. Anita Shah", LEAD),
    ("therapist", "therapist@demo.test", "Dr. Maya Okafor", CLINICIAN),
    ("therapist2", "therapist2@demo.test", "Dr. Ravi Singh", CLINICIAN),
    ("nurse", "lena.park@demo.test", "Lena Park, RN", CLINICIAN),
    ("former", "chris.doyle@demo.test", "Chris Doyle, LCSW", CLINICIAN),
)
STAFF_PHONES = {"lead": "207-555-0110", "therapist": "207-555-0111", "therapist2": "207-555-0112",
                "nurse": "207-555-0113"}
DEMO_LOGINS = ("lead@demo.test", "therapist@demo.test", "therapist2@demo.test",
               "patient@demo.test", "patient2@demo.test")


class SeedRefused(RuntimeError):
    """The demo seed may not run here."""


def is_production(app) -> bool:
    """Production settings: the named environment, or the secure-cookie flag only it sets."""
    return (app.config.get("ENV_NAME") == "production"
            or bool(app.config.get("SESSION_COOKIE_SECURE")))


def refuse_in_production(app) -> None:
    if is_production(app):
        raise SeedRefused("seed-demo refuses to run in production.")


def seed_demo_clinic() -> str:
    """Build the demo clinic in the current transaction; return a summary for the console.

    The password of every demo account is DEMO_PASSWORD, hashed once (argon2 is slow)."""
    app = current_app._get_current_object()
    refuse_in_production(app)
    now = utcnow()
    clinic = Clinic(name=CLINIC_NAME, timezone="America/New_York", crisis_text=DEFAULT_CRISIS_TEXT,
                    # password alone for the README's demo logins; see the README to try
                    # two-factor sign-in on them
                    address=CLINIC_ADDRESS, phone=CLINIC_PHONE,
                    settings={"require_2fa_leads": 0, "require_2fa_clinicians": 0},
                    created_at=now - timedelta(days=120))
    db.session.add(clinic)
    db.session.flush()
    build = DemoBuilder(clinic, now=now)
    password = hash_password(app.config["DEMO_PASSWORD"])

    staff = {}
    for key, email, name, role in STAFF:
        user = User(clinic_id=clinic.id, email=email, full_name=name, role=role,
                    password_hash=password, created_at=build.at(-110), phone=STAFF_PHONES.get(key),
                    last_login_at=build.at(-1, 8, 40))
        staff[key] = user
    former = staff["former"]
    former.active, former.deactivated_at, former.session_epoch = False, build.at(-20, 17), 1
    db.session.add_all(staff.values())
    db.session.flush()
    for user in staff.values():
        build.audit(build.at(-110, 10), staff["lead"], "create", "user", user.id)
    build.audit(former.deactivated_at, staff["lead"], "deactivate", "user", former.id)
    _session_security_story(build, staff)

    patients = []
    for number, story in enumerate(JOURNEYS, start=1):
        patients.append(_patient(build, clinic, staff, password, number, story))

    opt_in_reminders(patients)  # the demo patient gets a daily digest at 18:00
    _refusals(build, staff, patients)
    events = build.write_audit_trail()
    return (f"Seeded the demo clinic {clinic.name!r}: {len(staff)} staff, {len(patients)} patients, "
            f"{events} audit events.\n"
            f"Demo logins (password: {app.config['DEMO_PASSWORD']}): " + ", ".join(DEMO_LOGINS))


def _session_security_story(build: DemoBuilder, staff) -> None:
    """Issue 11 in the demo: the nurse's laptop was lost, so the lead ended her sessions; and
    someone kept guessing therapist2's password yesterday: throttled, never locked out, the
    lead sees the alert in the audit trail and therapist2 gets the notice at next sign-in."""
    nurse, lead, therapist2 = staff["nurse"], staff["lead"], staff["therapist2"]
    build.audit(build.at(-6, 17, 5), nurse, "sign_out", "user", nurse.id)
    nurse.session_epoch = 2
    build.audit(build.at(-3, 9, 12), lead, "end_sessions", "user", nurse.id)
    guesses = 6
    for minute in range(guesses):
        build.audit(build.at(-1, 23, 10 + minute * 4), therapist2, "sign_in", "user",
                    therapist2.id, outcome="failure")
    build.audit(build.at(-1, 23, 26), therapist2, "failed_sign_in_alert", "user", therapist2.id,
                outcome="failure")
    therapist2.failed_logins = guesses


def _refusals(build: DemoBuilder, staff, patients) -> None:
    """What the lead's audit page shows beside the reads and changes: a clinician refused a
    lead's page (403) and a chart outside their care team (404), and a run of failed sign-ins
    with made-up emails (no clinic's; shown to every lead)."""
    build.audit(build.at(-6, 14, 2), staff["therapist2"], "read", "lead.settings", outcome="denied")
    outsider = next((p for p in patients if p.id not in _team_patient_ids(staff["therapist2"])), None)
    if outsider is not None:
        build.audit(build.at(-6, 14, 3), staff["therapist2"], "read", "patient", outsider.id,
                    outsider.id, outcome="denied")
    for minute in range(4):
        build.unclaimed_sign_in_failure(build.at(-2, 3, 10 + minute))


def _team_patient_ids(clinician) -> set[int]:
    return set(db.session.scalars(sa.select(CareTeamMember.patient_id)
                                  .where(CareTeamMember.clinician_id == clinician.id)))


def _patient(build: DemoBuilder, clinic, staff, password, number, story) -> Patient:
    """One patient: account, care team, status history, then their journey's own steps."""
    account = None
    if story.get("email"):
        account = User(clinic_id=clinic.id, email=story["email"],
                       full_name=f"{story['given']} {story['family']}", role=PATIENT,
                       password_hash=None if story.get("invited") else password,
                       created_at=build.at(story["since"]))
        db.session.add(account)
        db.session.flush()
    patient = Patient(
        clinic_id=clinic.id, user_id=account.id if account else None,
        record_number=f"HL-{1000 + number}", given_name=story["given"],
        family_name=story["family"], date_of_birth=date.fromisoformat(story["born"]),
        sex=story.get("sex"),
        email=story.get("email"), phone=f"555-01{number:02d}", weight_kg=Decimal(story["weight"]),
        weighed_on=build.day(story.get("weighed", story["since"])),
        status=story.get("status", "active"), status_reason=story.get("status_reason"),
        created_at=build.at(story["since"]))
    db.session.add(patient)
    db.session.flush()
    team = story["team"]
    members = [CareTeamMember(patient_id=patient.id, clinician_id=staff[key].id, is_primary=i == 0,
                              added_at=build.at(story["since"]), added_by_id=staff["lead"].id)
               for i, key in enumerate(team)]
    db.session.add_all(members)
    db.session.flush()
    build.audit(build.at(story["since"], 9), staff["lead"], "create", "patient", patient.id, patient.id)
    for member in members:
        build.audit(build.at(story["since"], 9, 5), staff["lead"], "add_care_team_member",
                    "care_team_member", member.id, patient.id)
    if patient.status != "active":
        db.session.add(StatusChange(patient_id=patient.id, from_status="active",
                                    to_status=patient.status, reason=story["status_reason"],
                                    changed_by_id=staff[team[0]].id,
                                    changed_at=build.at(story["status_day"], 16)))
        build.audit(build.at(story["status_day"], 16), staff[team[0]], "change_status",
                    "patient", patient.id, patient.id)
    story["journey"](build, patient, account, staff)
    # Charts are read: each team member opened it now and then (reads are audited too).
    for key in team:
        for offset in range(story["since"], 0, 9):
            build.audit(build.at(offset, 8, 15 + number), staff[key], "read", "patient",
                        patient.id, patient.id)
    build.audit(build.at(-3, 11, number), staff["lead"], "read", "patient", patient.id, patient.id)
    if account is not None and account.password_hash:
        for offset in range(story["since"] + 2, 0, 4):
            build.audit(build.at(offset, 19, 30), account, "sign_in", "user", account.id)
            build.audit(build.at(offset, 19, 31), account, "read", "journey", patient.id, patient.id)
    return patient
