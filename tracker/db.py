"""The declarative base, column types and mixins shared by every model."""
from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC. Pass the function, never its result, as a default."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC, on SQLite and PostgreSQL alike.

    Refuses naive datetimes on the way in: a naive value's zone is a guess, and guesses about
    when a dose was given are not acceptable.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; convert to UTC first")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def Choice(*values: str | type[StrEnum], name: str) -> sa.Enum:
    """A string column limited to `values` by a CHECK constraint (portable, no native enum).

    `Choice(SessionStatus, name=...)` takes an enum's values: what is stored is the value, the
    plain string, so rows read back as `str` and compare equal to the enum's members."""
    if len(values) == 1 and isinstance(values[0], type):
        values = tuple(member.value for member in values[0])
    return sa.Enum(
        *values, name=name, native_enum=False, create_constraint=True,
        length=max(len(v) for v in values), validate_strings=True,
    )


def same_patient_key(column: str, parent: str) -> sa.ForeignKeyConstraint:
    """The foreign key (column, patient_id) -> parent (id, patient_id).

    A child row copies its parent's patient_id so that access checks and lists can filter on it
    without a join; this key makes the database hold the copy equal to the parent's. The parent
    declares `sa.UniqueConstraint("id", "patient_id")` as the key's target. A null `column` (an
    optional parent) is not checked. Named by the convention, like a plain key on `column`.
    """
    return sa.ForeignKeyConstraint([column, "patient_id"], [f"{parent}.id", f"{parent}.patient_id"])


def same_clinic_key() -> sa.ForeignKeyConstraint:
    """The foreign key (clinic_id, patient_id) -> patient (clinic_id, id) of a `ClinicCopy`
    row: the database holds the copy equal to the patient's clinic, on insert and update."""
    return sa.ForeignKeyConstraint(["clinic_id", "patient_id"], ["patient.clinic_id", "patient.id"])


class ClinicCopy:
    """A row of a patient's record that names the patient's clinic, so that one clinic's rows
    of a period are one index range (clinic_id first), whatever the other clinics of the
    database hold. Filled from the patient when the row is added (the before_flush hook in
    tracker.core.patients); the model declares `same_clinic_key()` in its table args."""

    clinic_id: Mapped[int] = mapped_column()


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
