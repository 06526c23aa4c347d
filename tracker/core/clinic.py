"""The clinic and its settings."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db import TimestampMixin
from tracker.extensions import db

# Defaults from DESIGN.md; a clinic overrides any of them in its settings.
DEFAULT_SETTINGS: dict[str, int] = {
    # continuity of care
    "sign_session_within_hours": 24,
    "debrief_within_hours": 72,
    "follow_up_within_days": 14,
    "phq9_before_session_days": 7,
    "phq9_every_days": 30,
    "task_overdue_flag_days": 7,
    "lost_to_follow_up_days": 30,
    "acknowledge_flag_within_hours": 24,
    # how far back the clinician's needs-attention list looks for late debriefs and tasks
    "attention_window_days": 30,
    # the Spravato REMS patient monitoring form is submitted within this many days of the end
    "rems_submit_within_days": 7,
    # vital signs: flag and alert thresholds
    "systolic_flag": 160,
    "diastolic_flag": 100,
    "systolic_alert": 180,
    "diastolic_alert": 110,
    "spo2_below": 92,
    "heart_rate_above": 110,
}

DEFAULT_CRISIS_TEXT = (
    "If you are thinking about harming yourself, you are not alone. In the US, call or text 988 "
    "(Suicide & Crisis Lifeline) now, or call 911 if you are in immediate danger. Your care team "
    "has been told and will contact you."
)


class Clinic(TimestampMixin, db.Model):
    __tablename__ = "clinic"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="America/New_York")
    # the clinic as the Spravato REMS monitoring form names it
    address: Mapped[str | None] = mapped_column(sa.String(500))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    crisis_text: Mapped[str] = mapped_column(sa.Text, default=DEFAULT_CRISIS_TEXT)
    settings: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    def setting(self, key: str) -> int:
        """One threshold: the clinic's own value, or the default."""
        return int((self.settings or {}).get(key, DEFAULT_SETTINGS[key]))

    @property
    def thresholds(self) -> dict[str, int]:
        return {key: self.setting(key) for key in DEFAULT_SETTINGS}

    def __repr__(self) -> str:
        return f"<Clinic {self.id} {self.name!r}>"

