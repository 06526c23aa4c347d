"""What the lead's settings form posts, as a lead would type it: shared by every test that
saves the clinic's settings through the page."""
from __future__ import annotations


def typed_setting(key: str, value: int) -> str | int:
    """How a lead types a setting: the dose settings in mg/kg (stored in hundredths)."""
    return f"{value / 100:.2f}" if key.endswith("_mgkg_x100") else value


def settings_form(clinic, **changes) -> dict:
    """The settings form as shown for `clinic` (every setting at its current value), with
    `changes` typed over it."""
    data = {"name": clinic.name, "timezone": clinic.timezone, "crisis_text": clinic.crisis_text,
            "date_order": clinic.date_order, "clock": clinic.clock, "version": clinic.version,
            **{key: typed_setting(key, value) for key, value in clinic.thresholds.items()}}
    data.update(changes)
    return data
