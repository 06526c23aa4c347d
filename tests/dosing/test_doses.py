"""Tests for tracker.dosing.doses (pure Python; no app or database).

The expected outcomes come from tables written out here from the README's defaults and the
Spravato label, and from a reference rule computed with Fractions: not from the module."""
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from math import floor

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.core.clinic import DEFAULT_SETTINGS
from tracker.dosing.doses import DoseOutcome, check_dose

USUAL, OUTSIDE, REFUSED = "usual", "outside_usual", "refused"
TODAY = date(2026, 12, 3)

# Racemic ketamine, mg/kg: (usual from, usual up to, refused above), as the README documents.
KETAMINE = {
    "iv": ("0.50", "1.00", "1.50"),
    "im": ("0.50", "1.00", "2.00"),
    "sublingual": ("0.50", "3.00", "5.00"),
    "oral": ("0.50", "3.00", "7.00"),
}
WEIGHT_DAYS = 30

# Esketamine intranasal, mg -> outcome (label: 56 or 84 mg; 28 mg is the EU 65+ start).
ESKETAMINE = {Decimal(56): USUAL, Decimal(84): USUAL, Decimal(28): OUTSIDE}

# Worked examples, by hand: (route, dose mg, weight kg, outcome).
EXAMPLES = [
    ("iv", "35", "70", USUAL),          # 0.50 mg/kg over 40 minutes: the common dose
    ("iv", "70", "70", USUAL),          # 1.00: the top of the usual range
    ("iv", "70.70", "70", OUTSIDE),     # 1.01
    ("iv", "105", "70", OUTSIDE),       # 1.50: at the hard maximum, still allowed
    ("iv", "105.7", "70", REFUSED),     # 1.51
    ("iv", "500", "70", REFUSED),       # 7.14: the issue's unsafe entry
    ("iv", "14", "70", OUTSIDE),        # 0.20: below the usual range
    ("iv", "29", "58.5", USUAL),        # 0.4957 shows as 0.50: judged as shown
    ("im", "70", "70", USUAL),          # 1.00
    ("im", "84", "70", OUTSIDE),        # 1.20
    ("im", "141", "70", REFUSED),       # 2.01
    ("sublingual", "210", "70", USUAL),  # 3.00
    ("sublingual", "351", "70", REFUSED),  # 5.01
    ("oral", "490", "70", OUTSIDE),     # 7.00
    ("oral", "491", "70", REFUSED),     # 7.01
    ("intranasal", "35", "70", OUTSIDE),  # racemic intranasal: no usual range
    ("intranasal", "106", "70", REFUSED),  # above the IV hard maximum
]


def shown_mg_per_kg(dose: Fraction, weight: Fraction) -> Fraction:
    """mg/kg to two decimals, half up (doses and weights are positive)."""
    return Fraction(floor(dose / weight * 100 + Fraction(1, 2)), 100)


def expected(route: str, dose, weight, bounds=None) -> str:
    low, high, hard = (Fraction(v) for v in (bounds or KETAMINE.get(route) or KETAMINE["iv"]))
    per_kg = shown_mg_per_kg(Fraction(dose), Fraction(weight))
    if per_kg > hard:
        return REFUSED
    if route not in KETAMINE or not low <= per_kg <= high:
        return OUTSIDE
    return USUAL


def check(route, dose, weight="70", *, medication="ketamine", weighed_on=TODAY, on=TODAY,
          settings=None):
    return check_dose(medication, route, Decimal(dose),
                      weight_kg=Decimal(weight) if weight is not None else None,
                      weighed_on=weighed_on, on=on, settings=settings or DEFAULT_SETTINGS)


def test_the_defaults_are_the_documented_ones():
    for route, bounds in KETAMINE.items():
        stored = [DEFAULT_SETTINGS[f"ketamine_{route}_{b}_mgkg_x100"]
                  for b in ("usual_min", "usual_max", "hard_max")]
        assert stored == [int(Decimal(v) * 100) for v in bounds]
    assert DEFAULT_SETTINGS["weight_within_days"] == WEIGHT_DAYS


@pytest.mark.parametrize("route, dose, weight, outcome", EXAMPLES)
def test_worked_examples(route, dose, weight, outcome):
    result = check(route, dose, weight)
    assert result.outcome == outcome
    shown = shown_mg_per_kg(Fraction(dose), Fraction(weight))
    assert result.mg_per_kg == Decimal(shown.numerator) / Decimal(shown.denominator)


def test_the_unsafe_entry_of_the_issue_is_refused_with_a_clear_message():
    result = check("iv", "500", "70")
    assert result.outcome == DoseOutcome.REFUSED and result.field == "dose_mg"
    assert result.message.startswith("500 mg at 70 kg is 7.14 mg/kg, above the clinic's hard "
                                     "maximum for ketamine IV (1.50 mg/kg)")


doses = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1000), places=2)
weights = st.decimals(min_value=Decimal(20), max_value=Decimal(350), places=1)
routes = st.sampled_from(["iv", "im", "sublingual", "oral", "intranasal"])


@given(routes, doses, weights)
def test_ketamine_matches_the_reference_rule(route, dose, weight):
    result = check(route, dose, weight)
    assert result.outcome == expected(route, dose, weight)
    assert result.needs_confirmation == (result.outcome == OUTSIDE)
    assert result.message


@st.composite
def clinic_bounds(draw):
    low = draw(st.integers(5, 1000))
    high = draw(st.integers(low, 1000))
    hard = draw(st.integers(high, 1000))
    return low, high, hard


@given(st.sampled_from(sorted(KETAMINE)), doses, weights, clinic_bounds())
def test_the_clinic_settings_move_the_bounds(route, dose, weight, bounds):
    settings = dict(DEFAULT_SETTINGS)
    for key, value in zip(("usual_min", "usual_max", "hard_max"), bounds, strict=True):
        settings[f"ketamine_{route}_{key}_mgkg_x100"] = value
    as_mgkg = [Fraction(v, 100) for v in bounds]
    assert check(route, dose, weight, settings=settings).outcome == expected(
        route, dose, weight, as_mgkg)


RANK = {USUAL: 0, OUTSIDE: 1, REFUSED: 2}


@given(st.sampled_from(sorted(KETAMINE)), doses, doses, weights)
def test_above_the_usual_range_a_larger_dose_is_never_judged_safer(route, a, b, weight):
    small, large = sorted((a, b))
    high = Fraction(KETAMINE[route][1])
    if shown_mg_per_kg(Fraction(small), Fraction(weight)) >= high:
        assert RANK[check(route, large, weight).outcome] >= RANK[check(route, small, weight).outcome]


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1000), places=2), weights)
def test_esketamine_is_fixed_by_its_devices_whatever_the_weight(dose, weight):
    result = check("intranasal", dose, weight, medication="esketamine")
    assert result.outcome == ESKETAMINE.get(dose, REFUSED)
    assert result.mg_per_kg is None


@pytest.mark.parametrize("dose, outcome", [("56", USUAL), ("84", USUAL), ("28", OUTSIDE),
                                           ("112", REFUSED), ("56.5", REFUSED), ("70", REFUSED)])
def test_esketamine_table(dose, outcome):
    result = check("intranasal", dose, None, medication="esketamine", weighed_on=None)
    assert result.outcome == outcome  # no weight needed


@pytest.mark.parametrize("route", ["iv", "im", "oral", "sublingual"])
def test_esketamine_by_any_other_route_is_refused(route):
    result = check(route, "56", medication="esketamine")
    assert result.outcome == REFUSED and result.field == "route"


def test_a_ketamine_dose_without_a_weight_is_refused():
    result = check("iv", "35", None)
    assert result.outcome == REFUSED and result.field == "weight_kg"
    assert "record the patient's weight" in result.message


def test_a_weight_without_its_date_is_refused():
    result = check("iv", "35", weighed_on=None)
    assert result.outcome == REFUSED and result.field == "weighed_on"


@given(st.integers(0, 400), routes)
def test_the_weight_must_be_recent(age, route):
    result = check(route, "35", weighed_on=TODAY - timedelta(days=age))
    if age > WEIGHT_DAYS:
        assert result.outcome == REFUSED and result.field == "weighed_on"
        assert f"{age} days before the session" in result.message
        assert f"last {WEIGHT_DAYS} days" in result.message
    else:
        assert result.outcome == expected(route, "35", "70")


def test_a_weight_dated_after_the_session_is_refused():
    result = check("iv", "35", weighed_on=TODAY + timedelta(days=1))
    assert result.outcome == REFUSED and result.field == "weighed_on"


def test_the_weight_age_is_a_setting():
    settings = dict(DEFAULT_SETTINGS, weight_within_days=7)
    assert check("iv", "35", weighed_on=TODAY - timedelta(days=7), settings=settings).outcome == USUAL
    assert check("iv", "35", weighed_on=TODAY - timedelta(days=8), settings=settings).outcome == REFUSED
