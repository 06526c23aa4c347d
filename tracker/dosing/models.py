"""Stage 2: what is recorded during a dosing session (the session itself is in
tracker.core.sessions, since every stage hangs on it)."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import Choice, same_patient_key, utcnow
from tracker.extensions import db

if TYPE_CHECKING:  # names for the annotations; the mapper resolves them by name
    from tracker.core.sessions import DosingSession
    from tracker.core.users import User

class NoteKind(StrEnum):
    OBSERVATION = "observation"
    INTERVENTION = "intervention"
    PATIENT_WORDS = "patient_words"
    ADVERSE_EVENT = "adverse_event"


class VitalPhase(StrEnum):
    PRE_DOSE = "pre_dose"
    DURING = "during"
    PRE_DISCHARGE = "pre_discharge"
    OTHER = "other"


class AdverseEventKind(StrEnum):
    NAUSEA = "nausea"
    VOMITING = "vomiting"
    HYPERTENSION = "hypertension"
    TACHYCARDIA = "tachycardia"
    ANXIETY_PANIC = "anxiety_panic"
    EMERGENCE_REACTION = "emergence_reaction"
    EXCESSIVE_SEDATION = "excessive_sedation"
    RESPIRATORY_DEPRESSION = "respiratory_depression"
    OTHER = "other"


class Severity(StrEnum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


NOTE_KINDS = {"observation": "Observation", "intervention": "Intervention / support",
              "patient_words": "Patient's words", "adverse_event": "Adverse event"}
VITAL_PHASES = {"pre_dose": "Before dosing", "during": "During (about 40 min)",
                "pre_discharge": "Before discharge", "other": "Other"}
ADVERSE_EVENT_KINDS = {
    "nausea": "Nausea", "vomiting": "Vomiting", "hypertension": "Hypertension",
    "tachycardia": "Tachycardia", "anxiety_panic": "Anxiety / panic",
    "emergence_reaction": "Emergence reaction", "excessive_sedation": "Excessive sedation",
    "respiratory_depression": "Respiratory depression", "other": "Other",
}
SEVERITIES = tuple(Severity)
MOAAS_LABELS = {
    5: "5: responds readily to name in normal tone",
    4: "4: lethargic response to name in normal tone",
    3: "3: responds only after name is called loudly or repeatedly",
    2: "2: responds only after mild prodding or shaking",
    1: "1: responds only after painful stimulus",
    0: "0: no response to painful stimulus",
}


class SessionNote(db.Model):
    """A timestamped in-session note; clinician-only unless explicitly shared."""

    __tablename__ = "session_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(index=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    noted_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(Choice(NoteKind, name="note_kind"))
    text: Mapped[str] = mapped_column(sa.Text)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    shared_with_patient: Mapped[bool] = mapped_column(default=False)
    shared_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    session: Mapped[DosingSession] = relationship(
        back_populates="notes", primaryjoin="SessionNote.session_id == DosingSession.id")
    author: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("length(text) <= 10000", name="text_length"),
        same_patient_key("session_id", "dosing_session"),
    )


class VitalSign(db.Model):
    __tablename__ = "vital_sign"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(index=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    measured_at: Mapped[datetime]
    phase: Mapped[str] = mapped_column(Choice(VitalPhase, name="vital_phase"))
    systolic: Mapped[int | None]
    diastolic: Mapped[int | None]
    heart_rate: Mapped[int | None]
    spo2: Mapped[int | None]
    respiratory_rate: Mapped[int | None]
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))

    __table_args__ = (
        sa.CheckConstraint("systolic IS NULL OR systolic BETWEEN 50 AND 300", name="systolic_range"),
        sa.CheckConstraint("diastolic IS NULL OR diastolic BETWEEN 20 AND 200", name="diastolic_range"),
        sa.CheckConstraint("systolic IS NULL OR diastolic IS NULL OR diastolic < systolic",
                           name="diastolic_below_systolic"),
        sa.CheckConstraint("heart_rate IS NULL OR heart_rate BETWEEN 20 AND 250", name="heart_rate_range"),
        sa.CheckConstraint("spo2 IS NULL OR spo2 BETWEEN 50 AND 100", name="spo2_range"),
        sa.CheckConstraint("respiratory_rate IS NULL OR respiratory_rate BETWEEN 2 AND 60",
                           name="respiratory_rate_range"),
        same_patient_key("session_id", "dosing_session"),
    )


class SedationRating(db.Model):
    """MOAA/S (0-5) and an optional dissociation rating (0-10) at a set time."""

    __tablename__ = "sedation_rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(index=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"))
    rated_at: Mapped[datetime]
    moaas: Mapped[int]
    dissociation: Mapped[int | None]
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))

    __table_args__ = (
        sa.CheckConstraint("moaas BETWEEN 0 AND 5", name="moaas_range"),
        sa.CheckConstraint("dissociation IS NULL OR dissociation BETWEEN 0 AND 10",
                           name="dissociation_range"),
        same_patient_key("session_id", "dosing_session"),
    )


class AdverseEvent(db.Model):
    __tablename__ = "adverse_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(index=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    occurred_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(Choice(AdverseEventKind, name="adverse_event_kind"))
    other_text: Mapped[str | None] = mapped_column(sa.String(200))
    severity: Mapped[str] = mapped_column(Choice(Severity, name="severity"))
    action_taken: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))

    __table_args__ = (same_patient_key("session_id", "dosing_session"),)


class Discharge(db.Model):
    """The discharge, saved only when the gates computed from the record are met
    (tracker/dosing/discharge.py). observation_minutes is that computation at the time of
    discharge, kept because the signed record's hash covers it; what the pages show is computed
    from the times. alert_at_baseline and vitals_acceptable were ticked by hand before the gates
    existed; they now record the gates' outcome (vitals_acceptable is False when a clinician
    overrode flag-level last vitals, with the reason and who gave it)."""

    __tablename__ = "discharge"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("dosing_session.id"), unique=True)
    discharged_at: Mapped[datetime]
    observation_minutes: Mapped[int]
    alert_at_baseline: Mapped[bool]
    vitals_acceptable: Mapped[bool]
    escort_present: Mapped[bool]
    escort_name: Mapped[str | None] = mapped_column(sa.String(200))
    no_driving_acknowledged: Mapped[bool]
    vitals_override_reason: Mapped[str | None] = mapped_column(sa.Text)
    vitals_override_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))

    vitals_override_by: Mapped[User | None] = relationship(foreign_keys=[vitals_override_by_id],
                                                           lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("observation_minutes BETWEEN 0 AND 1440", name="observation_range"),
        sa.CheckConstraint("(vitals_override_reason IS NULL) = (vitals_override_by_id IS NULL)",
                           name="vitals_override_whole"),
    )
