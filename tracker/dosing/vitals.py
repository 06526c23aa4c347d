"""Vital signs: what is plausible, and what the clinic's thresholds flag or alert. Pure functions.

The plausible ranges match the database checks on vital_sign (tracker/dosing/models.py): a value
outside them is a typing error (a pressure of 900), refused at the form. The thresholds are the
clinic's settings (DEFAULT_SETTINGS in tracker/core/clinic.py): a "flag" is shown beside the
reading; an "alert" also raises a safety flag that stays visible until acknowledged.
"""
from __future__ import annotations

from collections.abc import Mapping

FLAG, ALERT = "flag", "alert"

FIELDS = ("systolic", "diastolic", "heart_rate", "spo2")
LABELS = {"systolic": "Systolic pressure", "diastolic": "Diastolic pressure",
          "heart_rate": "Heart rate", "spo2": "SpO2"}
UNITS = {"systolic": "mmHg", "diastolic": "mmHg", "heart_rate": "beats/min", "spo2": "%"}
PLAUSIBLE = {"systolic": (50, 300), "diastolic": (20, 200), "heart_rate": (20, 250),
             "spo2": (50, 100)}

Finding = tuple[str, str, str]  # (field, FLAG | ALERT, message)


def _value(reading, field: str):
    if isinstance(reading, Mapping):
        return reading.get(field)
    return getattr(reading, field, None)


def _pressure(field: str, value: int, flag_at: int, alert_at: int) -> Finding | None:
    label, unit = LABELS[field], UNITS[field]
    if value >= alert_at:
        return field, ALERT, f"{label} {value} {unit}: at or above the alert level ({alert_at})."
    if value >= flag_at:
        return field, FLAG, f"{label} {value} {unit}: at or above the flag level ({flag_at})."
    return None


def classify_vitals(reading, thresholds: Mapping[str, int]) -> list[Finding]:
    """The out-of-range values of one reading, at most one finding per field.

    `reading` is a VitalSign or a mapping with any of systolic, diastolic, heart_rate, spo2
    (None = not measured); `thresholds` holds the clinic's settings systolic_flag,
    systolic_alert, diastolic_flag, diastolic_alert, spo2_below and heart_rate_above.
    Pressures are flagged at or above the flag level and alerted at or above the alert level;
    SpO2 below its threshold and a heart rate above its threshold are alerts."""
    findings: list[Finding] = []
    for field in ("systolic", "diastolic"):
        value = _value(reading, field)
        if value is not None:
            finding = _pressure(field, value, thresholds[f"{field}_flag"],
                                thresholds[f"{field}_alert"])
            if finding:
                findings.append(finding)
    spo2 = _value(reading, "spo2")
    if spo2 is not None and spo2 < thresholds["spo2_below"]:
        findings.append(("spo2", ALERT, f"SpO2 {spo2}%: below {thresholds['spo2_below']}%."))
    heart_rate = _value(reading, "heart_rate")
    if heart_rate is not None and heart_rate > thresholds["heart_rate_above"]:
        findings.append(("heart_rate", ALERT, f"Heart rate {heart_rate} beats/min: above "
                                              f"{thresholds['heart_rate_above']}."))
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
