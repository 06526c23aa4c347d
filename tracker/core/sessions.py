"""The dosing session: the hub the four stages hang on (intention before it, the in-session
record during it, debrief, tasks and follow-ups after it). Its in-session record is signed,
then read-only; what is recorded during the session lives in tracker.dosing.models."""
from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import Choice, ClinicCopy, TimestampMixin, same_clinic_key, same_patient_key
from tracker.extensions import db

if TYPE_CHECKING:  # names for the annotations; the mapper resolves them by name
    from tracker.core.patients import Patient, TreatmentCourse
    from tracker.core.users import User
    from tracker.dosing.models import (
        AdverseEvent,
        Discharge,
        SedationRating,
        SessionNote,
        VitalSign,
    )
    from tracker.integration.models import Debrief
    from tracker.intention.models import Intention

class Medication(StrEnum):
    KETAMINE = "ketamine"
    ESKETAMINE = "esketamine"


class Route(StrEnum):
    IV = "iv"
    IM = "im"
    INTRANASAL = "intranasal"
    SUBLINGUAL = "sublingual"
    ORAL = "oral"


class DoseCheckOutcome(StrEnum):
    """What the dose check said of the saved dose (tracker.dosing.doses); a refused dose is
    never saved."""
    USUAL = "usual"
    OUTSIDE_USUAL = "outside_usual"


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


MEDICATIONS = {Medication.KETAMINE: "Ketamine", Medication.ESKETAMINE: "Esketamine"}
ROUTES = {Route.IV: "IV infusion", Route.IM: "Intramuscular", Route.INTRANASAL: "Intranasal",
          Route.SUBLINGUAL: "Sublingual", Route.ORAL: "Oral"}
SESSION_STATUSES = tuple(SessionStatus)


class DosingSession(ClinicCopy, TimestampMixin, db.Model):
    """The hub of the four stages. Its in-session record is signed, then read-only."""

    __tablename__ = "dosing_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(index=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"))
    scheduled_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    clinician_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    room: Mapped[str | None] = mapped_column(sa.String(60))
    status: Mapped[str] = mapped_column(Choice(SessionStatus, name="session_status"),
                                        default=SessionStatus.SCHEDULED)
    medication: Mapped[str | None] = mapped_column(Choice(Medication, name="medication"))
    route: Mapped[str | None] = mapped_column(Choice(Route, name="route"))
    dose_mg: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 2))
    weight_kg: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 1))
    weighed_on: Mapped[date | None]  # when the weight used for mg/kg was measured
    dose_check: Mapped[str | None] = mapped_column(Choice(DoseCheckOutcome, name="dose_check"))
    # A dose outside the usual range: the explicit confirmation, its reason, who and when.
    dose_confirmation_reason: Mapped[str | None] = mapped_column(sa.Text)
    dose_confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    dose_confirmed_at: Mapped[datetime | None]
    infusion_minutes: Mapped[int | None]
    lot_number: Mapped[str | None] = mapped_column(sa.String(60))
    checklist_override_reason: Mapped[str | None] = mapped_column(sa.Text)
    checklist_override_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    signed_at: Mapped[datetime | None]
    signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    content_hash: Mapped[str | None] = mapped_column(sa.String(64))
    version: Mapped[int] = mapped_column(default=1)

    # Relationships join on the id alone, so a many-to-one load is still answered from the
    # identity map; the composite keys below hold patient_id equal to the parent's.
    course: Mapped[TreatmentCourse] = relationship(
        back_populates="sessions", primaryjoin="DosingSession.course_id == TreatmentCourse.id")
    patient: Mapped[Patient] = relationship(primaryjoin="DosingSession.patient_id == Patient.id",
                                            foreign_keys="DosingSession.patient_id")
    clinician: Mapped[User | None] = relationship(foreign_keys=[clinician_id])
    signed_by: Mapped[User | None] = relationship(foreign_keys=[signed_by_id])
    dose_confirmed_by: Mapped[User | None] = relationship(foreign_keys=[dose_confirmed_by_id])
    intention: Mapped[Intention | None] = relationship(
        back_populates="session", lazy="raise_on_sql", primaryjoin="Intention.session_id == DosingSession.id")
    debrief: Mapped[Debrief | None] = relationship(
        back_populates="session", lazy="raise_on_sql", primaryjoin="Debrief.session_id == DosingSession.id")
    notes: Mapped[list[SessionNote]] = relationship(
        back_populates="session", lazy="raise_on_sql", order_by="SessionNote.noted_at",
        primaryjoin="SessionNote.session_id == DosingSession.id")
    vitals: Mapped[list[VitalSign]] = relationship(
        lazy="raise_on_sql", order_by="VitalSign.measured_at",
        primaryjoin="VitalSign.session_id == DosingSession.id")
    sedation_ratings: Mapped[list[SedationRating]] = relationship(
        lazy="raise_on_sql", order_by="SedationRating.rated_at",
        primaryjoin="SedationRating.session_id == DosingSession.id")
    adverse_events: Mapped[list[AdverseEvent]] = relationship(
        lazy="raise_on_sql", order_by="AdverseEvent.occurred_at",
        primaryjoin="AdverseEvent.session_id == DosingSession.id")
    discharge: Mapped[Discharge | None] = relationship(lazy="raise_on_sql")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.Index("ix_dosing_session_ended_at", "ended_at",
                 postgresql_include=["patient_id", "status"]),
        sa.CheckConstraint("ended_at IS NULL OR started_at IS NULL OR ended_at >= started_at",
                           name="ends_after_start"),
        sa.CheckConstraint("dose_mg IS NULL OR (dose_mg > 0 AND dose_mg <= 1000)", name="dose_range"),
        sa.CheckConstraint("weight_kg IS NULL OR (weight_kg >= 20 AND weight_kg <= 350)",
                           name="weight_plausible"),
        sa.CheckConstraint("infusion_minutes IS NULL OR infusion_minutes BETWEEN 1 AND 480",
                           name="infusion_minutes_range"),
        sa.CheckConstraint("(signed_at IS NULL) = (signed_by_id IS NULL)", name="signature_whole"),
        sa.CheckConstraint("(dose_confirmed_at IS NULL) = (dose_confirmed_by_id IS NULL) AND "
                           "(dose_confirmed_at IS NULL) = (dose_confirmation_reason IS NULL)",
                           name="dose_confirmation_whole"),
        sa.CheckConstraint("dose_check IS NULL OR dose_check <> 'outside_usual' "
                           "OR dose_confirmed_at IS NOT NULL", name="outside_usual_confirmed"),
        sa.Index("ix_dosing_session_patient_scheduled", "patient_id", "scheduled_at"),
        sa.Index("ix_dosing_session_patient_started", "patient_id", "started_at",
                 postgresql_include=["status"]),
        sa.Index("ix_dosing_session_scheduled_at", "scheduled_at"),
        sa.Index("ix_dosing_session_clinic_scheduled", "clinic_id", "scheduled_at"),
        sa.Index("ix_dosing_session_clinic_ended", "clinic_id", "ended_at"),
        same_clinic_key(),
        same_patient_key("course_id", "treatment_course"),
        sa.UniqueConstraint("id", "patient_id"),  # the target of the children's same_patient_key
    )

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def dose_mg_per_kg(self) -> Decimal | None:
        if self.dose_mg is None or not self.weight_kg:
            return None
        # rounded as the dose check rounds it (tracker.dosing.doses.mg_per_kg)
        return (self.dose_mg / self.weight_kg).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
