"""Stage 4: follow-ups and questionnaires (safety flags live in tracker.core.flags)."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import Choice, ClinicCopy, same_clinic_key, same_patient_key, utcnow
from tracker.extensions import db

if TYPE_CHECKING:  # names for the annotations; the mapper resolves them by name
    from tracker.core.users import User

class FollowUpKind(StrEnum):
    INTEGRATION = "integration"
    CHECK_IN = "check_in"
    BOOSTER_ASSESSMENT = "booster_assessment"
    OTHER = "other"


class FollowUpOutcome(StrEnum):
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    MISSED = "missed"
    CANCELLED = "cancelled"


class Instrument(StrEnum):
    PHQ9 = "phq9"
    GAD7 = "gad7"
    PCL5 = "pcl5"


class ResponseSource(StrEnum):
    PATIENT = "patient"
    CLINICIAN = "clinician"


FOLLOW_UP_KINDS = {"integration": "Integration session", "check_in": "Check-in call",
                   "booster_assessment": "Booster assessment", "other": "Other"}
FOLLOW_UP_OUTCOMES = {"scheduled": "Scheduled", "completed": "Completed", "missed": "Missed",
                      "cancelled": "Cancelled"}
INSTRUMENT_CODES = tuple(Instrument)
RESPONSE_SOURCES = tuple(ResponseSource)


class FollowUp(ClinicCopy, db.Model):
    __tablename__ = "follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"))
    session_id: Mapped[int | None] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(Choice(FollowUpKind, name="follow_up_kind"))
    scheduled_at: Mapped[datetime]
    clinician_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    outcome: Mapped[str] = mapped_column(Choice(FollowUpOutcome, name="follow_up_outcome"),
                                         default=FollowUpOutcome.SCHEDULED)
    completed_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    clinician: Mapped[User | None] = relationship(foreign_keys=[clinician_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.Index("ix_follow_up_completed_at", "completed_at",
                 postgresql_include=["patient_id", "outcome"]),
        sa.Index("ix_follow_up_patient_completed", "patient_id", "completed_at"),
        sa.CheckConstraint("outcome <> 'completed' OR completed_at IS NOT NULL",
                           name="completed_has_time"),
        sa.Index("ix_follow_up_patient_scheduled", "patient_id", "scheduled_at"),
        sa.Index("ix_follow_up_clinic_completed", "clinic_id", "completed_at"),
        same_patient_key("session_id", "dosing_session"),
        same_clinic_key(),
    )


class QuestionnaireResponse(ClinicCopy, db.Model):
    """One completed PHQ-9, GAD-7 or PCL-5, scored by the app (tracker.care.scoring)."""

    __tablename__ = "questionnaire_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"))
    instrument: Mapped[str] = mapped_column(Choice(Instrument, name="instrument"))
    completed_at: Mapped[datetime]
    total: Mapped[int]
    band: Mapped[str] = mapped_column(sa.String(40))
    source: Mapped[str] = mapped_column(Choice(ResponseSource, name="response_source"))
    entered_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    session_id: Mapped[int | None] = mapped_column()

    answers: Mapped[list[QuestionnaireAnswer]] = relationship(
        lazy="raise_on_sql", order_by="QuestionnaireAnswer.item", cascade="all")

    __table_args__ = (
        sa.Index("ix_questionnaire_response_instrument_completed", "instrument", "completed_at",
                 postgresql_include=["patient_id"]),
        sa.UniqueConstraint("id", "instrument"),  # target of the answers' composite key
        sa.CheckConstraint(
            "(instrument = 'phq9' AND total BETWEEN 0 AND 27) OR "
            "(instrument = 'gad7' AND total BETWEEN 0 AND 21) OR "
            "(instrument = 'pcl5' AND total BETWEEN 0 AND 80)", name="total_range"),
        sa.Index("ix_questionnaire_response_patient_instrument", "patient_id", "instrument",
                 "completed_at"),
        sa.Index("ix_questionnaire_response_clinic_instrument", "clinic_id", "instrument",
                 "completed_at"),
        same_patient_key("session_id", "dosing_session"),
        sa.UniqueConstraint("id", "patient_id"),  # the target of the assignments' same_patient_key
        same_clinic_key(),
    )


class QuestionnaireAnswer(db.Model):
    """One item's answer; the instrument is repeated so the database can check the range."""

    __tablename__ = "questionnaire_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column()
    instrument: Mapped[str] = mapped_column(Choice(Instrument, name="answer_instrument"))
    item: Mapped[int]
    value: Mapped[int]

    __table_args__ = (
        sa.ForeignKeyConstraint(["response_id", "instrument"],
                                ["questionnaire_response.id", "questionnaire_response.instrument"],
                                name="fk_questionnaire_answer_response"),
        sa.UniqueConstraint("response_id", "item"),
        sa.CheckConstraint(
            "(instrument = 'phq9' AND item BETWEEN 1 AND 9 AND value BETWEEN 0 AND 3) OR "
            "(instrument = 'gad7' AND item BETWEEN 1 AND 7 AND value BETWEEN 0 AND 3) OR "
            "(instrument = 'pcl5' AND item BETWEEN 1 AND 20 AND value BETWEEN 0 AND 4)",
            name="item_and_value_range"),
    )


class QuestionnaireAssignment(db.Model):
    """A questionnaire a clinician asked the patient to complete (e.g. PCL-5)."""

    __tablename__ = "questionnaire_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    instrument: Mapped[str] = mapped_column(Choice(Instrument, name="assigned_instrument"))
    assigned_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_on: Mapped[date | None]
    response_id: Mapped[int | None] = mapped_column()
    cancelled_at: Mapped[datetime | None]

    __table_args__ = (same_patient_key("response_id", "questionnaire_response"),)
