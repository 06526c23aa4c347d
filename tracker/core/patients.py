"""Patients, their care teams, treatment courses and status history."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from tracker.db import Choice, ClinicCopy, TimestampMixin, same_clinic_key, same_patient_key, utcnow
from tracker.extensions import db

if TYPE_CHECKING:  # names for the annotations; the mapper resolves them by name
    from tracker.core.sessions import DosingSession
    from tracker.core.users import User

class PatientStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    DISCHARGED = "discharged"


class CourseKind(StrEnum):
    INDUCTION = "induction"
    MAINTENANCE = "maintenance"
    BOOSTER = "booster"


class CourseStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    DISCHARGED = "discharged"


class Sex(StrEnum):
    """Sex as the Spravato REMS monitoring form asks it (and "not recorded" is NULL)."""
    FEMALE = "female"
    MALE = "male"
    INTERSEX = "intersex"
    UNDISCLOSED = "undisclosed"


SEXES = {Sex.FEMALE: "Female", Sex.MALE: "Male", Sex.INTERSEX: "Intersex",
         Sex.UNDISCLOSED: "Prefers not to say"}
PATIENT_STATUSES = tuple(PatientStatus)
COURSE_KINDS = tuple(CourseKind)
COURSE_STATUSES = tuple(CourseStatus)


class Patient(TimestampMixin, db.Model):
    __tablename__ = "patient"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), unique=True)
    record_number: Mapped[str] = mapped_column(sa.String(32))
    given_name: Mapped[str] = mapped_column(sa.String(100))
    family_name: Mapped[str] = mapped_column(sa.String(100))
    date_of_birth: Mapped[date]
    sex: Mapped[str | None] = mapped_column(Choice(Sex, name="sex"))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    weight_kg: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 1))
    weighed_on: Mapped[date | None]  # when weight_kg was measured (mg/kg needs a recent one)
    status: Mapped[str] = mapped_column(Choice(PatientStatus, name="patient_status"),
                                        default=PatientStatus.ACTIVE)
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(default=1)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    care_team: Mapped[list[CareTeamMember]] = relationship(
        back_populates="patient", lazy="raise_on_sql", order_by="CareTeamMember.id",
        primaryjoin="CareTeamMember.patient_id == Patient.id",
        foreign_keys="CareTeamMember.patient_id")
    courses: Mapped[list[TreatmentCourse]] = relationship(
        back_populates="patient", lazy="raise_on_sql", order_by="TreatmentCourse.started_on.desc()",
        primaryjoin="TreatmentCourse.patient_id == Patient.id",
        foreign_keys="TreatmentCourse.patient_id")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.UniqueConstraint("clinic_id", "record_number"),
        sa.UniqueConstraint("clinic_id", "id"),  # the target of a session's (clinic, patient) key
        sa.CheckConstraint("weight_kg IS NULL OR (weight_kg >= 20 AND weight_kg <= 350)",
                           name="weight_plausible"),
        sa.Index("ix_patient_clinic_family_name", "clinic_id", "family_name", "given_name"),
    )

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def age_on(self, day: date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def __repr__(self) -> str:
        return f"<Patient {self.id}>"


class CareTeamMember(ClinicCopy, db.Model):
    """A clinician on a patient's care team: the clinician may see and change that record."""

    __tablename__ = "care_team_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"))
    clinician_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    is_primary: Mapped[bool] = mapped_column(default=False)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    patient: Mapped[Patient] = relationship(back_populates="care_team",
                                            primaryjoin="CareTeamMember.patient_id == Patient.id",
                                            foreign_keys=[patient_id])
    clinician: Mapped[User] = relationship(foreign_keys=[clinician_id], lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("patient_id", "clinician_id"),
        # each patient's primary clinician, for one clinic's patients (the continuity rules)
        sa.Index("ix_care_team_member_clinic_primary", "clinic_id", "is_primary", "patient_id",
                 "clinician_id"),
        same_clinic_key(),
    )


class TreatmentCourse(ClinicCopy, TimestampMixin, db.Model):
    """An induction series, maintenance or booster course: the episode of care."""

    __tablename__ = "treatment_course"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    kind: Mapped[str] = mapped_column(Choice(CourseKind, name="course_kind"))
    started_on: Mapped[date]
    planned_sessions: Mapped[int] = mapped_column(default=6)
    status: Mapped[str] = mapped_column(Choice(CourseStatus, name="course_status"),
                                        default=CourseStatus.ACTIVE)
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    patient: Mapped[Patient] = relationship(back_populates="courses",
                                            primaryjoin="TreatmentCourse.patient_id == Patient.id",
                                            foreign_keys=[patient_id])
    sessions: Mapped[list[DosingSession]] = relationship(
        back_populates="course", lazy="raise_on_sql", order_by="DosingSession.scheduled_at",
        primaryjoin="DosingSession.course_id == TreatmentCourse.id")

    __table_args__ = (
        sa.CheckConstraint("planned_sessions BETWEEN 1 AND 60", name="planned_sessions_range"),
        sa.UniqueConstraint("id", "patient_id"),  # the target of the children's same_patient_key
        # each patient's first course, for one clinic's patients (the continuity rules)
        sa.Index("ix_treatment_course_clinic_patient", "clinic_id", "patient_id", "started_on"),
        same_clinic_key(),
    )


class StatusChange(db.Model):
    """Why a patient or a course was paused, resumed or discharged: reasons are never lost."""

    __tablename__ = "status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    course_id: Mapped[int | None] = mapped_column()
    from_status: Mapped[str] = mapped_column(sa.String(20))
    to_status: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.Text)
    changed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    changed_by: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (same_patient_key("course_id", "treatment_course"),)


@sa.event.listens_for(Session, "before_flush")
def _copy_the_clinic(session, _flush_context, _instances) -> None:
    """A new row of a patient's record that names its clinic (tracker.db.ClinicCopy) takes
    its patient's; the key (clinic_id, patient_id) -> patient refuses any other."""
    for obj in session.new:
        if isinstance(obj, ClinicCopy) and obj.clinic_id is None:
            with session.no_autoflush:
                patient = getattr(obj, "patient", None)
                if patient is None and obj.patient_id is not None:
                    patient = session.get(Patient, obj.patient_id)
            if patient is not None:
                obj.clinic_id = patient.clinic_id
