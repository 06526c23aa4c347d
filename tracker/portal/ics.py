"""iCalendar (RFC 5545) files: a patient's upcoming appointments for their own calendar app.

Pure functions, no Flask and no database, so the format is tested on its own. The event text
carries no clinical detail: only what the caller puts in `summary` (the portal sends
"Dosing session at <clinic>" or "Follow-up: check-in call").
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

CRLF = "\r\n"
MAX_OCTETS = 75  # per physical line, not counting the CRLF (RFC 5545 section 3.1)
PRODID = "-//Journey Tracker//Patient portal//EN"


@dataclass(frozen=True)
class Event:
    """One appointment. `uid` must stay the same for the same appointment on every download,
    so a calendar app updates the event instead of adding a second one."""

    uid: str
    starts_at: datetime
    summary: str
    duration: timedelta | None = None
    sequence: int = 0
    location: str | None = None
    description: str | None = None
    # Reminders before the start, e.g. (1 day, 2 hours): a VALARM each, shown by the calendar app.
    alarms: tuple[timedelta, ...] = ()


def escape_text(value: str) -> str:
    """TEXT value escaping: backslash, semicolon, comma and newlines (section 3.3.11)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line so no physical line exceeds 75 octets of UTF-8 (section 3.1).

    Continuation lines start with one space, which counts toward their 75 octets. Folds fall
    between characters, never inside a multi-byte UTF-8 sequence."""
    pieces, current, size, limit = [], [], 0, MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, MAX_OCTETS - 1
        current.append(char)
        size += width
    pieces.append("".join(current))
    return (CRLF + " ").join(pieces)


def utc_stamp(value: datetime) -> str:
    """A DATE-TIME in UTC form, e.g. 20260314T150000Z. Refuses naive times (zone unknown)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given; an appointment time needs its zone")
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def format_duration(value: timedelta) -> str:
    """A DURATION such as PT2H, PT1H30M or P1D (whole minutes; at least one minute)."""
    minutes = int(value.total_seconds() // 60)
    if minutes <= 0:
        raise ValueError("an appointment lasts at least a minute")
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")


def _property(name: str, value: str) -> str:
    return fold(f"{name}:{value}")


def calendar(events: Iterable[Event], *, name: str, generated_at: datetime) -> str:
    """The whole VCALENDAR text, CRLF line endings, ending with CRLF."""
    stamp = utc_stamp(generated_at)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        _property("PRODID", PRODID),
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        _property("X-WR-CALNAME", escape_text(name)),
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            _property("UID", event.uid),
            f"DTSTAMP:{stamp}",
            f"DTSTART:{utc_stamp(event.starts_at)}",
        ]
        if event.duration is not None:
            lines.append(f"DURATION:{format_duration(event.duration)}")
        lines += [
            f"SEQUENCE:{max(0, int(event.sequence))}",
            _property("SUMMARY", escape_text(event.summary)),
        ]
        if event.location:
            lines.append(_property("LOCATION", escape_text(event.location)))
        if event.description:
            lines.append(_property("DESCRIPTION", escape_text(event.description)))
        for before in event.alarms:
            lines += [
                "BEGIN:VALARM",
                "ACTION:DISPLAY",
                f"TRIGGER:-{format_duration(before)}",
                _property("DESCRIPTION", escape_text(event.summary)),
                "END:VALARM",
            ]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return CRLF.join(lines) + CRLF
