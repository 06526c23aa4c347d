"""What is recorded during a dosing session: notes, vitals, sedation ratings, adverse events.

Each service refuses once the session is signed, flushes and audits in the caller's
transaction. Alert-level vitals and severe adverse events raise a safety flag (once per
reading or event: tracker.core.flags.raise_flag is idempotent).
"""
from __future__ import annotations

from datetime import datetime

from tracker.core.flags import raise_flag
from tracker.core.records import audit
from tracker.core.sessions import DosingSession
from tracker.core.signing.service import ensure_unsigned
from tracker.db import utcnow
from tracker.dosing.models import (
    ADVERSE_EVENT_KINDS,
    AdverseEvent,
    SedationRating,
    SessionNote,
    VitalSign,
)
from tracker.dosing.services import SESSION
from tracker.dosing.vitals import Finding, alerts, classify_vitals
from tracker.extensions import db
from tracker.rules import Refused


def _own_note(session: DosingSession, note: SessionNote) -> None:
    if note.session_id != session.id:  # the route matched ids already; belt and braces
        raise Refused("This note belongs to another session.")


def add_session_note(session: DosingSession, *, noted_at: datetime, kind: str, text: str,
                     user) -> SessionNote:
    """Add a timestamped in-session note (clinician-only until shared)."""
    ensure_unsigned(session, SESSION)
    note = SessionNote(session_id=session.id, patient_id=session.patient_id, noted_at=noted_at,
                       kind=kind, text=text, author_id=user.id)
    db.session.add(note)
    db.session.flush()
    audit("create", "session_note", note, user)
    return note


def update_session_note(session: DosingSession, note: SessionNote, *, noted_at: datetime,
                        kind: str, text: str, user) -> None:
    """Correct a note: allowed until the session record is signed."""
    ensure_unsigned(session, SESSION)
    _own_note(session, note)
    note.noted_at, note.kind, note.text = noted_at, kind, text
    db.session.flush()
    audit("update", "session_note", note, user)


def share_session_note(session: DosingSession, note: SessionNote, *, shared: bool, user) -> None:
    """Share a note with the patient (they see it in their portal), or take it back, until the
    record is signed."""
    ensure_unsigned(session, SESSION)
    _own_note(session, note)
    if note.shared_with_patient == shared:
        return
    note.shared_with_patient = shared
    note.shared_at = utcnow() if shared else None
    db.session.flush()
    audit("share" if shared else "unshare", "session_note", note, user)


def record_vitals(session: DosingSession, *, measured_at: datetime, phase: str,
                  systolic: int | None, diastolic: int | None, heart_rate: int | None,
                  spo2: int | None, respiratory_rate: int | None = None,
                  user) -> tuple[VitalSign, list[Finding]]:
    """Record a reading and classify it by the clinic's thresholds; an alert-level reading
    raises one safety flag."""
    ensure_unsigned(session, SESSION)
    vital = VitalSign(session_id=session.id, patient_id=session.patient_id,
                      measured_at=measured_at, phase=phase, systolic=systolic,
                      diastolic=diastolic, heart_rate=heart_rate, spo2=spo2,
                      respiratory_rate=respiratory_rate, recorded_by_id=user.id)
    db.session.add(vital)
    db.session.flush()
    audit("create", "vital_sign", vital, user)
    findings = classify_vitals(vital, user.clinic.thresholds)
    alarming = alerts(findings)
    if alarming:
        raise_flag(patient_id=session.patient_id, source="vital_alert", source_id=vital.id,
                   session_id=session.id, user=user,
                   summary="Alert-level vital sign: " + " ".join(m for _, _, m in alarming))
    return vital, findings


def record_sedation(session: DosingSession, *, rated_at: datetime, moaas: int,
                    dissociation: int | None, user) -> SedationRating:
    """Record a MOAA/S score (0-5) and, optionally, a dissociation rating (0-10)."""
    ensure_unsigned(session, SESSION)
    rating = SedationRating(session_id=session.id, patient_id=session.patient_id,
                            rated_at=rated_at, moaas=moaas, dissociation=dissociation,
                            recorded_by_id=user.id)
    db.session.add(rating)
    db.session.flush()
    audit("create", "sedation_rating", rating, user)
    return rating


def record_adverse_event(session: DosingSession, *, occurred_at: datetime, kind: str,
                         other_text: str | None, severity: str, action_taken: str | None,
                         user) -> AdverseEvent:
    """Record an adverse event; a severe one raises a safety flag."""
    ensure_unsigned(session, SESSION)
    if kind == "other" and not other_text:
        raise Refused("Say what the event was.", field="other_text")
    event = AdverseEvent(session_id=session.id, patient_id=session.patient_id,
                         occurred_at=occurred_at, kind=kind,
                         other_text=other_text if kind == "other" else None, severity=severity,
                         action_taken=action_taken or None, recorded_by_id=user.id)
    db.session.add(event)
    db.session.flush()
    audit("create", "adverse_event", event, user)
    if severity == "severe":
        what = other_text if kind == "other" else ADVERSE_EVENT_KINDS[kind]
        raise_flag(patient_id=session.patient_id, source="adverse_event", source_id=event.id,
                   session_id=session.id, user=user, summary=f"Severe adverse event: {what}.")
    return event
