"""Vital signs: what is plausible, and what the clinic's thresholds flag or alert. Pure functions.

The plausible ranges match the database checks on vital_sign (tracker/dosing/models.py): a value
outside them is a typing error (a pressure of 900), refused at the form. The thresholds are the
clinic's settings (DEFAULT_SETTINGS in tracker/core/clinic.py), named
`<measure>_<high|low>_<flag|alert>`: a high threshold is reached at or above its value, a low
one below it. A "flag" is shown beside the reading (and keeps the discharge waiting unless a
clinician overrides it with a reason); an "alert" also raises a safety flag that stays visible
until acknowledged. Each measure is classified on its own: normal, flag or alert.
"""
from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class Level(StrEnum):
    NORMAL = "normal"
    FLAG = "flag"
    ALERT = "alert"


FLAG, ALERT = Level.FLAG, Level.ALERT

FIELDS = ("systolic", "diastolic", "heart_rate", "respiratory_rate", "spo2")
LABELS = {"systolic": "Systolic pressure", "diastolic": "Diastolic pressure",
          "heart_rate": "Heart rate", "respiratory_rate": "Respiratory rate", "spo2": "SpO2"}
UNITS = {"systolic": "mmHg", "diastolic": "mmHg", "heart_rate": "beats/min",
         "respiratory_rate": "breaths/min", "spo2": "%"}
PLAUSIBLE = {"systolic": (50, 300), "diastolic": (20, 200), "heart_rate": (20, 250),
             "respiratory_rate": (2, 60), "spo2": (50, 100)}
# Which sides of each measure have thresholds (SpO2 is never too high).
SIDES = {"systolic": ("high", "low"), "diastolic": ("high", "low"),
         "heart_rate": ("high", "low"), "respiratory_rate": ("high", "low"), "spo2": ("low",)}
THRESHOLD_KEYS = tuple(f"{field}_{side}_{level}" for field in FIELDS for side in SIDES[field]
                       for level in ("flag", "alert"))

Finding = tuple[str, str, str]  # (field, FLAG | ALERT, message)


def _value(reading, field: str):
    if isinstance(reading, Mapping):
        return reading.get(field)
    return getattr(reading, field, None)


def _reached(side: str, value: int, limit: int) -> bool:
    return value >= limit if side == "high" else value < limit


def classify_measure(field: str, value: int | None, thresholds: Mapping[str, int]) -> Level:
    """normal, flag or alert for one measure (None = not measured: normal). An alert wins over
    a flag, and the high side is looked at before the low one (if a clinic's settings ever
    overlapped, the worse reading is never hidden)."""
    if value is None:
        return Level.NORMAL
    for level in (Level.ALERT, Level.FLAG):
        for side in SIDES[field]:
            if _reached(side, value, thresholds[f"{field}_{side}_{level}"]):
                return level
    return Level.NORMAL


def _message(field: str, value: int, level: Level, thresholds: Mapping[str, int]) -> str:
    label, unit = LABELS[field], UNITS[field]
    for side in SIDES[field]:
        limit = thresholds[f"{field}_{side}_{level}"]
        if _reached(side, value, limit):
            where = "at or above" if side == "high" else "below"
            return f"{label} {value} {unit}: {where} the {level} level ({limit})."
    raise AssertionError("unreachable: the level was reached on some side")


def classify_vitals(reading, thresholds: Mapping[str, int]) -> list[Finding]:
    """The out-of-range values of one reading, at most one finding per measured field.

    `reading` is a VitalSign or a mapping with any of FIELDS (None = not measured);
    `thresholds` holds the clinic's settings named in THRESHOLD_KEYS."""
    findings: list[Finding] = []
    for field in FIELDS:
        value = _value(reading, field)
        level = classify_measure(field, value, thresholds)
        if level != Level.NORMAL:
            findings.append((field, level, _message(field, value, level, thresholds)))
    return findings


def alerts(findings: list[Finding]) -> list[Finding]:
    """The alert-level findings: those that raise a safety flag."""
    return [finding for finding in findings if finding[1] == ALERT]


def implausible(field: str, value: int | None) -> str | None:
    """Why `value` cannot be a real reading of `field`, or None if it can."""
    if value is None:
        return None
    low, high = PLAUSIBLE[field]
    if low <= value <= high:
        return None
    return (f"{value} is not a plausible {LABELS[field].lower()} ({low}-{high} {UNITS[field]}); "
            "check the reading.")


def order_problems(thresholds: Mapping[str, int]) -> dict[str, str]:
    """{threshold key: why it is out of order} for settings that would contradict each other:
    per measure, low alert <= low flag < high flag <= high alert."""
    problems: dict[str, str] = {}
    for field in FIELDS:
        label = LABELS[field].lower()
        get = thresholds.get
        if "high" in SIDES[field] and get(f"{field}_high_alert") is not None \
                and get(f"{field}_high_flag") is not None \
                and thresholds[f"{field}_high_alert"] < thresholds[f"{field}_high_flag"]:
            problems[f"{field}_high_alert"] = (
                f"The high {label} alert level must be at or above its flag level "
                f"({thresholds[f'{field}_high_flag']}).")
        if get(f"{field}_low_alert") is not None and get(f"{field}_low_flag") is not None \
                and thresholds[f"{field}_low_alert"] > thresholds[f"{field}_low_flag"]:
            problems[f"{field}_low_alert"] = (
                f"The low {label} alert level must be at or below its flag level "
                f"({thresholds[f'{field}_low_flag']}).")
        if "high" in SIDES[field] and get(f"{field}_low_flag") is not None \
                and get(f"{field}_high_flag") is not None \
                and thresholds[f"{field}_low_flag"] >= thresholds[f"{field}_high_flag"]:
            problems[f"{field}_low_flag"] = (
                f"The low {label} flag level must be below the high flag level "
                f"({thresholds[f'{field}_high_flag']}).")
    return problems
