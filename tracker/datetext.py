"""Dates and times written the clinic's way: one way on every page and in every form.

A clinic chooses its date order and its clock (clinic settings):

| order | a date shown | typed |
| --- | --- | --- |
| `dmy` (the default) | Mon 30 Nov 2026 | 30/11/2026 |
| `mdy` | Mon Nov 30, 2026 | 11/30/2026 |
| `iso` | Mon 2026-11-30 | 2026-11-30 |

and a 24-hour ("14:05", the default) or 12-hour ("2:05 PM") clock. Month and day names are
English and fixed here, not the server's locale (strftime's %a and %b follow LC_TIME).

Forms type dates into plain text boxes filled in the clinic's pattern (`input_date`,
`input_datetime`) and read back by `parse_date` / `parse_datetime`. Browsers' own date pickers
are not used: they write the date in the browser's language whatever the page says (Chromium in
en-US shows mm/dd/yyyy and a 12-hour clock even under <html lang="en-GB">), so a day-month
clinic would type one way and read another. The parsers are lenient where no doubt is possible
and strict where there is: a year always has four digits; a date that starts with the year is
ISO in every clinic (and so are the browsers' and the tests' "2026-11-30T14:05"); month names
("30 Nov 2026", "Nov 30, 2026") are read in either order; otherwise the clinic's order decides;
an hour from 1 to 12 with no am/pm is refused on a 12-hour clock (is "2:05" night or day?)
unless it is written "02:05" or follows an ISO date: 24-hour notation.
Every refusal is a ValueError whose message tells the user what to type.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

DMY, MDY, ISO = "dmy", "mdy", "iso"
H24, H12 = "24h", "12h"
DATE_ORDERS = {
    DMY: "Day, month, year (Mon 30 Nov 2026; typed 30/11/2026)",
    MDY: "Month, day, year (Mon Nov 30, 2026; typed 11/30/2026)",
    ISO: "Year-month-day (Mon 2026-11-30; typed 2026-11-30)",
}
CLOCKS = {H24: "24-hour (14:05)", H12: "12-hour (2:05 PM)"}

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NUMBER = {name.lower(): n for n, name in enumerate(MONTHS, start=1)}
_FULL_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")
_MONTH_NUMBER.update({name: n for n, name in enumerate(_FULL_MONTHS, start=1)})
_MONTH_NUMBER["sept"] = 9
_DAY_WORDS = ("mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "monday",
              "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Style:
    """A clinic's way of writing dates: its date order and its clock."""

    order: str = DMY
    clock: str = H24

    def __post_init__(self):
        if self.order not in DATE_ORDERS or self.clock not in CLOCKS:
            raise ValueError(f"unknown date style {self.order!r} / {self.clock!r}")

    @classmethod
    def of(cls, clinic) -> Style:
        return cls(getattr(clinic, "date_order", None) or DMY, getattr(clinic, "clock", None) or H24)


# -- shown on pages -------------------------------------------------------------------------

def show_date(value: date, style: Style, *, weekday: bool = True) -> str:
    """Mon 30 Nov 2026 / Mon Nov 30, 2026 / Mon 2026-11-30 (without `weekday`, no "Mon ")."""
    if style.order == ISO:
        text = f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    elif style.order == MDY:
        text = f"{MONTHS[value.month - 1]} {value.day:02d}, {value.year}"
    else:
        text = f"{value.day:02d} {MONTHS[value.month - 1]} {value.year}"
    return f"{DAYS[value.weekday()]} {text}" if weekday else text


def show_day_month(value: date, style: Style) -> str:
    """30 Nov / Nov 30 / 11-30: a date within a year the page names elsewhere."""
    if style.order == ISO:
        return f"{value.month:02d}-{value.day:02d}"
    if style.order == MDY:
        return f"{MONTHS[value.month - 1]} {value.day:02d}"
    return f"{value.day:02d} {MONTHS[value.month - 1]}"


def show_time(value: time | datetime, style: Style, *, seconds: bool = False) -> str:
    """14:05 / 2:05 PM (with `seconds`, 14:05:09 / 2:05:09 PM)."""
    tail = f":{value.second:02d}" if seconds else ""
    if style.clock == H12:
        hour = value.hour % 12 or 12
        return f"{hour}:{value.minute:02d}{tail} {'AM' if value.hour < 12 else 'PM'}"
    return f"{value.hour:02d}:{value.minute:02d}{tail}"


def show_datetime(value: datetime, style: Style, *, weekday: bool = True,
                  seconds: bool = False) -> str:
    """Mon 30 Nov 2026, 14:05 (the date as show_date, the time as show_time)."""
    return f"{show_date(value, style, weekday=weekday)}, {show_time(value, style, seconds=seconds)}"


# -- typed into forms -----------------------------------------------------------------------

def input_date(value: date, style: Style) -> str:
    """30/11/2026 / 11/30/2026 / 2026-11-30: what a date box is filled with."""
    if style.order == ISO:
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    if style.order == MDY:
        return f"{value.month:02d}/{value.day:02d}/{value.year}"
    return f"{value.day:02d}/{value.month:02d}/{value.year}"


def input_time(value: time | datetime, style: Style) -> str:
    return show_time(value, style)


def input_datetime(value: datetime, style: Style) -> str:
    """30/11/2026 14:05, 11/30/2026 2:05 PM, 2026-11-30 14:05 ..."""
    return f"{input_date(value, style)} {input_time(value, style)}"


def date_pattern(style: Style) -> str:
    """The pattern a date box asks for, in words a person reads: dd/mm/yyyy."""
    return {DMY: "dd/mm/yyyy", MDY: "mm/dd/yyyy", ISO: "yyyy-mm-dd"}[style.order]


def time_pattern(style: Style) -> str:
    return "h:mm AM or PM" if style.clock == H12 else "hh:mm, 24-hour"


def date_hint(style: Style, example: date = date(2026, 11, 30)) -> str:
    return f"As {date_pattern(style)}, e.g. {input_date(example, style)}."


def datetime_hint(style: Style, example: datetime = datetime(2026, 11, 30, 14, 5)) -> str:  # noqa: DTZ001
    return (f"As {date_pattern(style)} and {time_pattern(style)}, "
            f"e.g. {input_datetime(example, style)}.")


_SPACES = re.compile(r"\s+")
_DATE_PIECES = re.compile(r"[A-Za-z]+|[0-9]+")
_TIME = re.compile(
    r"^(?P<hour>\d{1,2})(?::(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?)?\s*"
    r"(?P<half>[ap])?\.?\s*(?:m\.?)?$", re.IGNORECASE | re.ASCII)


def parse_date(text: str, style: Style) -> date:
    """A date typed in the clinic's order, in ISO, or with the month's name."""
    words = _SPACES.sub(" ", (text or "").strip().rstrip(".,")).strip()
    if not words:
        raise ValueError("Enter a date.")
    pieces = _DATE_PIECES.findall(words)
    if pieces and pieces[0].lower() in _DAY_WORDS:
        pieces = pieces[1:]  # "Mon 30 Nov 2026": the weekday adds nothing
    leftover = _DATE_PIECES.sub("", words)
    if len(pieces) != 3 or re.search(r"[^\s/.,\-]", leftover):
        raise ValueError(f"Type the date {_lower_first(date_hint(style))}")
    named = [p for p in pieces if not p.isdigit()]
    if named:  # "30 Nov 2026", "Nov 30, 2026", "2026 Nov 30": the name says which is the month
        if len(named) != 1 or named[0].lower() not in _MONTH_NUMBER or pieces[2] == named[0]:
            raise ValueError(f"This is not a date: type it {_lower_first(date_hint(style))}")
        first, second = (p for p in pieces if p.isdigit())
        year, day = (first, second) if len(first) == 4 else (second, first)
        return _make_date(year, _MONTH_NUMBER[named[0].lower()], day, style)
    if len(pieces[0]) == 4:  # year first: ISO in every clinic
        year, month, day = pieces
    elif style.order == ISO:
        raise ValueError(f"Type the date year first, {date_hint(style)[3:]}")
    elif style.order == MDY:
        month, day, year = pieces
    else:
        day, month, year = pieces
    return _make_date(year, month, day, style)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _make_date(year, month, day, style: Style) -> date:
    if len(str(year)) != 4:
        raise ValueError(f"Type the year with four digits, {_lower_first(date_hint(style))}")
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(f"There is no such day; type the date {_lower_first(date_hint(style))}") from None


def parse_time(text: str, style: Style, *, iso: bool = False) -> time:
    """14:05, 2:05 pm, 2:05PM, 2 pm, 14:05:09. On a 12-hour clock an hour from 1 to 12 needs am
    or pm, unless written with two digits ("09:30") or after an ISO date (`iso`): both are
    24-hour notation."""
    match = _TIME.match((text or "").strip())
    if not match:
        raise ValueError(f"Type the time as {time_pattern(style)}, e.g. "
                         f"{show_time(time(14, 5), style)}.")
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    second = int(match["second"] or 0)
    half = (match["half"] or "").lower()
    if half:
        if not 1 <= hour <= 12:
            raise ValueError(f"With AM or PM the hour is 1 to 12 ({text.strip()}).")
        hour = hour % 12 + (12 if half == "p" else 0)
    elif style.clock == H12 and 1 <= hour <= 12 and not iso and not match["hour"].startswith("0"):
        raise ValueError(f"Add AM or PM to {text.strip()} (or type it on the 24-hour clock).")
    if match["minute"] is None and not half:
        raise ValueError(f"Type the time as {time_pattern(style)}, e.g. "
                         f"{show_time(time(14, 5), style)}.")
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"Hours run from 0 to 23 and minutes from 0 to 59 ({text.strip()}).")
    return time(hour, minute, second)


_SPLIT = re.compile(r"^(?P<date>.*?\d)(?:\s*(?:,|\bat\b|T)\s*|\s+)"
                    r"(?P<time>\d{1,2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:\s*[ap]\.?\s*m?\.?)?)$",
                    re.IGNORECASE | re.ASCII)


def parse_datetime(text: str, style: Style) -> datetime:
    """A naive wall-clock datetime: a date as parse_date, then a time as parse_time, separated
    by a space, a comma, "at" or ISO's "T"."""
    words = _SPACES.sub(" ", (text or "").strip())
    if not words:
        raise ValueError("Enter a date and time.")
    match = _SPLIT.match(words)
    if not match:
        raise ValueError(f"Type the date and the time {_lower_first(datetime_hint(style))}")
    day = parse_date(match["date"], style)
    clock = parse_time(match["time"], style, iso=bool(re.match(r"\s*[0-9]{4}\D", match["date"])))
    return datetime.combine(day, clock)
