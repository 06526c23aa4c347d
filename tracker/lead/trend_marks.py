"""The dashboard's small trend marks: a sparkline per rule and a heat band per week and rule.

Pure functions: rates in, drawing instructions out (an SVG polyline's points, a band name), so
the page needs no script and its Content-Security-Policy no inline style.
"""
from __future__ import annotations

from collections.abc import Sequence

# A rate's band, from its lower bound: the heat map's colour and, always beside it, the rate
# itself in words (colour is never the only signal).
BANDS = ((0.95, "high"), (0.85, "good"), (0.70, "fair"), (0.50, "low"), (0.0, "poor"))
BAND_WORDS = {"high": "95% or more", "good": "85 to 94%", "fair": "70 to 84%",
              "low": "50 to 69%", "poor": "under 50%", "none": "nothing assessed"}


def band(rate: float | None) -> str:
    """'high' / 'good' / 'fair' / 'low' / 'poor' for a rate in [0, 1]; 'none' for no rate."""
    if rate is None:
        return "none"
    for lower, name in BANDS:
        if rate >= lower:
            return name
    return "poor"


def sparkline(rates: Sequence[float | None], width: int = 80, height: int = 20,
              pad: int = 2) -> list[str]:
    """The polylines of a sparkline: one "x,y x,y ..." string per run of weeks with a rate
    (a week with nothing assessed breaks the line rather than pretending it was 0%).

    x spreads the weeks evenly over the width; y is 0% at the bottom and 100% at the top."""
    if not rates:
        return []
    step = (width - 2 * pad) / max(1, len(rates) - 1)
    runs, current = [], []
    for index, rate in enumerate(rates):
        if rate is None:
            if current:
                runs.append(current)
            current = []
            continue
        x = pad + index * step
        y = pad + (1 - min(1.0, max(0.0, rate))) * (height - 2 * pad)
        current.append(f"{x:.1f},{y:.1f}")
    if current:
        runs.append(current)
    return [" ".join(run) for run in runs]


def trend_words(rates: Sequence[float | None], unit: str) -> str:
    """The sparkline in words for a screen reader: first and last assessed rates."""
    known = [r for r in rates if r is not None]
    if not known:
        return f"nothing assessed in any {unit}"
    if len(known) == 1:
        return f"{known[0]:.0%} in the one {unit} assessed"
    return f"from {known[0]:.0%} to {known[-1]:.0%} over {len(rates)} {unit}s"
