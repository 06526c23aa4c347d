"""The tables behind the dashboard's summary (tracker/continuity/rollup.py): per item, and per
clinic-local day and clinician. Derived data only: `flask continuity-rollup` rebuilds them from
the records, and the dashboard never reads them for a clinic whose `continuity_rollup` row does
not match its current settings and time zone."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tracker.core.states import STATES
from tracker.extensions import db

# The rules, in the order of an item's `states` string (one letter per rule). Kept here, not
# read from rules.py, because the table's columns follow it: a new rule needs a migration.
RULE_ORDER = ("intention_before_start", "checklist_before_dosing", "session_signed",
              "debrief_signed", "integration_plan", "follow_up_held", "phq9_before_session",
              "rems_submitted", "phq9_every", "tasks_not_overdue", "in_contact",
              "flags_acknowledged")


def count_column(rule: str, state: str) -> str:
    return f"{rule}__{state}"


class ContinuityRollup(db.Model):
    """One row per clinic whose summary tables are built, with the settings they were built
    with (any change of a threshold or the time zone makes them unusable until rebuilt)."""

    __tablename__ = "continuity_rollup"
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), primary_key=True)
    settings_key: Mapped[str] = mapped_column(sa.Text)
    built_at: Mapped[datetime]


class ContinuityItem(db.Model):
    """One item of the anchored rules (kind s: a dosing session, t: a task occurrence, f: a
    safety flag) with its state under every rule once time has run out (`states`, one letter
    per rule of RULE_ORDER: c, l, m, p, or - when not an item of that rule), or one boundary
    of a patient-level rule's state (kind b: `sign` +1 where an interval of that state starts,
    -1 where it ends, at `base_at`). `day` is the clinic-local day it counts in."""

    __tablename__ = "continuity_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"))
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(1))
    day: Mapped[date]
    clinician_id: Mapped[int]       # 0: no clinician recorded
    states: Mapped[str] = mapped_column(sa.String(len(RULE_ORDER)))
    sign: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    base_at: Mapped[datetime | None]  # what a timed pending state runs from; a boundary's time

    __table_args__ = (
        sa.Index("ix_continuity_item_clinic_day", "clinic_id", "day"),
        sa.Index("ix_continuity_item_clinic_base", "clinic_id", "base_at"),
    )


def _totals_table(name: str, period: str) -> sa.Table:
    """Counts per clinic, `period` (a clinic-local day, or the first day of a month) and
    clinician (0: none), one column per rule and state: anchored items by their state once time
    has run out, patient-level boundaries by their sum."""
    return sa.Table(
        name, db.metadata,
        sa.Column("clinic_id", sa.Integer, sa.ForeignKey("clinic.id"), primary_key=True),
        sa.Column(period, sa.Date, primary_key=True),
        sa.Column("clinician_id", sa.Integer, primary_key=True),
        *(sa.Column(count_column(rule, state), sa.Integer, nullable=False, server_default="0")
          for rule in RULE_ORDER for state in STATES),
    )


continuity_day = _totals_table("continuity_day", "day")
continuity_month = _totals_table("continuity_month", "month")
