"""The lead's "today": what is left to do across the clinic, each count from the continuity
rules (tracker/continuity: their states, computed by the database, are the only judgement
made) and each opening the records behind it (the rule's drill-down).

The period is the clinic's attention window (attention_window_days, ending today), as on the
clinicians' "needs attention" list, so older misses stay on the dashboard instead of
crowding the day's list; open safety flags look back as far as a drill-down can (two years),
because a flag left open is never too old to act on. One query per tile, whatever the size of
the clinic.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tracker.continuity import queries
from tracker.continuity.forms import MAX_DAYS
from tracker.continuity.rules import MISSING, PENDING, RULES
from tracker.continuity.scope import Scope

INLINE_ROWS = 5


@dataclass(frozen=True)
class Tile:
    key: str                      # the continuity rule's key
    title: str                    # the count's heading
    item: str                     # what one row is, in words (singular)
    states: tuple[str, ...]       # the states that are left to do, most urgent first
    words: dict[str, str]         # what each state means here, in words
    long_period: bool = False     # looks back two years instead of the attention window


TILES = (
    Tile("flags_acknowledged", "Open safety flags", "safety flag", (MISSING, PENDING),
         {MISSING: "past the deadline to acknowledge", PENDING: "to acknowledge"},
         long_period=True),
    Tile("session_signed", "In-session records to sign", "session record", (MISSING, PENDING),
         {MISSING: "past the deadline to sign", PENDING: "to sign"}),
    Tile("debrief_signed", "Debriefs due", "debrief", (MISSING, PENDING),
         {MISSING: "late: not held and signed in time", PENDING: "due"}),
    Tile("in_contact", "Patients drifting out of contact", "patient", (MISSING,),
         {MISSING: "no contact in the follow-up window"}),
    Tile("rems_submitted", "REMS forms due", "REMS form", (MISSING, PENDING),
         {MISSING: "past the deadline to submit", PENDING: "to submit"}),
    Tile("tasks_not_overdue", "Overdue integration tasks", "task occurrence", (MISSING,),
         {MISSING: "not marked by the patient in time"}),
)


@dataclass(frozen=True)
class TileResult:
    tile: Tile
    first_day: date
    last_day: date
    urgent: queries.Urgent

    @property
    def rule(self):
        return RULES[self.tile.key]

    @property
    def period_args(self) -> dict:
        return {"start": self.first_day.isoformat(), "end": self.last_day.isoformat()}


def periods(clinic, today: date) -> tuple[tuple[date, date], tuple[date, date]]:
    """(the attention window, the two-year look-back), as first and last days."""
    window = clinic.setting("attention_window_days")
    return (today - timedelta(days=window - 1), today), (today - timedelta(days=MAX_DAYS - 1), today)


def today_tiles(clinic, now, today: date) -> list[TileResult]:
    window, long = periods(clinic, today)
    results = []
    for tile in TILES:
        first, last = long if tile.long_period else window
        scope = Scope.for_clinic(clinic, now, first, last)
        results.append(TileResult(tile, first, last, queries.most_urgent(
            RULES[tile.key], tile.states, scope, INLINE_ROWS)))
    return results
