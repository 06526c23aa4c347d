"""Reads of the debrief and the integration plan, clinician side."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from tracker.core.sessions import DosingSession
from tracker.integration.models import Debrief, IntegrationTask, Reflection
from tracker.integration.occurrences import task_occurrences

RECENT_OCCURRENCES = 14


def debrief_page(session_id: int) -> sa.Select:
    """A session with its patient, intention (goals) and debrief (progress notes, signer)."""
    return (sa.select(DosingSession).where(DosingSession.id == session_id)
            .options(joinedload(DosingSession.patient),
                     selectinload(DosingSession.intention),
                     selectinload(DosingSession.debrief).options(
                         joinedload(Debrief.clinician), joinedload(Debrief.signed_by))))


def plan_tasks(debrief_id: int) -> sa.Select:
    """The tasks of a debrief's integration plan with the patient's marks, oldest first."""
    return (sa.select(IntegrationTask).where(IntegrationTask.debrief_id == debrief_id)
            .options(selectinload(IntegrationTask.completions))
            .order_by(IntegrationTask.id))


def task_reflections(task_ids: list[int]) -> sa.Select:
    """The patient's reflections on the given tasks, oldest first."""
    return (sa.select(Reflection).where(Reflection.task_id.in_(task_ids))
            .order_by(Reflection.created_at, Reflection.id))


def reflections_by_task(reflections) -> dict[int, list[Reflection]]:
    grouped: dict[int, list[Reflection]] = defaultdict(list)
    for reflection in reflections:
        grouped[reflection.task_id].append(reflection)
    return grouped


@dataclass
class Occurrence:
    day: date
    outcome: str | None          # "done", "skipped" or None (not marked)
    skip_reason: str | None
    past: bool                   # due before today and so could have been marked


@dataclass
class TaskProgress:
    """One task as the clinician sees it: its occurrences so far, the patient's marks and
    reflections. Built from rows already loaded (plan_tasks, task_reflections)."""

    task: IntegrationTask
    recent: list[Occurrence]     # the last RECENT_OCCURRENCES due up to today, newest first
    due_so_far: int
    done: int
    skipped: int
    unmarked: int                # due before today and not marked
    next_due: date | None
    reflections: list[Reflection] = field(default_factory=list)


def task_progress(task: IntegrationTask, reflections: list[Reflection],
                  today: date) -> TaskProgress:
    marks = {mark.occurrence_on: mark for mark in task.completions}
    days = task_occurrences(task)
    due = [day for day in days if day <= today]
    upcoming = [day for day in days if day > today]
    occurrences = [Occurrence(day, getattr(marks.get(day), "outcome", None),
                              getattr(marks.get(day), "skip_reason", None), day < today)
                   for day in due]
    return TaskProgress(
        task=task, recent=occurrences[::-1][:RECENT_OCCURRENCES], due_so_far=len(due),
        done=sum(o.outcome == "done" for o in occurrences),
        skipped=sum(o.outcome == "skipped" for o in occurrences),
        unmarked=sum(o.outcome is None and o.past for o in occurrences),
        next_due=upcoming[0] if upcoming and task.active else None,
        reflections=reflections)
