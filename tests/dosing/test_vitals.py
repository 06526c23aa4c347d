"""The vital-sign classification: a pure function, tested against an independently written table
(the defaults, band by band, over every plausible value) and by properties over any ordered
thresholds a clinic may set."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.core.clinic import DEFAULT_SETTINGS
from tracker.dosing.vitals import (
    ALERT,
    FIELDS,
    FLAG,
    PLAUSIBLE,
    THRESHOLD_KEYS,
    Level,
    alerts,
    classify_measure,
    classify_vitals,
    implausible,
    order_problems,
)

NORMAL = Level.NORMAL
DEFAULTS = dict(DEFAULT_SETTINGS.items())

# The defaults as bands of values, written out by hand from the README table (not from the code):
# (lowest, highest, level), covering each measure's whole plausible range.
DEFAULT_BANDS = {
    "systolic": [(50, 79, ALERT), (80, 89, FLAG), (90, 159, NORMAL), (160, 179, FLAG),
                 (180, 300, ALERT)],
    "diastolic": [(20, 39, ALERT), (40, 49, FLAG), (50, 99, NORMAL), (100, 109, FLAG),
                  (110, 200, ALERT)],
    "heart_rate": [(20, 39, ALERT), (40, 49, FLAG), (50, 99, NORMAL), (100, 109, FLAG),
                   (110, 250, ALERT)],
    "respiratory_rate": [(2, 7, ALERT), (8, 9, FLAG), (10, 24, NORMAL), (25, 29, FLAG),
                         (30, 60, ALERT)],
    "spo2": [(50, 91, ALERT), (92, 93, FLAG), (94, 100, NORMAL)],
}


def band_level(field, value):
    [level] = [level for low, high, level in DEFAULT_BANDS[field] if low <= value <= high]
    return level


def levels(reading, thresholds=DEFAULTS):
    return {field: level for field, level, _ in classify_vitals(reading, thresholds)}


def test_the_bands_cover_each_plausible_range_once():
    for field, (low, high) in PLAUSIBLE.items():
        covered = [v for lo, hi, _ in DEFAULT_BANDS[field] for v in range(lo, hi + 1)]
        assert covered == list(range(low, high + 1)), field


def test_every_threshold_has_a_default():
    assert set(THRESHOLD_KEYS) <= set(DEFAULTS)
    assert order_problems(DEFAULTS) == {}


@given(st.sampled_from(FIELDS).flatmap(
    lambda f: st.tuples(st.just(f), st.integers(*PLAUSIBLE[f]))))
def test_the_defaults_match_the_table(field_value):
    field, value = field_value
    assert classify_measure(field, value, DEFAULTS) == band_level(field, value)


@pytest.mark.parametrize("reading, expected", [
    ({"systolic": 120, "diastolic": 80, "heart_rate": 70, "spo2": 98, "respiratory_rate": 14}, {}),
    ({"systolic": 159, "diastolic": 99, "heart_rate": 99, "spo2": 94, "respiratory_rate": 24}, {}),
    ({"systolic": 160}, {"systolic": FLAG}),
    ({"diastolic": 100}, {"diastolic": FLAG}),
    ({"systolic": 185, "diastolic": 112}, {"systolic": ALERT, "diastolic": ALERT}),
    ({"systolic": 89}, {"systolic": FLAG}),
    ({"systolic": 79}, {"systolic": ALERT}),
    ({"heart_rate": 38}, {"heart_rate": ALERT}),      # the 38 now stops the record
    ({"heart_rate": 45}, {"heart_rate": FLAG}),
    ({"heart_rate": 111}, {"heart_rate": ALERT}),
    ({"respiratory_rate": 9}, {"respiratory_rate": FLAG}),
    ({"respiratory_rate": 6}, {"respiratory_rate": ALERT}),
    ({"respiratory_rate": 26}, {"respiratory_rate": FLAG}),
    ({"spo2": 93}, {"spo2": FLAG}),
    ({"spo2": 91}, {"spo2": ALERT}),
    ({}, {}),
])
def test_examples_at_the_defaults(reading, expected):
    assert levels(reading) == expected


def test_a_clinic_may_set_its_own_thresholds():
    strict = dict(DEFAULTS, systolic_high_flag=140, systolic_high_alert=150, spo2_low_alert=95,
                  spo2_low_flag=96)
    assert levels({"systolic": 145, "spo2": 94}, strict) == {"systolic": FLAG, "spo2": ALERT}
    assert levels({"systolic": 145, "spo2": 94}) == {}


def test_messages_name_the_value_the_side_and_the_threshold():
    [(_field, _level, message)] = classify_vitals({"systolic": 185}, DEFAULTS)
    assert "185" in message and "at or above the alert level (180)" in message
    [(_field, _level, message)] = classify_vitals({"heart_rate": 45}, DEFAULTS)
    assert "45" in message and "below the flag level (50)" in message


def test_works_on_objects_as_well_as_mappings():
    class Reading:
        systolic, diastolic, heart_rate, spo2, respiratory_rate = 181, None, None, None, 6
    assert levels(Reading()) == {"systolic": ALERT, "respiratory_rate": ALERT}


@pytest.mark.parametrize("field, value, plausible", [
    ("systolic", 900, False), ("systolic", 300, True), ("systolic", 49, False),
    ("diastolic", 20, True), ("diastolic", 201, False), ("heart_rate", 251, False),
    ("spo2", 101, False), ("spo2", 50, True), ("heart_rate", None, True),
    ("respiratory_rate", 61, False), ("respiratory_rate", 1, False), ("respiratory_rate", 2, True)])
def test_plausible_ranges_match_the_database_checks(field, value, plausible):
    assert (implausible(field, value) is None) is plausible


def test_out_of_order_thresholds_are_named():
    problems = order_problems(dict(DEFAULTS, heart_rate_low_alert=55,
                                   systolic_high_alert=150, spo2_low_flag=91))
    assert set(problems) == {"heart_rate_low_alert", "systolic_high_alert", "spo2_low_alert"}


# --- properties over any ordered thresholds ---------------------------------------------------

def value_of(field):
    low, high = PLAUSIBLE[field]
    return st.none() | st.integers(low, high)


readings = st.fixed_dictionaries({field: value_of(field) for field in FIELDS})


@st.composite
def thresholds(draw):
    """Any settings a lead can save: per measure low alert <= low flag < high flag <= high alert."""
    limits = {}
    for field in FIELDS:
        low, high = PLAUSIBLE[field]
        cuts = sorted(draw(st.lists(st.integers(low, high), min_size=4, max_size=4)))
        if cuts[1] == cuts[2]:
            cuts[2] += 1
        limits[f"{field}_low_alert"], limits[f"{field}_low_flag"] = cuts[0], cuts[1]
        if field != "spo2":
            limits[f"{field}_high_flag"] = cuts[2]
            limits[f"{field}_high_alert"] = max(cuts[2], cuts[3])
    return limits


def reference(field, value, t):
    """The rule in words: below the low alert or at/above the high alert is an alert; below the
    low flag or at/above the high flag is a flag; anything else is normal."""
    if value is None:
        return NORMAL
    high_alert = t.get(f"{field}_high_alert", float("inf"))
    high_flag = t.get(f"{field}_high_flag", float("inf"))
    if value < t[f"{field}_low_alert"] or value >= high_alert:
        return ALERT
    if value < t[f"{field}_low_flag"] or value >= high_flag:
        return FLAG
    return NORMAL


@given(readings, thresholds())
def test_every_measure_is_classified_as_the_reference_says(reading, limits):
    found = levels(reading, limits)
    for field in FIELDS:
        assert found.get(field, NORMAL) == reference(field, reading[field], limits)


@given(readings, thresholds())
def test_at_most_one_finding_per_measured_field(reading, limits):
    findings = classify_vitals(reading, limits)
    fields = [field for field, _, _ in findings]
    assert len(fields) == len(set(fields))
    assert all(reading[field] is not None for field in fields)
    assert all(level in (FLAG, ALERT) for _, level, _ in findings)


@given(readings, thresholds())
def test_a_safety_flag_exactly_when_some_measure_is_at_an_alert_level(reading, limits):
    expected = any(reference(field, reading[field], limits) == ALERT for field in FIELDS)
    assert bool(alerts(classify_vitals(reading, limits))) == expected


RANK = {NORMAL: 0, FLAG: 1, ALERT: 2}


@given(thresholds(), st.sampled_from(FIELDS), st.data())
def test_further_from_normal_never_lowers_the_level(limits, field, data):
    low, high = PLAUSIBLE[field]
    a, b = sorted(data.draw(st.lists(st.integers(low, high), min_size=2, max_size=2)))
    level_a, level_b = (classify_measure(field, v, limits) for v in (a, b))
    if a >= limits[f"{field}_low_flag"]:
        # both at or above the normal band's bottom: rising never lowers the level
        assert RANK[level_b] >= RANK[level_a]
    if b < limits[f"{field}_low_flag"]:
        # both below it: falling never lowers the level
        assert RANK[level_a] >= RANK[level_b]


@given(thresholds())
def test_nothing_measured_nothing_found(limits):
    assert classify_vitals(dict.fromkeys(FIELDS), limits) == []


@given(thresholds())
def test_ordered_thresholds_have_no_order_problems(limits):
    assert order_problems(limits) == {}
