"""When a reminder digest is due, across daylight-saving changes: a hand-written table of real
transitions, and properties (hypothesis) of a worker polling through them."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.core.reminders import digest_due, in_quiet_hours, local_instant

NY, LONDON, SYDNEY, KOLKATA = (ZoneInfo(z) for z in (
    "America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata"))

# (zone, local day, hour) -> the UTC instant, worked out by hand from the zones' rules.
TABLE = [
    (NY, "2026-07-01", 18, "2026-07-01T22:00"),   # EDT, UTC-4
    (NY, "2026-01-15", 18, "2026-01-15T23:00"),   # EST, UTC-5
    (NY, "2026-03-08", 1, "2026-03-08T06:00"),    # before the jump
    (NY, "2026-03-08", 2, "2026-03-08T07:00"),    # 02:00 does not exist: the jump, 03:00 EDT
    (NY, "2026-03-08", 3, "2026-03-08T07:00"),    # 03:00 EDT
    (NY, "2026-11-01", 1, "2026-11-01T05:00"),    # 01:00 happens twice: the first (EDT)
    (NY, "2026-11-01", 2, "2026-11-01T07:00"),    # EST
    (LONDON, "2026-03-29", 1, "2026-03-29T01:00"),  # 01:00 GMT skipped: 02:00 BST
    (LONDON, "2026-10-25", 1, "2026-10-25T00:00"),  # 01:00 twice: the first (BST)
    (SYDNEY, "2026-10-04", 2, "2026-10-03T16:00"),  # 02:00 AEST skipped: 03:00 AEDT
    (SYDNEY, "2026-04-05", 2, "2026-04-04T15:00"),  # 02:00 twice: the first (AEDT, UTC+11)
    (KOLKATA, "2026-03-08", 2, "2026-03-07T20:30"),  # no DST, UTC+5:30
]


@pytest.mark.parametrize(("zone", "day", "hour", "expected"), TABLE)
def test_the_table(zone, day, hour, expected):
    assert local_instant(date.fromisoformat(day), hour, zone) == datetime.fromisoformat(
        expected).replace(tzinfo=UTC)


@pytest.mark.parametrize(("hour", "start", "end", "quiet"), [
    (23, 22, 7, True), (3, 22, 7, True), (7, 22, 7, False), (21, 22, 7, False),
    (13, 12, 14, True), (14, 12, 14, False), (11, 12, 14, False),
    (5, None, None, False), (5, 5, 5, False), (0, 0, 1, True), (23, 23, 0, True), (0, 23, 0, False),
])
def test_quiet_hours(hour, start, end, quiet):
    assert in_quiet_hours(hour, start, end) is quiet


zones = st.sampled_from([NY, LONDON, SYDNEY, KOLKATA, ZoneInfo("Europe/Berlin"),
                         ZoneInfo("America/Los_Angeles")])
days = st.dates(date(2020, 1, 1), date(2032, 12, 31))


@given(zone=zones, day=days, hour=st.integers(0, 23))
def test_the_instant_is_that_day_at_that_hour_or_the_first_moment_after_it(zone, day, hour):
    instant = local_instant(day, hour, zone)
    local = instant.astimezone(zone)
    wanted = datetime(day.year, day.month, day.day, hour)
    assert local.date() == day
    assert local.replace(tzinfo=None) >= wanted
    if local.replace(tzinfo=None) != wanted:  # skipped by the clocks: nothing valid in between
        assert local.minute == 0 or zone is KOLKATA
        one_minute_before = (instant - timedelta(minutes=1)).astimezone(zone).replace(tzinfo=None)
        assert one_minute_before < wanted
    if hour:
        assert local_instant(day, hour - 1, zone) <= instant


def _pref(hour, quiet):
    start, end = quiet
    return SimpleNamespace(enabled=True, unsubscribed_at=None, last_digest_on=None, hour=hour,
                           quiet_start=start, quiet_end=end)


@settings(max_examples=60, deadline=None)
@given(zone=zones, transition=st.sampled_from([(3, 8), (3, 29), (10, 4), (10, 25), (11, 1), (4, 5)]),
       year=st.integers(2024, 2030), hour=st.integers(0, 23), poll=st.sampled_from([7, 15, 60]),
       quiet=st.sampled_from([(None, None), (22, 7), (0, 6), (12, 13)]))
def test_a_polling_worker_sends_one_digest_per_day_across_dst(zone, transition, year, hour,
                                                               poll, quiet):
    """Poll every `poll` minutes for four days around a DST change: every local day gets its
    digest exactly once, at or after the chosen hour, never in quiet hours (a digest held back
    by them goes when they end, that day)."""
    if in_quiet_hours(hour, *quiet):
        hour = quiet[1]  # the form refuses an hour inside quiet hours
    month, day_of_month = transition
    first = date(year, month, day_of_month) - timedelta(days=2)
    start, end = local_instant(first, 0, zone), local_instant(first + timedelta(days=4), 0, zone)
    pref = _pref(hour, quiet)
    sent = []
    now = start
    while now < end:  # four local days: 95 to 97 hours, as the clocks change
        day = digest_due(pref, now, zone)
        if day is not None:
            sent.append((day, now))
            pref.last_digest_on = day
        now += timedelta(minutes=poll)
    days = [d for d, _ in sent]
    assert len(days) == len(set(days))  # never twice a day
    assert days == [first + timedelta(days=i) for i in range(4)]  # every day
    for day, at in sent:
        assert at >= local_instant(day, hour, zone)
        assert not in_quiet_hours(at.astimezone(zone).hour, *quiet)
        if quiet == (None, None):  # sent at the first poll after the hour
            assert at - local_instant(day, hour, zone) < timedelta(minutes=poll)
