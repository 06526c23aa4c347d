"""Builders for dosing-session tests (shared by tests/dosing, tests/signing, tests/integration)."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from tests import factories as make
from tracker.core.clinic import Clinic
from tracker.db import utcnow
from tracker.dosing.models import AdverseEvent, Discharge, SedationRating, SessionNote, VitalSign
from tracker.extensions import db
from tracker.intention.models import Intention

CLINIC_ZONE = ZoneInfo("America/New_York")  # the zone of factories.clinic()


def local(moment: datetime) -> str:
    """How a clinician types `moment` into a datetime-local box (clinic's zone)."""
    return moment.astimezone(CLINIC_ZONE).strftime("%Y-%m-%dT%H:%M")


def form(prefix: str, **values) -> dict:
    """Form data for one of the page's prefixed forms."""
    return {f"{prefix}-{name}": value for name, value in values.items()}


def scheduled_session(patient, clinician, *, checklist: bool = True, intention: bool = True,
                      scheduled_at: datetime | None = None):
    course = make.course(patient)
    session = make.dosing_session(course, clinician=clinician,
                                  scheduled_at=scheduled_at or utcnow() - timedelta(hours=2))
    if intention:
        make.intention(session, clinician, complete_checklist=checklist,
                       goals=("Walk outside three mornings a week", "Call my sister weekly"))
    return session


def dosed_session(patient, clinician, *, medication="ketamine", route="iv", dose="35.00",
                  infusion_minutes=40, ended: bool = True, notes: int = 1):
    """A session that started two hours ago (and ended), with its medication and notes."""
    session = scheduled_session(patient, clinician)
    session.started_at = utcnow() - timedelta(hours=2)
    session.ended_at = utcnow() - timedelta(minutes=70) if ended else None
    session.status = "completed" if ended else "in_progress"
    session.medication, session.route, session.dose_mg = medication, route, Decimal(dose)
    session.weight_kg, session.weighed_on = Decimal("70.0"), make.RECENT_WEIGHING
    session.infusion_minutes = infusion_minutes if route == "iv" else None
    for n in range(notes):
        db.session.add(SessionNote(session_id=session.id, patient_id=session.patient_id,
                                   noted_at=session.started_at + timedelta(minutes=n),
                                   kind="observation", text=f"Observation {n}",
                                   author_id=clinician.id))
    db.session.flush()
    return session


def ready_for_discharge(session, clinician, *, at: datetime | None = None):
    """What the discharge gates ask of an ended session beyond its times: a reading within the
    flag thresholds and MOAA/S 5, both at the end (or `at`)."""
    at = at or session.ended_at
    db.session.add_all([
        VitalSign(session_id=session.id, patient_id=session.patient_id, measured_at=at,
                  phase="pre_discharge", systolic=124, diastolic=78, heart_rate=72, spo2=98,
                  respiratory_rate=14, recorded_by_id=clinician.id),
        SedationRating(session_id=session.id, patient_id=session.patient_id, rated_at=at,
                       moaas=5, recorded_by_id=clinician.id),
    ])
    db.session.flush()
    return session


def full_record(session, clinician, *, rows: int = 3):
    """Add `rows` each of notes, vitals, sedation ratings and adverse events, and a discharge."""
    start = session.started_at
    for n in range(rows):
        at = start + timedelta(minutes=5 * n)
        db.session.add_all([
            SessionNote(session_id=session.id, patient_id=session.patient_id, noted_at=at,
                        kind="patient_words", text=f"Words {n}", author_id=clinician.id),
            VitalSign(session_id=session.id, patient_id=session.patient_id, measured_at=at,
                      phase="during", systolic=120 + n, diastolic=80, heart_rate=70, spo2=98,
                      recorded_by_id=clinician.id),
            SedationRating(session_id=session.id, patient_id=session.patient_id, rated_at=at,
                           moaas=4, dissociation=n % 10, recorded_by_id=clinician.id),
            AdverseEvent(session_id=session.id, patient_id=session.patient_id, occurred_at=at,
                         kind="nausea", severity="mild", action_taken="Ondansetron",
                         recorded_by_id=clinician.id),
        ])
    if db.session.scalar(sa.select(Discharge).where(Discharge.session_id == session.id)) is None:
        db.session.add(Discharge(session_id=session.id, discharged_at=start + timedelta(hours=2),
                                 observation_minutes=120, alert_at_baseline=True,
                                 vitals_acceptable=True, escort_present=True,
                                 escort_name="Sam Escort", no_driving_acknowledged=True,
                                 recorded_by_id=clinician.id))
    db.session.flush()
    return session


def first_note(session) -> SessionNote:
    return db.session.scalar(sa.select(SessionNote).where(SessionNote.session_id == session.id)
                             .order_by(SessionNote.id))


def tag(html: str, element_id: str) -> str:
    """The opening tag of the element with this id (to check its value or attributes)."""
    import re
    match = re.search(rf'<[^>]*\bid="{re.escape(element_id)}"[^>]*>', html)
    assert match, f"no element with id {element_id}"
    return match.group(0)


def clinic_day(offset: int = 0):
    """The clinic's date today (plus `offset` days): what 'today' means to its clinicians."""
    return (utcnow().astimezone(CLINIC_ZONE) + timedelta(days=offset)).date()


def esketamine_session(patient, clinician, *, complete: bool = True):
    """An ended esketamine session (56 mg intranasal). `complete`: everything the REMS form
    reads is recorded (the patient's sex, the clinician's phone, the clinic's address, the
    concomitant medications, a BP per phase, sedation and dissociation ratings, a discharge);
    else only the session itself, with none of those."""
    session = dosed_session(patient, clinician, medication="esketamine", route="intranasal",
                            dose="56.00")
    session.lot_number = "ESK-4711"
    start = session.started_at = utcnow() - timedelta(hours=3)
    session.ended_at = start + timedelta(minutes=130)
    if complete:
        patient.sex = "female"
        clinician.phone = "207-555-0111"
        db.session.get(Clinic, patient.clinic_id).address = "200 Harbor Street, Portland, ME"
        intention = db.session.scalar(sa.select(Intention).where(Intention.session_id == session.id))
        intention.takes_benzodiazepines, intention.takes_sedative_hypnotics = True, False
        intention.takes_psychostimulants = intention.takes_maois = False
        for phase, minute, sys_bp, dia_bp in (("pre_dose", -5, 118, 76), ("during", 25, 150, 92),
                                              ("during", 41, 138, 88),
                                              ("pre_discharge", 120, 124, 78)):
            db.session.add(VitalSign(session_id=session.id, patient_id=session.patient_id,
                                     measured_at=start + timedelta(minutes=minute), phase=phase,
                                     systolic=sys_bp, diastolic=dia_bp, heart_rate=72, spo2=98,
                                     recorded_by_id=clinician.id))
        db.session.add(SedationRating(session_id=session.id, patient_id=session.patient_id,
                                      rated_at=start + timedelta(minutes=30), moaas=4,
                                      dissociation=3, recorded_by_id=clinician.id))
        db.session.add(AdverseEvent(session_id=session.id, patient_id=session.patient_id,
                                    occurred_at=start + timedelta(minutes=20), kind="nausea",
                                    severity="mild", recorded_by_id=clinician.id))
        db.session.add(Discharge(session_id=session.id, discharged_at=session.ended_at,
                                 observation_minutes=130, alert_at_baseline=True,
                                 vitals_acceptable=True, escort_present=True, escort_name="Sam",
                                 no_driving_acknowledged=True, recorded_by_id=clinician.id))
    db.session.flush()
    return session
