"""The vital-sign classification: a pure function, tested by examples and by properties."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.core.clinic import DEFAULT_SETTINGS
from tracker.dosing.vitals import (
    ALERT,
    FIELDS,
    FLAG,
    PLAUSIBLE,
    alerts,
    classify_vitals,
    implausible,
)

DEFAULTS = dict(DEFAULT_SETTINGS.items())


def levels(reading, thresholds=DEFAULTS):
    return {field: level for field, level, _ in classify_vitals(reading, thresholds)}


@pytest.mark.parametrize("reading, expected", [
    ({"systolic": 120, "diastolic": 80, "heart_rate": 70, "spo2": 98}, {}),
    ({"systolic": 159, "diastolic": 99, "heart_rate": 110, "spo2": 92}, {}),
    ({"systolic": 160}, {"systolic": FLAG}),
    ({"diastolic": 100}, {"diastolic": FLAG}),
    ({"systolic": 179, "diastolic": 109}, {"systolic": FLAG, "diastolic": FLAG}),
    ({"systolic": 180}, {"systolic": ALERT}),
    ({"diastolic": 110}, {"diastolic": ALERT}),
    ({"spo2": 91}, {"spo2": ALERT}),
    ({"heart_rate": 111}, {"heart_rate": ALERT}),
    ({}, {}),
])
def test_the_default_thresholds_of_the_design(reading, expected):
    assert levels(reading) == expected


def test_a_clinic_may_set_its_own_thresholds():
    strict = dict(DEFAULTS, systolic_flag=140, systolic_alert=150, spo2_below=95)
    assert levels({"systolic": 145, "spo2": 94}, strict) == {"systolic": FLAG, "spo2": ALERT}
    assert levels({"systolic": 145, "spo2": 94}) == {}


def test_messages_name_the_value_and_the_threshold():
    [(_field, _level, message)] = classify_vitals({"systolic": 185}, DEFAULTS)
    assert "185" in message and "180" in message


def test_works_on_objects_as_well_as_mappings():
    class Reading:
        systolic, diastolic, heart_rate, spo2 = 181, None, None, None
    assert levels(Reading()) == {"systolic": ALERT}


@pytest.mark.parametrize("field, value, plausible", [
    ("systolic", 900, False), ("systolic", 300, True), ("systolic", 49, False),
    ("diastolic", 20, True), ("diastolic", 201, False), ("heart_rate", 251, False),
    ("spo2", 101, False), ("spo2", 50, True), ("heart_rate", None, True)])
def test_plausible_ranges_match_the_database_checks(field, value, plausible):
    assert (implausible(field, value) is None) is plausible


# --- properties ---------------------------------------------------------------------------------

def value_of(field):
    low, high = PLAUSIBLE[field]
    return st.none() | st.integers(low, high)


readings = st.fixed_dictionaries({field: value_of(field) for field in FIELDS})


@st.composite
def thresholds(draw):
    systolic_flag = draw(st.integers(100, 250))
    diastolic_flag = draw(st.integers(60, 150))
    return {
        "systolic_flag": systolic_flag,
        "systolic_alert": draw(st.integers(systolic_flag, 300)),
        "diastolic_flag": diastolic_flag,
        "diastolic_alert": draw(st.integers(diastolic_flag, 200)),
        "spo2_below": draw(st.integers(80, 100)),
        "heart_rate_above": draw(st.integers(60, 200)),
    }


@given(readings, thresholds())
def test_at_most_one_finding_per_measured_field(reading, limits):
    findings = classify_vitals(reading, limits)
    fields = [field for field, _, _ in findings]
    assert len(fields) == len(set(fields))
    assert all(reading[field] is not None for field in fields)
    assert all(level in (FLAG, ALERT) for _, level, _ in findings)


@given(readings, thresholds())
def test_alert_exactly_when_a_threshold_of_the_design_is_crossed(reading, limits):
    def at_least(field, key):
        return reading[field] is not None and reading[field] >= limits[key]
    expected_alert = (at_least("systolic", "systolic_alert") or at_least("diastolic", "diastolic_alert")
                      or (reading["spo2"] is not None and reading["spo2"] < limits["spo2_below"])
                      or (reading["heart_rate"] is not None
                          and reading["heart_rate"] > limits["heart_rate_above"]))
    assert bool(alerts(classify_vitals(reading, limits))) == expected_alert


@given(readings, thresholds())
def test_pressures_are_flagged_between_the_flag_and_the_alert_level(reading, limits):
    found = levels(reading, limits)
    for field in ("systolic", "diastolic"):
        value = reading[field]
        if value is None or value < limits[f"{field}_flag"]:
            assert field not in found
        elif value < limits[f"{field}_alert"]:
            assert found[field] == FLAG
        else:
            assert found[field] == ALERT


RANK = {None: 0, FLAG: 1, ALERT: 2}


@given(readings, thresholds(), st.sampled_from(FIELDS), st.integers(1, 60))
def test_a_worse_value_never_lowers_the_level(reading, limits, field, step):
    if reading[field] is None:
        return
    worse = dict(reading)
    low, high = PLAUSIBLE[field]
    worse[field] = max(low, reading[field] - step) if field == "spo2" else min(high, reading[field] + step)
    assert RANK[levels(worse, limits).get(field)] >= RANK[levels(reading, limits).get(field)]


@given(thresholds())
def test_nothing_measured_nothing_found(limits):
    assert classify_vitals(dict.fromkeys(FIELDS), limits) == []
