"""Stage 2 rules: starting, recording, discharging and signing a dosing session.

Services check the rules, change the rows, flush and record the audit event in the caller's
transaction; the view commits. Every change first calls ensure_unsigned: a signed record is
corrected by addenda only, whatever the browser sends. What is recorded during the session
(notes, vitals, sedation, adverse events) lives in tracker.dosing.recording.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from tracker.core.audit.service import record_event
from tracker.core.care_team import care_team_clinicians
from tracker.core.records import audit, plain_row
from tracker.core.sessions import DoseCheckOutcome, DosingSession, Medication, Route, SessionStatus
from tracker.core.signing.service import content_hash, ensure_unsigned, sign
from tracker.datetext import show_date, show_time
from tracker.db import utcnow
from tracker.dosing import queries
from tracker.dosing.discharge import GateKey, discharge_gates, observation_minutes, unmet
from tracker.dosing.doses import DoseCheck, DoseOutcome, check_dose
from tracker.dosing.models import Discharge
from tracker.extensions import db
from tracker.intention.readiness import checklist_open
from tracker.rules import Refused, check_version
from tracker.timezones import clinic_style, to_local

SESSION = "This dosing session"
MAX_OBSERVATION_STORED = 1440  # the column's check: a day
# the form field beside which a refusal with this one gate unmet is shown
GATE_FIELDS = {GateKey.ESCORT: "escort_name", GateKey.LAST_VITALS: "vitals_override_reason"}


def _at(value: datetime) -> str:
    local, style = to_local(value), clinic_style()
    return f"{show_time(local, style)} on {show_date(local, style, weekday=True)}"


# --- the session ------------------------------------------------------------------------------

def _check_guide(session: DosingSession, clinician_id: int) -> None:
    team = db.session.scalars(care_team_clinicians(session.patient_id))
    if clinician_id not in {clinician.id for clinician in team}:
        raise Refused("Choose a clinician on the patient's care team.", field="clinician_id")


def start_session(session: DosingSession, *, started_at: datetime, clinician_id: int,
                  room: str | None, override_reason: str | None, user) -> None:
    """Start the session, refusing while the readiness checklist is open unless the clinician
    gives a reason (kept, with who gave it, and audited as an override)."""
    ensure_unsigned(session, SESSION)
    if session.status == SessionStatus.CANCELLED:
        raise Refused("This session was cancelled; it cannot start.")
    if session.started_at is not None:
        raise Refused(f"This session already started at {_at(session.started_at)}.")
    gaps = checklist_open(session)
    if gaps and not override_reason:
        raise Refused("The readiness checklist is open (" + "; ".join(gaps).lower() + "). "
                        "Complete it in the intention, or give a reason to start anyway.",
                        field="override_reason")
    _check_guide(session, clinician_id)
    session.started_at, session.clinician_id = started_at, clinician_id
    session.room = room or None
    session.status = "in_progress"
    if gaps:
        session.checklist_override_reason = override_reason
        session.checklist_override_by_id = user.id
    db.session.flush()
    if gaps:
        audit("override_checklist", "dosing_session", session, user)
    audit("start", "dosing_session", session, user)


def _check_end(started_at: datetime | None, ended_at: datetime | None) -> None:
    if ended_at is not None and started_at is not None and ended_at < started_at:
        raise Refused(f"The end ({_at(ended_at)}) is before the start ({_at(started_at)}).",
                        field="ended_at")


def end_session(session: DosingSession, *, ended_at: datetime, user) -> None:
    """Record the actual end; it cannot come before the start."""
    ensure_unsigned(session, SESSION)
    if session.started_at is None:
        raise Refused("Start the session before ending it.")
    _check_end(session.started_at, ended_at)
    session.ended_at = ended_at
    session.status = "completed"
    db.session.flush()
    audit("end", "dosing_session", session, user)


def update_session_details(session: DosingSession, *, version: int, started_at: datetime,
                           ended_at: datetime | None, clinician_id: int, room: str | None,
                           user) -> None:
    """Correct the times, the guiding clinician or the room of a started session."""
    ensure_unsigned(session, SESSION)
    check_version(session, version)
    if session.started_at is None:
        raise Refused("Start the session first.")
    _check_end(started_at, ended_at)
    _check_guide(session, clinician_id)
    session.started_at, session.ended_at = started_at, ended_at
    session.clinician_id, session.room = clinician_id, room or None
    session.status = "completed" if ended_at else "in_progress"
    discharge = db.session.scalar(sa.select(Discharge).where(Discharge.session_id == session.id))
    if discharge is not None:  # the kept minutes follow a corrected start
        discharge.observation_minutes = min(
            observation_minutes(started_at, discharge.discharged_at), MAX_OBSERVATION_STORED)
    db.session.flush()
    audit("update", "dosing_session", session, user)


def record_medication(session: DosingSession, *, version: int, medication: str, route: str,
                      dose_mg: Decimal, weight_kg: Decimal | None, weighed_on: date | None,
                      infusion_minutes: int | None, lot_number: str | None,
                      confirm_dose: bool = False, dose_reason: str | None = None,
                      user) -> DoseCheck:
    """Record what was given, after the dose check of tracker.dosing.doses: a refused dose is
    never saved; a dose outside the usual range only with an explicit confirmation and a reason
    (kept with who and when, and audited as "confirm_dose"). Esketamine needs its lot number;
    an IV infusion needs its duration, other routes have none. A weight newer than the
    patient's becomes the patient's weight too."""
    ensure_unsigned(session, SESSION)
    check_version(session, version)
    dose_mg = dose_mg.quantize(Decimal("0.01"))
    weight_kg = weight_kg.quantize(Decimal("0.1")) if weight_kg is not None else None
    weighed_on = weighed_on if weight_kg is not None else None
    if medication == Medication.ESKETAMINE and route != Route.INTRANASAL:
        raise Refused("Esketamine is given intranasally (28 mg devices).", field="route")
    if route == Route.IV and infusion_minutes is None:
        raise Refused("Give the infusion time in minutes (commonly 40).", field="infusion_minutes")
    if route != Route.IV and infusion_minutes is not None:
        raise Refused("An infusion time applies to an IV infusion only; leave it empty.",
                        field="infusion_minutes")
    on = to_local(session.started_at or utcnow()).date()
    check = check_dose(medication, route, dose_mg, weight_kg=weight_kg, weighed_on=weighed_on,
                       on=on, settings=user.clinic.thresholds)
    if check.outcome == DoseOutcome.REFUSED:
        raise Refused(check.message, field=check.field)
    if medication == Medication.ESKETAMINE and not lot_number:
        raise Refused("Give the lot number: it is required for esketamine (Spravato).",
                      field="lot_number")
    if check.needs_confirmation and not confirm_dose:
        raise Refused(f"{check.message} To give this dose, tick the confirmation and give the "
                      "reason.", field="confirm_dose")
    if check.needs_confirmation and not dose_reason:
        raise Refused("Give the reason for this dose outside the usual range: it is kept with "
                      "the record.", field="dose_reason")
    session.medication, session.route, session.dose_mg = medication, route, dose_mg
    session.weight_kg, session.weighed_on = weight_kg, weighed_on
    session.infusion_minutes, session.lot_number = infusion_minutes, lot_number or None
    session.dose_check = (DoseCheckOutcome.OUTSIDE_USUAL if check.needs_confirmation
                          else DoseCheckOutcome.USUAL)
    if check.needs_confirmation:
        session.dose_confirmation_reason = dose_reason
        session.dose_confirmed_by_id, session.dose_confirmed_at = user.id, utcnow()
    else:
        session.dose_confirmation_reason = None
        session.dose_confirmed_by_id = session.dose_confirmed_at = None
    db.session.flush()
    audit("record_medication", "dosing_session", session, user)
    if check.needs_confirmation:
        audit("confirm_dose", "dosing_session", session, user)
    _keep_newer_weight(session, weight_kg, weighed_on, user)
    return check


def _keep_newer_weight(session: DosingSession, weight_kg: Decimal | None,
                       weighed_on: date | None, user) -> None:
    """A weight measured at (or for) the session that is newer than the patient's becomes the
    patient's, so the next session starts from it."""
    patient = session.patient
    if weight_kg is None or weighed_on is None:
        return
    if patient.weighed_on is not None and weighed_on <= patient.weighed_on:
        return
    patient.weight_kg, patient.weighed_on = weight_kg, weighed_on
    db.session.flush()
    record_event("update", "patient", patient.id, patient_id=patient.id, user=user)


def record_discharge(session: DosingSession, *, discharged_at: datetime, escort_name: str | None,
                     no_driving_acknowledged: bool, vitals_override_reason: str | None,
                     user) -> Discharge:
    """Record (or correct, before signing) the discharge, once every gate computed from the
    record is met (tracker.dosing.discharge); a refusal names each gate not met. Flag-level
    last vitals pass only with a clinician's reason, kept with who gave it and audited."""
    ensure_unsigned(session, SESSION)
    if session.started_at is None:
        raise Refused("Start the session before recording the discharge.")
    if session.medication is None:
        raise Refused("Record the medication before the discharge.")
    if discharged_at < session.started_at:
        raise Refused(f"The discharge is before the start ({_at(session.started_at)}).",
                      field="discharged_at")
    record = db.session.scalar(queries.session_record(session.id)
                               .execution_options(populate_existing=True))
    gates = discharge_gates(
        record, at=discharged_at, thresholds=user.clinic.thresholds,
        open_flags=db.session.scalars(queries.open_session_flags(session.id)).all(),
        escort_name=escort_name, override_reason=vitals_override_reason, fmt=_at)
    missing = unmet(gates)
    if missing:
        field = GATE_FIELDS.get(missing[0].key) if len(missing) == 1 else None
        raise Refused("Not ready for discharge. " + " ".join(gate.detail for gate in missing),
                      field=field)
    overridden = any(gate.overridden for gate in gates)
    discharge = db.session.scalar(sa.select(Discharge).where(Discharge.session_id == session.id))
    created = discharge is None
    if created:
        discharge = Discharge(session_id=session.id)
        db.session.add(discharge)
    discharge.discharged_at = discharged_at
    discharge.observation_minutes = min(observation_minutes(session.started_at, discharged_at),
                                        MAX_OBSERVATION_STORED)
    discharge.alert_at_baseline, discharge.vitals_acceptable = True, not overridden
    discharge.escort_present, discharge.escort_name = True, escort_name.strip()
    discharge.no_driving_acknowledged = no_driving_acknowledged
    discharge.vitals_override_reason = vitals_override_reason if overridden else None
    discharge.vitals_override_by_id = user.id if overridden else None
    discharge.recorded_by_id = user.id
    db.session.flush()
    record_event("create" if created else "update", "discharge", discharge.id,
                 patient_id=session.patient_id, user=user)
    if overridden:
        record_event("override_vitals", "discharge", discharge.id,
                     patient_id=session.patient_id, user=user)
    return discharge


# --- signing ----------------------------------------------------------------------------------

SESSION_FIELDS = ("id", "course_id", "patient_id", "scheduled_at", "started_at", "ended_at",
                  "clinician_id", "room", "status", "medication", "route", "dose_mg", "weight_kg",
                  "infusion_minutes", "lot_number", "checklist_override_reason",
                  "checklist_override_by_id", "cancel_reason")
# Added with the dose checks: hashed only for a dose saved with a check, so a record signed
# before them still hashes to its stored hash.
DOSE_CHECK_FIELDS = ("weighed_on", "dose_check", "dose_confirmation_reason",
                     "dose_confirmed_by_id", "dose_confirmed_at")
NOTE_FIELDS = ("id", "noted_at", "kind", "text", "author_id", "shared_with_patient", "shared_at")
VITAL_FIELDS = ("id", "measured_at", "phase", "systolic", "diastolic", "heart_rate", "spo2",
                "recorded_by_id")
SEDATION_FIELDS = ("id", "rated_at", "moaas", "dissociation", "recorded_by_id")
ADVERSE_EVENT_FIELDS = ("id", "occurred_at", "kind", "other_text", "severity", "action_taken",
                        "recorded_by_id")
DISCHARGE_FIELDS = ("id", "discharged_at", "observation_minutes", "alert_at_baseline",
                    "vitals_acceptable", "escort_present", "escort_name",
                    "no_driving_acknowledged", "recorded_by_id")
# Fields added after records were first signed: in the signed content only when set, so a record
# signed before they existed still hashes to its stored hash.
LATER_FIELDS = {"vitals": ("respiratory_rate",),
                "discharge": ("vitals_override_reason", "vitals_override_by_id")}


def _row(item, fields: tuple[str, ...], later: tuple[str, ...]) -> dict:
    row = plain_row(item, fields)
    row.update({name: value for name, value in plain_row(item, later).items()
                if value is not None})
    return row


def session_record_content(session: DosingSession) -> dict:
    """The signed content of the in-session record, as plain values, so its hash covers the
    session's fields and every note, vital, sedation rating, adverse event and the discharge.

    Needs the record loaded (queries.SESSION_RECORD). Lists are in id order and values in one
    canonical form (UTC ISO times, two-decimal numbers) so the hash is the same when recomputed
    from the database on any engine."""
    def rows(items, fields, later=()):
        return [_row(item, fields, later) for item in sorted(items, key=lambda item: item.id)]

    session_row = plain_row(session, SESSION_FIELDS)
    if session.dose_check is not None:
        session_row.update(plain_row(session, DOSE_CHECK_FIELDS))
    return {
        "session": session_row,
        "notes": rows(session.notes, NOTE_FIELDS),
        "vitals": rows(session.vitals, VITAL_FIELDS, LATER_FIELDS["vitals"]),
        "sedation_ratings": rows(session.sedation_ratings, SEDATION_FIELDS),
        "adverse_events": rows(session.adverse_events, ADVERSE_EVENT_FIELDS),
        "discharge": (_row(session.discharge, DISCHARGE_FIELDS, LATER_FIELDS["discharge"])
                      if session.discharge else None),
    }


def hash_matches(session: DosingSession) -> bool | None:
    """Whether the signed record still hashes to its stored hash (None if unsigned)."""
    if session.content_hash is None:
        return None
    return content_hash(session_record_content(session)) == session.content_hash


def sign_session_record(session: DosingSession, user) -> None:
    """Sign the in-session record: signer, time and the hash of its content. From then on the
    session and its notes, vitals, ratings, events and discharge are read-only."""
    ensure_unsigned(session, SESSION)
    if session.ended_at is None:
        raise Refused("Record the end of the session before signing it.")
    if session.medication is None:
        raise Refused("Record the medication before signing the session.")
    db.session.flush()
    record = db.session.scalar(queries.session_record(session.id)
                               .execution_options(populate_existing=True))
    sign(record, "dosing_session", session_record_content(record), user)
