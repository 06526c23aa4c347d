"""Dose checks by medication and route: a pure module (no database, no Flask).

`check_dose` classifies a dose as
- USUAL: inside the clinic's usual range for the medication and route; saved as typed;
- OUTSIDE_USUAL: saved only with an explicit confirmation and a reason (who and when are kept);
- REFUSED: beyond the clinic's hard maximum, or not checkable (no recent weight for an mg/kg
  dose, esketamine by another route or in part devices); never saved.

Racemic ketamine is dosed in mg/kg, so its check needs a weight measured within the clinic's
`weight_within_days` of the session. Its ranges are clinic settings stored as whole numbers of
hundredths of a mg/kg (`ketamine_iv_usual_min_mgkg_x100 = 50` is 0.50 mg/kg), because clinic
settings are integers. Racemic ketamine intranasal has no usual range of its own (it is rarely
used and the literature gives no weight-based range): every such dose needs a confirmation, and
the IV hard maximum applies (intranasal bioavailability is below IV's, so that ceiling is
conservative).

Esketamine (Spravato) is intranasal in 28 mg devices: 56 mg (2 devices) and 84 mg (3) are the
labelled doses (usual); 28 mg (1 device: the EU starting dose for patients aged 65 and over, not
in the US label) needs a confirmation; any other amount is refused. It is not dosed by weight.

The dose per kg is rounded to two decimals (half up, as the record shows it) before it is
compared, so a dose rounded to whole mg (29 mg at 58.5 kg: 0.50 mg/kg) is judged by the mg/kg
the clinician sees: usual when min <= mg/kg <= max, refused when mg/kg > hard max (exact
Decimal comparisons). The README lists the defaults and their clinical sources.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from tracker.core.sessions import Medication, Route


class DoseOutcome(StrEnum):
    USUAL = "usual"
    OUTSIDE_USUAL = "outside_usual"
    REFUSED = "refused"


# Routes of racemic ketamine with a range of their own in the clinic settings.
RANGED_ROUTES = (Route.IV, Route.IM, Route.SUBLINGUAL, Route.ORAL)
ROUTE_WORDS = {Route.IV: "IV", Route.IM: "IM", Route.SUBLINGUAL: "sublingual",
               Route.ORAL: "oral", Route.INTRANASAL: "intranasal"}
ESKETAMINE_DEVICE_MG = Decimal(28)
ESKETAMINE_USUAL_MG = (Decimal(56), Decimal(84))
ESKETAMINE_CONFIRM_MG = (Decimal(28),)
HUNDRED = Decimal(100)


def setting_key(route: str, bound: str) -> str:
    """The clinic setting of one bound ("usual_min", "usual_max", "hard_max") of a ketamine
    route, in hundredths of a mg/kg."""
    return f"ketamine_{route}_{bound}_mgkg_x100"


@dataclass(frozen=True)
class DoseCheck:
    outcome: DoseOutcome
    message: str
    field: str | None = None           # the form field the message belongs beside
    mg_per_kg: Decimal | None = None   # the dose per kg, to two decimals, when weight-based

    @property
    def needs_confirmation(self) -> bool:
        return self.outcome == DoseOutcome.OUTSIDE_USUAL


def mg_per_kg(dose_mg: Decimal, weight_kg: Decimal) -> Decimal:
    """The dose per kg as the record shows it: two decimals, rounded half up."""
    return (dose_mg / weight_kg).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _mgkg(hundredths: int) -> str:
    return f"{Decimal(hundredths) / HUNDRED:.2f}"


def _mg(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def _esketamine(route: str, dose_mg: Decimal) -> DoseCheck:
    if route != Route.INTRANASAL:
        return DoseCheck(DoseOutcome.REFUSED,
                         "Esketamine is given intranasally (28 mg devices).", "route")
    if dose_mg in ESKETAMINE_USUAL_MG:
        devices = int(dose_mg / ESKETAMINE_DEVICE_MG)
        return DoseCheck(DoseOutcome.USUAL, f"Esketamine {_mg(dose_mg)} mg ({devices} devices): "
                                            "a labelled dose.")
    if dose_mg in ESKETAMINE_CONFIRM_MG:
        return DoseCheck(DoseOutcome.OUTSIDE_USUAL,
                         "Esketamine 28 mg (1 device) is below the labelled 56 or 84 mg (it is "
                         "the EU starting dose for patients aged 65 and over).", "dose_mg")
    return DoseCheck(DoseOutcome.REFUSED,
                     f"Esketamine comes in 28 mg devices: the dose is 56 mg (2 devices) or 84 mg "
                     f"(3 devices), not {_mg(dose_mg)} mg.", "dose_mg")


def _weight_problem(weight_kg: Decimal | None, weighed_on: date | None, on: date,
                    within_days: int) -> DoseCheck | None:
    if weight_kg is None or weight_kg <= 0:
        return DoseCheck(DoseOutcome.REFUSED,
                         "Ketamine is dosed in mg/kg: record the patient's weight (kg) and the "
                         "date it was measured.", "weight_kg")
    if weighed_on is None:
        return DoseCheck(DoseOutcome.REFUSED,
                         "Give the date the weight was measured: the dose is checked in mg/kg "
                         f"against a weight from the last {within_days} days.", "weighed_on")
    if weighed_on > on:
        return DoseCheck(DoseOutcome.REFUSED,
                         f"The weight is dated {_day(weighed_on)}, after the session "
                         f"({_day(on)}).", "weighed_on")
    age = (on - weighed_on).days
    if age > within_days:
        return DoseCheck(DoseOutcome.REFUSED,
                         f"The weight ({_mg(weight_kg)} kg) was measured on {_day(weighed_on)}, "
                         f"{age} days before the session; the clinic asks for a weight from the "
                         f"last {within_days} days. Weigh the patient and enter the new weight "
                         "and its date.", "weighed_on")
    return None


def check_dose(medication: str, route: str, dose_mg: Decimal, *, weight_kg: Decimal | None,
               weighed_on: date | None, on: date, settings: dict[str, int]) -> DoseCheck:
    """Classify a dose in mg given by `route` at a session on the day `on`, by the clinic's
    `settings` (the keys of tracker.core.clinic.DEFAULT_SETTINGS). See the module docstring."""
    if dose_mg is None or dose_mg <= 0:
        return DoseCheck(DoseOutcome.REFUSED, "The dose must be more than 0 mg.", "dose_mg")
    if medication == Medication.ESKETAMINE:
        return _esketamine(route, dose_mg)
    if medication != Medication.KETAMINE or route not in ROUTE_WORDS:
        return DoseCheck(DoseOutcome.REFUSED, "Choose the medication and the route.", "medication")
    problem = _weight_problem(weight_kg, weighed_on, on, settings["weight_within_days"])
    if problem is not None:
        return problem
    per_kg = mg_per_kg(dose_mg, weight_kg)
    hundredths = per_kg * HUNDRED
    words = f"ketamine {ROUTE_WORDS[route]}"
    given = f"{_mg(dose_mg)} mg at {_mg(weight_kg)} kg is {per_kg} mg/kg"
    hard_route = route if route in RANGED_ROUTES else Route.IV
    hard_max = settings[setting_key(hard_route, "hard_max")]
    if hundredths > hard_max:
        return DoseCheck(DoseOutcome.REFUSED,
                         f"{given}, above the clinic's hard maximum for {words} "
                         f"({_mgkg(hard_max)} mg/kg). The dose cannot be saved; check it is in "
                         "mg, not mL.", "dose_mg", per_kg)
    if route not in RANGED_ROUTES:
        return DoseCheck(DoseOutcome.OUTSIDE_USUAL,
                         f"{given}. The clinic has no usual range for racemic ketamine "
                         "intranasal.", "dose_mg", per_kg)
    low = settings[setting_key(route, "usual_min")]
    high = settings[setting_key(route, "usual_max")]
    usual = f"{_mgkg(low)} to {_mgkg(high)} mg/kg"
    if hundredths < low:
        return DoseCheck(DoseOutcome.OUTSIDE_USUAL,
                         f"{given}, below the usual {usual} for {words}.", "dose_mg", per_kg)
    if hundredths > high:
        return DoseCheck(DoseOutcome.OUTSIDE_USUAL,
                         f"{given}, above the usual {usual} for {words}.", "dose_mg", per_kg)
    return DoseCheck(DoseOutcome.USUAL, f"{given}, within the usual {usual}.", None, per_kg)
