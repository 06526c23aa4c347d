"""The clinic-local datetime field's parse: a wall-clock time in the clinic's zone as UTC.

The oracle does not use local_to_utc's method: it tries every UTC offset there has ever been
(-12:00 to +14:00 in quarter hours) and keeps the instants whose wall clock in the zone is the
time typed. None: the clocks skipped it (refused). Several: the clocks repeated it (the first)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.datetext import CLOCKS, DATE_ORDERS, Style, input_datetime, parse_datetime
from tracker.fields import local_to_utc

ZONES = [ZoneInfo(name) for name in (
    "America/New_York", "America/Los_Angeles", "Europe/London", "Europe/Berlin",
    "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kolkata", "UTC")]
OFFSETS = [timedelta(minutes=15 * q) for q in range(-12 * 4, 14 * 4 + 1)]



def _changes_of_clock(zone: ZoneInfo, years=range(2020, 2027)) -> list[datetime]:
    """Wall-clock times just before each change of offset (found hour by hour, in UTC)."""
    found, at = [], datetime(years[0], 1, 1, tzinfo=UTC)
    while at.year < years[-1] + 1:
        nxt = at + timedelta(hours=1)
        if at.astimezone(zone).utcoffset() != nxt.astimezone(zone).utcoffset():
            found.append(at.astimezone(zone).replace(tzinfo=None))
        at = nxt
    return found


CHANGES = [(zone, wall) for zone in ZONES for wall in _changes_of_clock(zone)]
any_wall = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31))
near_a_change = st.builds(lambda change, minutes: (change[0], change[1] + timedelta(minutes=minutes)),
                          st.sampled_from(CHANGES), st.integers(-150, 150))
zone_and_wall = st.one_of(
    st.tuples(st.sampled_from(ZONES), any_wall), near_a_change,
).map(lambda zw: (zw[0], zw[1].replace(second=0, microsecond=0)))


def instants_showing(wall: datetime, zone: ZoneInfo) -> list[datetime]:
    found = set()
    for offset in OFFSETS:
        instant = (wall - offset).replace(tzinfo=UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == wall:
            found.add(instant)
    return sorted(found)


@settings(max_examples=400, deadline=None)
@given(zone_and_wall=zone_and_wall)
def test_a_typed_time_is_the_first_instant_showing_it_or_refused(zone_and_wall):
    zone, wall = zone_and_wall
    candidates = instants_showing(wall, zone)
    if not candidates:
        with pytest.raises(ValueError, match="does not exist"):
            local_to_utc(wall, zone)
        return
    result = local_to_utc(wall, zone)
    assert result.tzinfo is UTC
    assert result == candidates[0]


def test_a_repeated_time_is_its_first_occurrence_whatever_its_fold():
    """Found by hypothesis: a wall time carrying fold=1 (none of the app's parsers make one,
    but the function took it) gave the second 02:00 of Berlin's autumn night."""
    berlin = ZoneInfo("Europe/Berlin")
    for fold in (0, 1):
        wall = datetime(2000, 10, 29, 2, 0, fold=fold)
        assert local_to_utc(wall, berlin) == datetime(2000, 10, 29, 0, 0, tzinfo=UTC)


@settings(max_examples=400, deadline=None)
@given(zone_and_wall=zone_and_wall)
def test_a_time_shown_by_the_clock_is_never_refused(zone_and_wall):
    zone, wall = zone_and_wall  # read as a UTC instant near (or at) a change of clock
    instant = wall.replace(tzinfo=UTC)
    shown = instant.astimezone(zone)
    wall = shown.replace(tzinfo=None, fold=0)  # as a form parses it: the clock carries no fold
    result = local_to_utc(wall, zone)
    assert result.astimezone(zone).replace(tzinfo=None) == wall
    if shown.fold:  # the second time the clock showed this: the first, earlier instant is meant
        assert result < instant
    else:
        assert result == instant


@pytest.mark.parametrize("wall, expected", [
    (datetime(2024, 3, 10, 1, 59), datetime(2024, 3, 10, 6, 59, tzinfo=UTC)),
    (datetime(2024, 3, 10, 3, 0), datetime(2024, 3, 10, 7, 0, tzinfo=UTC)),
    (datetime(2024, 11, 3, 1, 30), datetime(2024, 11, 3, 5, 30, tzinfo=UTC)),  # EDT
    (datetime(2024, 7, 1, 12, 0, 30), datetime(2024, 7, 1, 16, 0, 30, tzinfo=UTC)),
])
def test_new_york_around_the_changes_of_clock(wall, expected):
    assert local_to_utc(wall, ZoneInfo("America/New_York")) == expected


def test_a_skipped_time_says_why():
    with pytest.raises(ValueError, match="clocks moved forward"):
        local_to_utc(datetime(2024, 3, 10, 2, 30), ZoneInfo("America/New_York"))


STYLES = [Style(order, clock) for order in DATE_ORDERS for clock in CLOCKS]


@settings(max_examples=400, deadline=None)
@given(zone_and_wall=zone_and_wall, style=st.sampled_from(STYLES))
def test_a_time_typed_in_the_clinics_pattern_reads_back_across_changes_of_clock(zone_and_wall,
                                                                                  style):
    """What the field shows for an instant (the clinic's pattern, in its zone) is read back
    as that instant; in the hour the clocks repeat, as the first time the clock showed it
    (an unchanged form keeps the real instant through its hidden shown-value instead)."""
    zone, wall = zone_and_wall
    instant = wall.replace(tzinfo=UTC)
    shown = instant.astimezone(zone)
    typed = input_datetime(shown.replace(tzinfo=None), style)
    result = local_to_utc(parse_datetime(typed, style), zone)
    assert result.astimezone(zone).replace(tzinfo=None) == shown.replace(tzinfo=None, fold=0)
    assert result == (instants_showing(shown.replace(tzinfo=None, fold=0), zone)[0])
    assert result == instant or (shown.fold and result < instant)


@settings(max_examples=200, deadline=None)
@given(zone_and_wall=zone_and_wall, style=st.sampled_from(STYLES))
def test_a_skipped_time_typed_in_the_clinics_pattern_is_refused_with_words(zone_and_wall, style):
    zone, wall = zone_and_wall
    typed = input_datetime(wall, style)
    if instants_showing(wall, zone):
        assert local_to_utc(parse_datetime(typed, style), zone).tzinfo is UTC
    else:
        with pytest.raises(ValueError, match="does not exist"):
            local_to_utc(parse_datetime(typed, style), zone)
