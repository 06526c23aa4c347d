"""The clinic and its settings."""
from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tracker.datetext import CLOCKS, DATE_ORDERS, DMY, H24
from tracker.db import Choice, TimestampMixin
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
    # vital signs: flag and alert thresholds (README "Vital signs": sources). A high threshold
    # is reached at or above its value, a low one below it (tracker/dosing/vitals.py).
    "systolic_high_flag": 160,
    "systolic_high_alert": 180,
    "systolic_low_flag": 90,
    "systolic_low_alert": 80,
    "diastolic_high_flag": 100,
    "diastolic_high_alert": 110,
    "diastolic_low_flag": 50,
    "diastolic_low_alert": 40,
    "heart_rate_high_flag": 100,
    "heart_rate_high_alert": 110,
    "heart_rate_low_flag": 50,
    "heart_rate_low_alert": 40,
    "respiratory_rate_high_flag": 25,
    "respiratory_rate_high_alert": 30,
    "respiratory_rate_low_flag": 10,
    "respiratory_rate_low_alert": 8,
    "spo2_low_flag": 94,
    "spo2_low_alert": 92,
    # the vitals schedule and the discharge
    "iv_vitals_interval_minutes": 15,
    "ketamine_min_observation_minutes": 90,
    # dose checks (tracker.dosing.doses; sources in the README): a weight for mg/kg doses
    # measured within this many days, and racemic ketamine's ranges per route in whole
    # hundredths of a mg/kg (50 = 0.50 mg/kg), since settings are integers
    "weight_within_days": 30,
    "ketamine_iv_usual_min_mgkg_x100": 50,
    "ketamine_iv_usual_max_mgkg_x100": 100,
    "ketamine_iv_hard_max_mgkg_x100": 150,
    "ketamine_im_usual_min_mgkg_x100": 50,
    "ketamine_im_usual_max_mgkg_x100": 100,
    "ketamine_im_hard_max_mgkg_x100": 200,
    "ketamine_sublingual_usual_min_mgkg_x100": 50,
    "ketamine_sublingual_usual_max_mgkg_x100": 300,
    "ketamine_sublingual_hard_max_mgkg_x100": 500,
    "ketamine_oral_usual_min_mgkg_x100": 50,
    "ketamine_oral_usual_max_mgkg_x100": 300,
    "ketamine_oral_hard_max_mgkg_x100": 700,
    # two-factor sign-in (1 = required of the role): leads by default, clinicians when chosen
    "require_2fa_leads": 1,
    "require_2fa_clinicians": 0,
    # the Spravato REMS patient monitoring form is submitted within this many days of the end
    "rems_submit_within_days": 7,
}

# What the patient is told about their care team is said beside this text, from what really
# happened (tracker.core.alerts.care_team_notified_at), never promised by it.
DEFAULT_CRISIS_TEXT = (
    "If you are thinking about harming yourself, you are not alone. In the US, call or text 988 "
    "(Suicide & Crisis Lifeline) now, or call 911 if you are in immediate danger."
)
# The default before it stopped claiming "Your care team has been told" (migration 0007).
OLD_DEFAULT_CRISIS_TEXT = DEFAULT_CRISIS_TEXT + (
    " Your care team has been told and will contact you.")

# A phone number in the crisis text: 3 to 15 digits, spaces, dots, dashes or brackets between,
# an optional leading +; not part of a longer word or number.
_PHONE = re.compile(r"(?<![\w+])(\+?\d(?:[\d .()-]{0,18}\d)?)(?![\w])")


def crisis_numbers(text: str) -> list[str]:
    """The phone numbers in a crisis text, in order, once each, as dialable strings
    ("988", "+18002738255"): the portal makes each a tap-to-call and tap-to-text link."""
    found = []
    for match in _PHONE.finditer(text or ""):
        number = ("+" if match.group(1).startswith("+") else "") + re.sub(r"\D", "", match.group(1))
        if 3 <= len(number.lstrip("+")) <= 15 and number not in found:
            found.append(number)
    return found


class Clinic(TimestampMixin, db.Model):
    __tablename__ = "clinic"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="America/New_York")
    # how every page writes and every form reads a date and a time (tracker.datetext)
    date_order: Mapped[str] = mapped_column(Choice(*DATE_ORDERS, name="date_order"), default=DMY,
                                            server_default=DMY)
    clock: Mapped[str] = mapped_column(Choice(*CLOCKS, name="clock"), default=H24,
                                       server_default=H24)
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

