"""Stage 1: the intention set before a dosing session, its goals and the readiness checklist."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import Choice, TimestampMixin, same_patient_key
from tracker.extensions import db

if TYPE_CHECKING:  # names for the annotations; the mapper resolves them by name
    from tracker.core.sessions import DosingSession
    from tracker.integration.models import GoalProgress

class FocusArea(StrEnum):
    DEPRESSION = "depression"
    TRAUMA = "trauma"
    ANXIETY = "anxiety"
    GRIEF = "grief"
    SUBSTANCE_USE = "substance_use"
    EXISTENTIAL = "existential"
    OTHER = "other"


FOCUS_AREAS = {
    "depression": "Depression",
    "trauma": "Trauma / PTSD",
    "anxiety": "Anxiety",
    "grief": "Grief",
    "substance_use": "Substance use",
    "existential": "Existential distress",
    "other": "Other",
}

# The readiness checklist: (column, label). All must be true before dosing, or overridden.
CHECKLIST_ITEMS = (
    ("fasted", "Fasted as instructed"),
    ("escort_arranged", "Escort / driver arranged"),
    ("medications_reviewed", "Current medications reviewed"),
    ("consent_on_file", "Consent on file"),
    ("baseline_vitals_ok", "Baseline vitals acceptable"),
)

# Concomitant medications that may cause sedation or blood-pressure changes, asked at the
# readiness check (the Spravato REMS monitoring form reports them): (column, label). Each is
# yes / no, or NULL while not asked.
CONCOMITANT_MEDICATIONS = (
    ("takes_benzodiazepines", "Benzodiazepines"),
    ("takes_sedative_hypnotics", "Non-benzodiazepine sedative hypnotics"),
    ("takes_psychostimulants", "Psychostimulants"),
    ("takes_maois", "Monoamine oxidase inhibitors (MAOIs)"),
)


class Intention(TimestampMixin, db.Model):
    __tablename__ = "intention"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(unique=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    intention_text: Mapped[str] = mapped_column(sa.Text)
    focus_other: Mapped[str | None] = mapped_column(sa.String(200))
    preparation_notes: Mapped[str | None] = mapped_column(sa.Text)  # clinician-only
    # readiness checklist
    fasted: Mapped[bool] = mapped_column(default=False)
    escort_arranged: Mapped[bool] = mapped_column(default=False)
    escort_name: Mapped[str | None] = mapped_column(sa.String(200))
    escort_phone: Mapped[str | None] = mapped_column(sa.String(40))
    medications_reviewed: Mapped[bool] = mapped_column(default=False)
    consent_on_file: Mapped[bool] = mapped_column(default=False)
    baseline_vitals_ok: Mapped[bool] = mapped_column(default=False)
    checklist_completed_at: Mapped[datetime | None]
    # concomitant medications (CONCOMITANT_MEDICATIONS): NULL = not asked
    takes_benzodiazepines: Mapped[bool | None]
    takes_sedative_hypnotics: Mapped[bool | None]
    takes_psychostimulants: Mapped[bool | None]
    takes_maois: Mapped[bool | None]
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)

    session: Mapped[DosingSession] = relationship(
        back_populates="intention", primaryjoin="Intention.session_id == DosingSession.id")
    focus_areas: Mapped[list[IntentionFocus]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="IntentionFocus.area")
    goals: Mapped[list[Goal]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                             order_by="Goal.position")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (same_patient_key("session_id", "dosing_session"),)

    @property
    def checklist_complete(self) -> bool:
        return all(getattr(self, column) for column, _ in CHECKLIST_ITEMS)

    @property
    def open_checklist_items(self) -> list[str]:
        return [label for column, label in CHECKLIST_ITEMS if not getattr(self, column)]


class IntentionFocus(db.Model):
    __tablename__ = "intention_focus"

    id: Mapped[int] = mapped_column(primary_key=True)
    intention_id: Mapped[int] = mapped_column(sa.ForeignKey("intention.id"))
    area: Mapped[str] = mapped_column(Choice(FocusArea, name="focus_area"))

    __table_args__ = (sa.UniqueConstraint("intention_id", "area"),)

    @property
    def label(self) -> str:
        return FOCUS_AREAS[self.area]


class Goal(db.Model):
    """A concrete, observable goal, e.g. "walk outside three mornings a week"."""

    __tablename__ = "goal"

    id: Mapped[int] = mapped_column(primary_key=True)
    intention_id: Mapped[int] = mapped_column(sa.ForeignKey("intention.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(sa.String(500))
    # The same goal at the patient's earlier session: a new intention carries the previous
    # intention's goals forward by default, so a goal's ratings can be followed across
    # sessions. Unique: a goal is carried forward once, so each goal's history is one line.
    carried_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("goal.id"), unique=True)

    # Progress noted at a debrief (stage 3). Named by string, so the intention stage can ask
    # whether a goal has progress without importing the later stage.
    progress_notes: Mapped[list[GoalProgress]] = relationship(viewonly=True, lazy="raise_on_sql")
