"""Stage 2: the dosing session and what is recorded during it."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import Choice, TimestampMixin, utcnow
from tracker.extensions import db

MEDICATIONS = {"ketamine": "Ketamine", "esketamine": "Esketamine"}
ROUTES = {"iv": "IV infusion", "im": "Intramuscular", "intranasal": "Intranasal",
          "sublingual": "Sublingual", "oral": "Oral"}
SESSION_STATUSES = ("scheduled", "in_progress", "completed", "cancelled")
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
SEVERITIES = ("mild", "moderate", "severe")
MOAAS_LABELS = {
    5: "5: responds readily to name in normal tone",
    4: "4: lethargic response to name in normal tone",
    3: "3: responds only after name is called loudly or repeatedly",
    2: "2: responds only after mild prodding or shaking",
    1: "1: responds only after painful stimulus",
    0: "0: no response to painful stimulus",
}


class DosingSession(TimestampMixin, db.Model):
    """The hub of the four stages. Its in-session record is signed, then read-only."""

    __tablename__ = "dosing_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("treatment_course.id"), index=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"))
    scheduled_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    clinician_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    room: Mapped[str | None] = mapped_column(sa.String(60))
    status: Mapped[str] = mapped_column(Choice(*SESSION_STATUSES, name="session_status"),
                                        default="scheduled")
    medication: Mapped[str | None] = mapped_column(Choice(*MEDICATIONS, name="medication"))
    route: Mapped[str | None] = mapped_column(Choice(*ROUTES, name="route"))
    dose_mg: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 2))
    weight_kg: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 1))
    infusion_minutes: Mapped[int | None]
    lot_number: Mapped[str | None] = mapped_column(sa.String(60))
    checklist_override_reason: Mapped[str | None] = mapped_column(sa.Text)
    checklist_override_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    signed_at: Mapped[datetime | None]
    signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    content_hash: Mapped[str | None] = mapped_column(sa.String(64))
    version: Mapped[int] = mapped_column(default=1)

    course = relationship("TreatmentCourse", back_populates="sessions")
    patient = relationship("Patient")
    clinician = relationship("User", foreign_keys=[clinician_id])
    signed_by = relationship("User", foreign_keys=[signed_by_id])
    intention = relationship("Intention", back_populates="session", uselist=False, lazy="raise_on_sql")
    debrief = relationship("Debrief", back_populates="session", uselist=False, lazy="raise_on_sql")
    notes = relationship("SessionNote", back_populates="session", lazy="raise_on_sql",
                         order_by="SessionNote.noted_at")
    vitals = relationship("VitalSign", lazy="raise_on_sql", order_by="VitalSign.measured_at")
    sedation_ratings = relationship("SedationRating", lazy="raise_on_sql",
                                    order_by="SedationRating.rated_at")
    adverse_events = relationship("AdverseEvent", lazy="raise_on_sql",
                                  order_by="AdverseEvent.occurred_at")
    discharge = relationship("Discharge", uselist=False, lazy="raise_on_sql")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.Index("ix_dosing_session_ended_at", "ended_at"),
        sa.CheckConstraint("ended_at IS NULL OR started_at IS NULL OR ended_at >= started_at",
                           name="ends_after_start"),
        sa.CheckConstraint("dose_mg IS NULL OR (dose_mg > 0 AND dose_mg <= 1000)", name="dose_range"),
        sa.CheckConstraint("weight_kg IS NULL OR (weight_kg >= 20 AND weight_kg <= 350)",
                           name="weight_plausible"),
        sa.CheckConstraint("infusion_minutes IS NULL OR infusion_minutes BETWEEN 1 AND 480",
                           name="infusion_minutes_range"),
        sa.CheckConstraint("(signed_at IS NULL) = (signed_by_id IS NULL)", name="signature_whole"),
        sa.Index("ix_dosing_session_patient_scheduled", "patient_id", "scheduled_at"),
        sa.Index("ix_dosing_session_scheduled_at", "scheduled_at"),
    )

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def dose_mg_per_kg(self) -> Decimal | None:
        if self.dose_mg is None or not self.weight_kg:
            return None
        return (self.dose_mg / self.weight_kg).quantize(Decimal("0.01"))


class SessionNote(db.Model):
    """A timestamped in-session note; clinician-only unless explicitly shared."""

    __tablename__ = "session_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("dosing_session.id"), index=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    noted_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(Choice(*NOTE_KINDS, name="note_kind"))
    text: Mapped[str] = mapped_column(sa.Text)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    shared_with_patient: Mapped[bool] = mapped_column(default=False)
    shared_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    session = relationship("DosingSession", back_populates="notes")
    author = relationship("User", lazy="joined")

    __table_args__ = (sa.CheckConstraint("length(text) <= 10000", name="text_length"),)


class VitalSign(db.Model):
    __tablename__ = "vital_sign"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("dosing_session.id"), index=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    measured_at: Mapped[datetime]
    phase: Mapped[str] = mapped_column(Choice(*VITAL_PHASES, name="vital_phase"))
    systolic: Mapped[int | None]
    diastolic: Mapped[int | None]
    heart_rate: Mapped[int | None]
    spo2: Mapped[int | None]
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))

    __table_args__ = (
        sa.CheckConstraint("systolic IS NULL OR systolic BETWEEN 50 AND 300", name="systolic_range"),
        sa.CheckConstraint("diastolic IS NULL OR diastolic BETWEEN 20 AND 200", name="diastolic_range"),
        sa.CheckConstraint("systolic IS NULL OR diastolic IS NULL OR diastolic < systolic",
                           name="diastolic_below_systolic"),
        sa.CheckConstraint("heart_rate IS NULL OR heart_rate BETWEEN 20 AND 250", name="heart_rate_range"),
        sa.CheckConstraint("spo2 IS NULL OR spo2 BETWEEN 50 AND 100", name="spo2_range"),
    )


class SedationRating(db.Model):
    """MOAA/S (0-5) and an optional dissociation rating (0-10) at a set time."""

    __tablename__ = "sedation_rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("dosing_session.id"), index=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"))
    rated_at: Mapped[datetime]
    moaas: Mapped[int]
    dissociation: Mapped[int | None]
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))

    __table_args__ = (
        sa.CheckConstraint("moaas BETWEEN 0 AND 5", name="moaas_range"),
        sa.CheckConstraint("dissociation IS NULL OR dissociation BETWEEN 0 AND 10",
                           name="dissociation_range"),
    )


class AdverseEvent(db.Model):
    __tablename__ = "adverse_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("dosing_session.id"), index=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    occurred_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(Choice(*ADVERSE_EVENT_KINDS, name="adverse_event_kind"))
    other_text: Mapped[str | None] = mapped_column(sa.String(200))
    severity: Mapped[str] = mapped_column(Choice(*SEVERITIES, name="severity"))
    action_taken: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))


class Discharge(db.Model):
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
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))

    __table_args__ = (
        sa.CheckConstraint("observation_minutes BETWEEN 0 AND 1440", name="observation_range"),
    )
