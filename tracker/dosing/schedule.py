"""The vitals schedule of a dosing session, computed from the record. Pure functions.

Every session has three checks: before dosing, about 40 minutes after dosing, and before
discharge. An IV infusion adds a check every `iv_interval` minutes (a clinic setting) through
the infusion and the observation, until the "before discharge" reading takes over. Dosing is taken to begin when the
session starts (its recorded start).

A check is *done* by a reading taken in its window; each reading does at most one check. The
windows follow each other on the clock:
- before dosing: any reading up to 5 minutes after the start (the times are typed to the minute);
- a timed check (40 minutes, the IV checks): from `tolerance` minutes before its time until the
  next check's window opens (so a late reading still does it, marked by its own time);
- before discharge: from 15 minutes before the session's end until the discharge.

A check is *upcoming* before its window opens, *due* from then until `tolerance` minutes past its
time, *overdue* after that (before dosing: once dosing has begun without it; before discharge:
once the patient was discharged without it), and *done* when a reading fell in its window.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import pairwise

MINUTE = timedelta(minutes=1)
FORTY_MINUTES = 40
TOLERANCE_MINUTES = 10          # either side of a timed check
PRE_DOSE_GRACE_MINUTES = 5      # a "before dosing" reading typed in the start's minute or so
PRE_DISCHARGE_OPENS_MINUTES = 15
LONGEST_SESSION_MINUTES = 480   # no IV checks are listed past this (a day's session at most)


class CheckStatus(StrEnum):
    UPCOMING = "upcoming"
    DUE = "due"
    DONE = "done"
    OVERDUE = "overdue"


CHECK_STATUSES = {CheckStatus.UPCOMING: "Upcoming", CheckStatus.DUE: "Due",
                  CheckStatus.DONE: "Done", CheckStatus.OVERDUE: "Overdue"}


@dataclass(frozen=True)
class Check:
    """One scheduled reading: what, when (None until the session's times say), its status and
    the time of the reading that did it."""
    label: str
    due_at: datetime | None
    status: CheckStatus
    done_at: datetime | None = None
    when: str = field(default="")   # said in words when there is no clock time yet


@dataclass
class _Slot:
    label: str
    due_at: datetime | None
    opens: datetime | None = None
    closes: datetime | None = None      # inclusive; None = open-ended
    tolerance: timedelta = timedelta(0)
    kind: str = "timed"                 # pre_dose | timed | pre_discharge
    done_at: datetime | None = None
    when: str = ""


def _timed_minutes(route: str | None, iv_interval: int, span_minutes: int) -> list[int]:
    """Minutes after dosing of the timed checks: 40, and for IV every interval up to the span
    (skipping those within half an interval of the 40-minute check)."""
    minutes = {FORTY_MINUTES}
    if route == "iv" and iv_interval > 0:
        k = 1
        while k * iv_interval <= span_minutes:
            at = k * iv_interval
            if abs(at - FORTY_MINUTES) * 2 >= iv_interval:
                minutes.add(at)
            k += 1
    return sorted(minutes)


def _assign(slots: list[_Slot], readings: list[datetime]) -> None:
    """Each slot in order takes the earliest unused reading in its window."""
    used: set[int] = set()
    for slot in slots:
        if slot.opens is None and slot.closes is None and slot.kind != "pre_dose":
            continue
        for index, at in enumerate(readings):
            if index in used:
                continue
            if slot.opens is not None and at < slot.opens:
                continue
            if slot.closes is not None and at > slot.closes:
                break
            slot.done_at = at
            used.add(index)
            break


def vitals_schedule(*, started_at: datetime | None, ended_at: datetime | None,
                    discharged_at: datetime | None, route: str | None,
                    readings: Iterable[datetime], now: datetime,
                    iv_interval: int) -> list[Check]:
    """The session's checks in order, each with its status at `now` (see the module's doc).

    `readings` are the times of the session's vital-sign readings; `iv_interval` the clinic's
    interval (minutes) between checks during an IV infusion and its observation."""
    times = sorted(readings)
    pre = _Slot("Before dosing", started_at, kind="pre_dose",
                closes=started_at + PRE_DOSE_GRACE_MINUTES * MINUTE if started_at else None,
                when="before the session starts")
    discharge = _Slot("Before discharge", ended_at, kind="pre_discharge", closes=discharged_at,
                      when="when the session ends")
    timed: list[_Slot] = []
    if started_at is None:
        timed.append(_Slot(f"About {FORTY_MINUTES} minutes after dosing", None,
                           when=f"{FORTY_MINUTES} minutes after the start"))
    else:
        # IV checks run until the "before discharge" reading takes over (or, while the session
        # goes on, up to the next one)
        end = (ended_at - PRE_DISCHARGE_OPENS_MINUTES * MINUTE if ended_at
               else max(now + iv_interval * MINUTE, started_at))
        span = min(int((end - started_at) / MINUTE), LONGEST_SESSION_MINUTES)
        tolerance = TOLERANCE_MINUTES * MINUTE
        if route == "iv" and iv_interval > 0:
            tolerance = min(tolerance, iv_interval * MINUTE / 2)
        boundary = pre.closes
        for minute in _timed_minutes(route, iv_interval, span):
            label = (f"About {FORTY_MINUTES} minutes after dosing" if minute == FORTY_MINUTES
                     else f"IV check at {minute} minutes")
            due = started_at + minute * MINUTE
            opens = max(due - tolerance, boundary)
            timed.append(_Slot(label, due, opens=opens, tolerance=tolerance))
            boundary = opens
        for slot, following in pairwise(timed):
            slot.closes = following.opens - timedelta(microseconds=1)
        if ended_at is not None:
            last = timed[-1]
            discharge.opens = max(ended_at - PRE_DISCHARGE_OPENS_MINUTES * MINUTE,
                                  last.due_at + last.tolerance, boundary)
            last.closes = discharge.opens - timedelta(microseconds=1)
    slots = [pre, *timed, discharge]
    _assign(slots, times)
    return [_check(slot, started_at, discharged_at, now) for slot in slots]


def _check(slot: _Slot, started_at, discharged_at, now: datetime) -> Check:
    if slot.done_at is not None:
        status = CheckStatus.DONE
    elif slot.kind == "pre_dose":
        status = (CheckStatus.OVERDUE if started_at is not None and now > slot.closes
                  else CheckStatus.DUE)
    elif slot.kind == "pre_discharge":
        if discharged_at is not None:
            status = CheckStatus.OVERDUE
        elif slot.opens is not None and now >= slot.opens:
            status = CheckStatus.DUE
        else:
            status = CheckStatus.UPCOMING
    elif slot.due_at is None or now < slot.opens:
        status = CheckStatus.UPCOMING
    elif now <= slot.due_at + slot.tolerance:
        status = CheckStatus.DUE
    else:
        status = CheckStatus.OVERDUE
    return Check(slot.label, slot.due_at, status, slot.done_at,
                 when="" if slot.due_at is not None else slot.when)
