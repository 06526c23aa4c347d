"""Stage 3: the debrief, the integration plan (tasks), and the patient's reflections."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import Choice, ClinicCopy, TimestampMixin, same_clinic_key, same_patient_key, utcnow
from tracker.extensions import db

if TYPE_CHECKING:  # names for the annotations; the mapper resolves them by name
    from tracker.core.sessions import DosingSession
    from tracker.core.users import User
    from tracker.intention.models import Goal

class TaskKind(StrEnum):
    MINDFULNESS = "mindfulness"
    JOURNALING = "journaling"
    NEW_HABIT = "new_habit"
    ROUTINE = "routine"
    READING = "reading"
    MOVEMENT = "movement"
    CONNECTION = "connection"
    OTHER = "other"


class TaskRepeat(StrEnum):
    NONE = "none"
    DAILY = "daily"
    WEEKLY = "weekly"


class MarkOutcome(StrEnum):
    DONE = "done"
    SKIPPED = "skipped"


TASK_KINDS = {
    "mindfulness": "Mindfulness", "journaling": "Journaling", "new_habit": "New habit",
    "routine": "Routine", "reading": "Reading", "movement": "Movement",
    "connection": "Connection", "other": "Other",
}
REPEATS = {"none": "Once", "daily": "Daily", "weekly": "Weekly"}
TASK_OUTCOMES = tuple(MarkOutcome)


class Debrief(ClinicCopy, TimestampMixin, db.Model):
    """The conversation after a session; signed like the in-session record."""

    __tablename__ = "debrief"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(unique=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    held_at: Mapped[datetime]
    clinician_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    emotions: Mapped[str | None] = mapped_column(sa.Text)
    insights: Mapped[str | None] = mapped_column(sa.Text)
    what_surfaced: Mapped[str | None] = mapped_column(sa.Text)
    relation_to_intention: Mapped[str | None] = mapped_column(sa.Text)
    signed_at: Mapped[datetime | None]
    signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    content_hash: Mapped[str | None] = mapped_column(sa.String(64))
    version: Mapped[int] = mapped_column(default=1)

    session: Mapped[DosingSession] = relationship(
        back_populates="debrief", primaryjoin="Debrief.session_id == DosingSession.id")
    clinician: Mapped[User] = relationship(foreign_keys=[clinician_id])
    signed_by: Mapped[User | None] = relationship(foreign_keys=[signed_by_id])
    goal_progress: Mapped[list[GoalProgress]] = relationship(cascade="all, delete-orphan",
                                                             lazy="selectin")
    tasks: Mapped[list[IntegrationTask]] = relationship(
        back_populates="debrief", lazy="raise_on_sql", order_by="IntegrationTask.id",
        primaryjoin="IntegrationTask.debrief_id == Debrief.id")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.Index("ix_debrief_held_at", "held_at", postgresql_include=["patient_id"]),
        sa.CheckConstraint("(signed_at IS NULL) = (signed_by_id IS NULL)", name="signature_whole"),
        sa.Index("ix_debrief_clinic_held", "clinic_id", "held_at"),
        same_patient_key("session_id", "dosing_session"),
        sa.UniqueConstraint("id", "patient_id"),  # the target of the tasks' same_patient_key
        same_clinic_key(),
    )

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


# How far a goal has come, rated at each debrief: a five-step worded scale (in the manner of
# goal attainment scaling), so a clinician rates in words and a chart can plot numbers.
GOAL_RATINGS = {
    1: "Not started",
    2: "A little progress",
    3: "Some progress",
    4: "Much progress",
    5: "Achieved",
}
LOWEST_RATING, HIGHEST_RATING = min(GOAL_RATINGS), max(GOAL_RATINGS)


class GoalProgress(db.Model):
    """A goal's progress at one debrief: a rating on GOAL_RATINGS and/or a note. Rows from
    before the ratings (migration 0014) have a note and no rating."""

    __tablename__ = "goal_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    debrief_id: Mapped[int] = mapped_column(sa.ForeignKey("debrief.id"))
    goal_id: Mapped[int] = mapped_column(sa.ForeignKey("goal.id"))
    rating: Mapped[int | None] = mapped_column(sa.SmallInteger)
    note: Mapped[str | None] = mapped_column(sa.Text)

    goal: Mapped[Goal] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("debrief_id", "goal_id"),
        sa.CheckConstraint(f"rating IS NULL OR rating BETWEEN {LOWEST_RATING} AND {HIGHEST_RATING}",
                           name="rating_range"),
        sa.CheckConstraint("rating IS NOT NULL OR note IS NOT NULL", name="rating_or_note"),
    )

    @property
    def rating_label(self) -> str | None:
        return GOAL_RATINGS.get(self.rating) if self.rating is not None else None


class IntegrationTask(ClinicCopy, TimestampMixin, db.Model):
    """A task of the integration plan; once, or repeating daily/weekly until a date."""

    __tablename__ = "integration_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    debrief_id: Mapped[int | None] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(Choice(TaskKind, name="task_kind"))
    instructions: Mapped[str | None] = mapped_column(sa.Text)
    starts_on: Mapped[date]
    due_on: Mapped[date | None]          # for a one-off task
    repeat: Mapped[str] = mapped_column(Choice(TaskRepeat, name="task_repeat"),
                                        default=TaskRepeat.NONE)
    repeat_until: Mapped[date | None]    # for a repeating task
    active: Mapped[bool] = mapped_column(default=True)
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))

    debrief: Mapped[Debrief | None] = relationship(
        back_populates="tasks", primaryjoin="IntegrationTask.debrief_id == Debrief.id")
    completions: Mapped[list[TaskCompletion]] = relationship(
        back_populates="task", lazy="raise_on_sql", order_by="TaskCompletion.occurrence_on",
        primaryjoin="TaskCompletion.task_id == IntegrationTask.id")

    __table_args__ = (
        sa.Index("ix_integration_task_repeat_until", "repeat_until"),
        sa.CheckConstraint(
            "(repeat = 'none' AND due_on IS NOT NULL) OR "
            "(repeat <> 'none' AND repeat_until IS NOT NULL AND repeat_until >= starts_on)",
            name="schedule_whole"),
        sa.Index("ix_integration_task_due_on", "due_on"),
        sa.Index("ix_integration_task_clinic_due", "clinic_id", "due_on"),
        sa.Index("ix_integration_task_clinic_repeat_until", "clinic_id", "repeat_until"),
        same_patient_key("debrief_id", "debrief"),
        sa.UniqueConstraint("id", "patient_id"),  # the target of same_patient_key("task_id", ...)
        same_clinic_key(),
    )


class TaskCompletion(db.Model):
    """The patient's mark on one occurrence of a task: done, or skipped with a word why."""

    __tablename__ = "task_completion"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column()
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    occurrence_on: Mapped[date]
    outcome: Mapped[str] = mapped_column(Choice(MarkOutcome, name="task_outcome"))
    skip_reason: Mapped[str | None] = mapped_column(sa.String(500))
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)

    task: Mapped[IntegrationTask] = relationship(
        back_populates="completions", primaryjoin="TaskCompletion.task_id == IntegrationTask.id")

    __table_args__ = (
        sa.UniqueConstraint("task_id", "occurrence_on"),
        sa.CheckConstraint("outcome = 'done' OR skip_reason IS NOT NULL", name="skip_has_reason"),
        same_patient_key("task_id", "integration_task"),
    )


class Reflection(TimestampMixin, db.Model):
    """The patient's own words: on a task, or a free journal entry (task_id empty)."""

    __tablename__ = "reflection"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(index=True)
    session_id: Mapped[int | None] = mapped_column()
    text: Mapped[str] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(default=1)

    task: Mapped[IntegrationTask | None] = relationship(
        primaryjoin="Reflection.task_id == IntegrationTask.id")
    revisions: Mapped[list[ReflectionRevision]] = relationship(
        lazy="raise_on_sql", order_by="ReflectionRevision.revised_at.desc()")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("length(text) <= 20000", name="text_length"),
        same_patient_key("task_id", "integration_task"),
        same_patient_key("session_id", "dosing_session"),
    )


class ReflectionRevision(db.Model):
    """An earlier text of a reflection, kept when the patient edits it."""

    __tablename__ = "reflection_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    reflection_id: Mapped[int] = mapped_column(sa.ForeignKey("reflection.id"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    revised_at: Mapped[datetime] = mapped_column(default=utcnow)
