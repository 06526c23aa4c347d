"""When a task is due: a one-off task once, a repeating task every day or week until a date."""
from __future__ import annotations

from datetime import date, timedelta


def occurrence_dates(*, starts_on: date, due_on: date | None, repeat: str,
                     repeat_until: date | None, window_start: date | None = None,
                     window_end: date | None = None) -> list[date]:
    """The dates on which the task is due, optionally clipped to [window_start, window_end].

    once: [due_on]; daily: each day from starts_on to repeat_until; weekly: starts_on, then every
    7 days until repeat_until."""
    if repeat == "none":
        dates = [due_on] if due_on else []
    else:
        step = timedelta(days=1 if repeat == "daily" else 7)
        dates, day = [], starts_on
        end = repeat_until or starts_on
        while day <= end:
            dates.append(day)
            day += step
    return [d for d in dates
            if (window_start is None or d >= window_start) and (window_end is None or d <= window_end)]


def task_occurrences(task, **window) -> list[date]:
    return occurrence_dates(starts_on=task.starts_on, due_on=task.due_on, repeat=task.repeat,
                            repeat_until=task.repeat_until, **window)
