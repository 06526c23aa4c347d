"""tracker.portal.ics: RFC 5545 text, checked without the app."""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.portal import ics

NOW = datetime(2026, 3, 14, 15, 0, tzinfo=UTC)


def _event(**kw):
    base = dict(uid="dosing-session-7.clinic-1@journey-tracker", starts_at=NOW + timedelta(days=2),
                summary="Dosing session at Test Clinic", duration=timedelta(hours=2))
    base.update(kw)
    return ics.Event(**base)


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_calendar_has_crlf_lines_and_the_required_properties():
    text = ics.calendar([_event()], name="Test Clinic appointments", generated_at=NOW)
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")  # no bare LF anywhere
    lines = _unfold(text)[:-1]
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    event = lines[lines.index("BEGIN:VEVENT"):lines.index("END:VEVENT") + 1]
    assert "UID:dosing-session-7.clinic-1@journey-tracker" in event
    assert "DTSTAMP:20260314T150000Z" in event
    assert "DTSTART:20260316T150000Z" in event
    assert "DURATION:PT2H" in event
    assert "SUMMARY:Dosing session at Test Clinic" in event


def test_start_times_are_converted_to_utc_with_z():
    local = datetime(2026, 7, 1, 9, 30, tzinfo=ZoneInfo("America/New_York"))
    assert ics.utc_stamp(local) == "20260701T133000Z"


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        ics.utc_stamp(datetime(2026, 1, 1, 9, 0))


@pytest.mark.parametrize("raw, escaped", [
    ("Smith, Jones; Partners", "Smith\\, Jones\\; Partners"),
    ("line one\nline two", "line one\\nline two"),
    ("windows\r\nnewline", "windows\\nnewline"),
    ("back\\slash", "back\\\\slash"),
])
def test_text_is_escaped(raw, escaped):
    assert ics.escape_text(raw) == escaped


def test_summary_with_commas_and_newlines_is_escaped_in_the_file():
    text = ics.calendar([_event(summary="Dosing session at Calm, Clear; Care\nClinic")],
                        name="x", generated_at=NOW)
    assert "SUMMARY:Dosing session at Calm\\, Clear\\; Care\\nClinic" in _unfold(text)


def test_long_lines_are_folded_at_75_octets():
    name = "The Very Long Named Ketamine Assisted Therapy and Integration Clinic of Somewhere"
    text = ics.calendar([_event(summary=f"Dosing session at {name}")], name=name, generated_at=NOW)
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    assert f"SUMMARY:Dosing session at {name}" in _unfold(text)


def test_folding_never_splits_a_multibyte_character():
    summary = "Dosing session at Clínica Serenidad — São Paulo 東京 " * 3
    text = ics.calendar([_event(summary=summary)], name="x", generated_at=NOW)
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
        line.encode("utf-8").decode("utf-8")  # each physical line is valid UTF-8 on its own
    assert f"SUMMARY:{ics.escape_text(summary)}" in _unfold(text)


@given(st.text(min_size=0, max_size=400))
def test_fold_then_unfold_gives_back_the_line(value):
    line = "SUMMARY:" + ics.escape_text(value)
    folded = ics.fold(line)
    assert all(len(part.encode("utf-8")) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


@pytest.mark.parametrize("delta, text", [
    (timedelta(hours=2), "PT2H"), (timedelta(minutes=30), "PT30M"), (timedelta(minutes=90), "PT1H30M")])
def test_durations(delta, text):
    assert ics.format_duration(delta) == text


def test_the_same_events_give_the_same_uids_on_every_download():
    first = ics.calendar([_event()], name="x", generated_at=NOW)
    later = ics.calendar([_event()], name="x", generated_at=NOW + timedelta(hours=5))
    uids = lambda text: [line for line in _unfold(text) if line.startswith("UID:")]  # noqa: E731
    assert uids(first) == uids(later)


def test_an_empty_calendar_is_still_valid():
    lines = _unfold(ics.calendar([], name="x", generated_at=NOW))
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and "BEGIN:VEVENT" not in lines
