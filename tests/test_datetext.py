"""Dates and times written the clinic's way (tracker/datetext.py): shown, typed, read back.

The oracle for what a page shows is strftime in the C locale (a separate implementation of the
same patterns); the parsers are checked by round trips from every way a date is written, by
ISO in every clinic, and by never failing with anything but a message for the user."""
from __future__ import annotations

from datetime import date, datetime, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.datetext import (
    CLOCKS,
    DATE_ORDERS,
    DMY,
    H12,
    H24,
    ISO,
    MDY,
    Style,
    input_date,
    input_datetime,
    parse_date,
    parse_datetime,
    parse_time,
    show_date,
    show_datetime,
    show_day_month,
    show_time,
)

STYLES = [Style(order, clock) for order in DATE_ORDERS for clock in CLOCKS]
styles = st.sampled_from(STYLES)
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
minutes = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0))


def oracle_date(d: date, style: Style) -> str:
    pattern = {DMY: "%a %d %b %Y", MDY: "%a %b %d, %Y", ISO: "%a %Y-%m-%d"}[style.order]
    return d.strftime(pattern)


def oracle_time(t: time | datetime, style: Style) -> str:
    if style.clock == H24:
        return t.strftime("%H:%M")
    return f"{int(t.strftime('%I'))}:{t.strftime('%M %p')}"


@settings(max_examples=300, deadline=None)
@given(day=days, style=styles)
def test_a_date_is_shown_as_the_oracle_writes_it(day, style):
    assert show_date(day, style) == oracle_date(day, style)
    assert show_date(day, style, weekday=False) == oracle_date(day, style)[4:]
    assert show_day_month(day, style) in show_date(day, style) or style.order == ISO


@settings(max_examples=300, deadline=None)
@given(moment=minutes, style=styles)
def test_a_moment_is_shown_as_the_oracle_writes_it(moment, style):
    assert show_datetime(moment, style) == f"{oracle_date(moment, style)}, {oracle_time(moment, style)}"


@settings(max_examples=400, deadline=None)
@given(day=days, style=styles)
def test_a_date_reads_back_from_every_way_it_is_written(day, style):
    for text in (input_date(day, style), show_date(day, style), show_date(day, style, weekday=False),
                 day.isoformat()):
        assert parse_date(text, style) == day, text


@settings(max_examples=400, deadline=None)
@given(moment=minutes, style=styles, seconds=st.integers(0, 59))
def test_a_moment_reads_back_from_every_way_it_is_written(moment, style, seconds):
    for text in (input_datetime(moment, style), show_datetime(moment, style),
                 moment.strftime("%Y-%m-%dT%H:%M"), moment.strftime("%Y-%m-%d %H:%M")):
        assert parse_datetime(text, style) == moment, text
    with_seconds = moment.replace(second=seconds)
    assert parse_datetime(show_datetime(with_seconds, style, seconds=True), style) == with_seconds
    assert parse_datetime(with_seconds.strftime("%Y-%m-%dT%H:%M:%S"), style) == with_seconds


@settings(max_examples=300, deadline=None)
@given(moment=minutes, style=styles)
def test_am_and_pm_are_read_on_either_clock(moment, style):
    twelve = Style(style.order, H12)
    typed = f"{input_date(moment, style)} {show_time(moment, twelve).lower().replace(' ', '')}"
    assert parse_datetime(typed, style) == moment


@given(text=st.text(max_size=40), style=styles)
def test_anything_typed_is_read_or_refused_with_words(text, style):
    outcome = _read(text, style)
    if isinstance(outcome, str):
        assert outcome[:1].isupper() and outcome.endswith(".")
    else:
        assert isinstance(outcome, datetime)


def _read(text: str, style: Style) -> datetime | str:
    """The datetime read, or the refusal's words (any other exception fails the test)."""
    try:
        return parse_datetime(text, style)
    except ValueError as refusal:
        return str(refusal)


@pytest.mark.parametrize("style", STYLES, ids=lambda s: f"{s.order}-{s.clock}")
def test_day_month_order_decides_only_without_a_year_first_or_a_month_name(style):
    assert parse_date("2026-03-04", style) == date(2026, 3, 4)
    assert parse_date("4 Mar 2026", style) == parse_date("Mar 4, 2026", style) == date(2026, 3, 4)
    if style.order == DMY:
        assert parse_date("04/03/2026", style) == date(2026, 3, 4)
    elif style.order == MDY:
        assert parse_date("04/03/2026", style) == date(2026, 4, 3)
    else:
        with pytest.raises(ValueError, match="year first"):
            parse_date("04/03/2026", style)


@pytest.mark.parametrize("text, problem", [
    ("30/11/26", "four digits"), ("31/11/2026", "no such day"), ("30 Foo 2026", "not a date"),
    ("٣٠/١١/٢٠٢٦", "Type the date"), ("0000-01-01", "no such day"),
    ("", "Enter a date"), ("30/11", "Type the date"),
])
def test_dates_refused_say_why(text, problem):
    with pytest.raises(ValueError, match=problem):
        parse_date(text, Style())


def test_a_twelve_hour_clinic_needs_am_or_pm_for_an_ambiguous_hour():
    with pytest.raises(ValueError, match="Add AM or PM"):
        parse_time("2:05", Style(DMY, H12))
    assert parse_time("14:05", Style(DMY, H12)) == time(14, 5)
    assert parse_time("02:05", Style(DMY, H12)) == time(2, 5)  # two digits: the 24-hour clock
    assert parse_datetime("2026-11-30 2:05", Style(DMY, H12)) == datetime(2026, 11, 30, 2, 5)
    assert parse_time("0:30", Style(DMY, H12)) == time(0, 30)
    assert parse_time("2:05", Style(DMY, H24)) == time(2, 5)
    assert parse_time("12:00 am", Style()) == time(0, 0)
    assert parse_time("12:30 p.m.", Style()) == time(12, 30)
    with pytest.raises(ValueError, match="1 to 12"):
        parse_time("13:00 pm", Style())
    with pytest.raises(ValueError, match="Hours run from 0 to 23"):
        parse_time("24:00", Style())


def test_an_unknown_style_is_refused():
    with pytest.raises(ValueError):
        Style("ymd", H24)
