"""What is due for a patient: task occurrences by day, and questionnaires by the clinic's rules.

Pure functions over already-loaded rows and plain dates, so the rules are tested without a
request or a database.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from tracker.integration.occurrences import task_occurrences

UPCOMING_DAYS = 7
# The questionnaires every patient is offered on the clinic's PHQ-9 schedule.
SCHEDULED_INSTRUMENTS = ("phq9", "gad7")


@dataclass(frozen=True)
class Occurrence:
    task: object
    on: date
    mark: object | None = None   # the TaskCompletion, if the patient marked this day

    @property
    def status(self) -> str:
        return self.mark.outcome if self.mark is not None else "open"


@dataclass
class TaskBoard:
    today: list[Occurrence] = field(default_factory=list)
    overdue: list[Occurrence] = field(default_factory=list)
    upcoming: list[Occurrence] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.today or self.overdue or self.upcoming)


def is_one_off(task) -> bool:
    return task.repeat == "none"


def visible_occurrences(task, today: date, overdue_days: int) -> list[date]:
    """The days of `task` worth showing around `today`: a one-off task's due date always; a
    repeating task's days from `overdue_days` back (the clinic's task_overdue_flag_days: an
    older missed day is already flagged to the care team as missing, not something for the
    patient to catch up on) to a week ahead."""
    if is_one_off(task):
        return task_occurrences(task)
    return task_occurrences(task, window_start=today - timedelta(days=overdue_days),
                            window_end=today + timedelta(days=UPCOMING_DAYS))


def task_board(tasks: Iterable, marks: Iterable, today: date, overdue_days: int) -> TaskBoard:
    """Sort every shown occurrence into today / overdue / upcoming.

    Today lists marked occurrences too (so a patient sees what they did); overdue and upcoming
    list open ones only. Overdue is newest first, the others soonest first."""
    by_key = {(m.task_id, m.occurrence_on): m for m in marks}
    board = TaskBoard()
    for task in tasks:
        for day in visible_occurrences(task, today, overdue_days):
            occurrence = Occurrence(task, day, by_key.get((task.id, day)))
            if day == today:
                board.today.append(occurrence)
            elif occurrence.mark is not None:
                continue
            elif day < today:
                board.overdue.append(occurrence)
            else:
                board.upcoming.append(occurrence)
    board.today.sort(key=lambda o: (o.task.title.lower(), o.task.id))
    board.overdue.sort(key=lambda o: (-o.on.toordinal(), o.task.id))
    board.upcoming.sort(key=lambda o: (o.on, o.task.id))
    return board


def is_occurrence(task, day: date) -> bool:
    return day in task_occurrences(task, window_start=day, window_end=day)


def can_mark_on(task, day: date, today: date) -> bool:
    """A repeating task's day can be marked once it has come; a one-off task any time (doing
    it before its due date is fine)."""
    return is_one_off(task) or day <= today


# --- questionnaires --------------------------------------------------------------------------

@dataclass(frozen=True)
class Due:
    instrument: str
    reason: str


def due_questionnaires(latest: Mapping[str, datetime], next_session_at: datetime | None,
                       now: datetime, *, every_days: int, before_session_days: int,
                       session_label: str = "") -> list[Due]:
    """PHQ-9 and GAD-7 are due when none was completed in the last `every_days` days, or when
    a dosing session is less than `before_session_days` away and none was completed in the
    `before_session_days` before it (DESIGN.md, continuity rules)."""
    due = []
    for code in SCHEDULED_INSTRUMENTS:
        last = latest.get(code)
        if last is None:
            due.append(Due(code, "You have not answered it yet."))
        elif last < now - timedelta(days=every_days):
            due.append(Due(code, f"It has been more than {every_days} days since you last answered it."))
        elif (next_session_at is not None
              and next_session_at - now <= timedelta(days=before_session_days)
              and last < next_session_at - timedelta(days=before_session_days)):
            due.append(Due(code, "Your care team asks for it before your next dosing session"
                                 + (f" ({session_label})." if session_label else ".")))
    return due
