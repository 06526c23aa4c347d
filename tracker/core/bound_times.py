"""Times as named bound parameters, for SQL built once and executed at every request.

The continuity rules compare columns with `scope.now - <threshold>` and `scope.today -
<days>`. Built with real times, a large statement (the needs-attention flags, the chart's
journey) is rebuilt, and its cache key regenerated, on every request: several milliseconds
each. Built with a BoundTime instead, each such bound is a named bound parameter, and the
statement can be built once per clinic and thresholds; `values(now)` then gives the
parameters of one execution.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa


class BoundTime:
    """`now` (or `today`) while a statement is built: `time - delta` is a named bound
    parameter, and each delta is remembered so that `values(time)` can give them all."""

    def __init__(self, prefix: str, type_=None):
        self.prefix, self.type_, self.offsets = prefix, type_, {}

    def __sub__(self, delta: timedelta) -> sa.BindParameter:
        seconds = int(delta.total_seconds())
        name = f"{self.prefix}_{'minus' if seconds < 0 else ''}{abs(seconds)}"
        self.offsets[name] = delta
        return sa.bindparam(name, type_=self.type_)

    def values(self, at) -> dict:
        """Every parameter this time gave, for `at` (an aware UTC instant, or a date)."""
        return {name: at - delta for name, delta in self.offsets.items()}


@dataclass
class BoundScope:
    """What the continuity rules read of a tracker.continuity.scope.Scope (the clinic, its
    thresholds, now and today), with `now` and `today` as BoundTimes named after `prefix`."""

    clinic_id: int
    settings: dict[str, int]
    prefix: str
    now: BoundTime = field(init=False)
    today: BoundTime = field(init=False)
    patient_id = None   # every patient of the clinic (Scope.patient_id narrows a summary refresh)

    def __post_init__(self):
        self.now = BoundTime(f"{self.prefix}_now")
        self.today = BoundTime(f"{self.prefix}_today", sa.Date())

    def setting(self, key: str) -> int:
        return self.settings[key]

    def values(self, now, today) -> dict:
        return {**self.now.values(now), **self.today.values(today)}
