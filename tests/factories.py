"""Small builders for test data; each flushes and returns the object (tests commit if needed)."""
from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from tracker.core.clinic import Clinic
from tracker.core.patients import CareTeamMember, Patient, TreatmentCourse
from tracker.core.sessions import DosingSession
from tracker.core.users import User
from tracker.db import utcnow
from tracker.extensions import db
from tracker.integration.models import Debrief, IntegrationTask
from tracker.intention.models import Goal, Intention, IntentionFocus

PASSWORD = "correct-horse-battery-staple"
_counter = itertools.count(1)
_password_hash_cache: dict[str, str] = {}


def password_hash(password: str = PASSWORD) -> str:
    from tracker.auth.passwords import hash_password
    if password not in _password_hash_cache:
        _password_hash_cache[password] = hash_password(password)
    return _password_hash_cache[password]


def clinic(name: str = "Test Clinic", tz: str = "America/New_York", **settings) -> Clinic:
    """A clinic whose leads sign in with a password alone unless `require_2fa_leads=1` (a new
    clinic's default is to require a second factor: tests/auth/test_two_factor.py)."""
    c = Clinic(name=name, timezone=tz, settings={"require_2fa_leads": 0, **settings})
    db.session.add(c)
    db.session.flush()
    return c


def user(clinic: Clinic, role: str, email: str | None = None, name: str | None = None,
         password: str | None = PASSWORD) -> User:
    n = next(_counter)
    u = User(clinic_id=clinic.id, role=role, email=email or f"{role}{n}@test.example",
             full_name=name or f"{role.title()} {n}",
             password_hash=password_hash(password) if password else None)
    db.session.add(u)
    db.session.flush()
    return u


# A day before today in UTC: never after the clinic's today (its zone is behind UTC), and well
# within the days a ketamine dose check accepts.
RECENT_WEIGHING = utcnow().date() - timedelta(days=1)


def patient(clinic: Clinic, *, clinicians=(), account: User | None = None, given="Pat",
            family: str | None = None, weight="70.0", status="active") -> Patient:
    n = next(_counter)
    p = Patient(clinic_id=clinic.id, user_id=account.id if account else None,
                record_number=f"MRN{n:05d}", given_name=given, family_name=family or f"Testperson{n}",
                date_of_birth=date(1985, 3, 14), weight_kg=Decimal(weight), status=status,
                weighed_on=RECENT_WEIGHING if weight else None)
    db.session.add(p)
    db.session.flush()
    for i, c in enumerate(clinicians):
        db.session.add(CareTeamMember(patient_id=p.id, clinician_id=c.id, is_primary=i == 0))
    db.session.flush()
    return p


def course(p: Patient, *, kind="induction", started_on: date | None = None) -> TreatmentCourse:
    c = TreatmentCourse(patient_id=p.id, kind=kind, started_on=started_on or date.today() - timedelta(days=14))
    db.session.add(c)
    db.session.flush()
    return c


def dosing_session(c: TreatmentCourse, *, clinician: User | None = None,
                   scheduled_at: datetime | None = None, started: bool = False,
                   ended: bool = False, **fields) -> DosingSession:
    at = scheduled_at or utcnow() - timedelta(days=2)
    s = DosingSession(course_id=c.id, patient_id=c.patient_id, scheduled_at=at,
                      clinician_id=clinician.id if clinician else None,
                      started_at=at if started or ended else None,
                      ended_at=at + timedelta(minutes=40) if ended else None,
                      status="completed" if ended else ("in_progress" if started else "scheduled"),
                      **fields)
    db.session.add(s)
    db.session.flush()
    return s


def intention(s: DosingSession, by: User, *, text="To feel less weighed down.",
              goals=("Walk outside three mornings a week",), areas=("depression",),
              complete_checklist: bool = True) -> Intention:
    i = Intention(session_id=s.id, patient_id=s.patient_id, intention_text=text,
                  preparation_notes="Clinician-only preparation note.", recorded_by_id=by.id)
    if complete_checklist:
        i.fasted = i.escort_arranged = i.medications_reviewed = True
        i.consent_on_file = i.baseline_vitals_ok = True
        i.escort_name, i.escort_phone = "Sam Escort", "555-0100"
        i.checklist_completed_at = utcnow()
    db.session.add(i)
    db.session.flush()
    for pos, g in enumerate(goals):
        db.session.add(Goal(intention_id=i.id, position=pos, text=g))
    for a in areas:
        db.session.add(IntentionFocus(intention_id=i.id, area=a))
    db.session.flush()
    return i


def debrief(s: DosingSession, by: User, *, held_at: datetime | None = None) -> Debrief:
    d = Debrief(session_id=s.id, patient_id=s.patient_id, held_at=held_at or utcnow(),
                clinician_id=by.id, emotions="Relief", insights="Noticed self-criticism.")
    db.session.add(d)
    db.session.flush()
    return d


def task(p: Patient, by: User, *, debrief: Debrief | None = None, due_on: date | None = None,
         repeat: str = "none", title="Morning walk", starts_on: date | None = None,
         repeat_until: date | None = None) -> IntegrationTask:
    t = IntegrationTask(patient_id=p.id, debrief_id=debrief.id if debrief else None, title=title,
                        kind="movement", instructions="Ten minutes outside.",
                        starts_on=starts_on or date.today() - timedelta(days=3),
                        due_on=due_on or (date.today() + timedelta(days=2) if repeat == "none" else None),
                        repeat=repeat, repeat_until=repeat_until, created_by_id=by.id)
    db.session.add(t)
    db.session.flush()
    return t


def aware(y, m, d, hh=12, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC)
