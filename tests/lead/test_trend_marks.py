"""The dashboard's sparklines and heat bands, against hand-worked values and properties."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tracker.lead.trend_marks import band, sparkline, trend_words

RATE = st.one_of(st.none(), st.floats(min_value=0, max_value=1, allow_nan=False))


def test_bands_by_hand():
    assert [band(r) for r in (None, 0.0, 0.49, 0.5, 0.7, 0.849, 0.85, 0.95, 1.0)] == [
        "none", "poor", "poor", "low", "fair", "fair", "good", "high", "high"]


def test_a_sparkline_by_hand():
    # three weeks over 80x20 with 2 of padding: x at 2, 40, 78; 100% at y=2, 0% at y=18
    assert sparkline([1.0, 0.5, 0.0]) == ["2.0,2.0 40.0,10.0 78.0,18.0"]
    assert sparkline([1.0, None, 0.0]) == ["2.0,2.0", "78.0,18.0"]  # a gap breaks the line
    assert sparkline([]) == [] and sparkline([None, None]) == []


@given(st.lists(RATE, min_size=1, max_size=104))
def test_every_point_is_inside_the_box_and_left_to_right(rates):
    xs = []
    for run in sparkline(rates):
        for point in run.split():
            x, y = map(float, point.split(","))
            assert 0 <= x <= 80 and 0 <= y <= 20
            xs.append(x)
    assert xs == sorted(xs)
    assert len(xs) == sum(r is not None for r in rates)


def test_trend_words():
    assert trend_words([0.5, None, 0.75], "week") == "from 50% to 75% over 3 weeks"
    assert trend_words([None], "month") == "nothing assessed in any month"
    assert trend_words([None, 0.9], "week") == "90% in the one week assessed"
