"""Stage 3 rules, clinician side: holding and signing the debrief, and the integration plan.

Services flush and audit in the caller's transaction; the view commits. A signed debrief is
corrected by addenda only. The integration plan is not part of the signed debrief: it lives on
(tasks are added and cancelled, never deleted) while the patient works through it.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from tracker.core.records import audit, plain_row
from tracker.core.sessions import DosingSession
from tracker.core.signing.service import content_hash, ensure_unsigned, sign
from tracker.datetext import show_date, show_time
from tracker.db import utcnow
from tracker.extensions import db
from tracker.integration.models import GOAL_RATINGS, Debrief, GoalProgress, IntegrationTask
from tracker.intention.models import Goal, Intention
from tracker.rules import Refused, Stale, check_version
from tracker.timezones import clinic_style, to_local

DEBRIEF = "This debrief"
LONGEST_REPEAT_DAYS = 366


def hold_debrief(session: DosingSession, *, version: int, held_at: datetime,
                 emotions: str | None, insights: str | None, what_surfaced: str | None,
                 relation_to_intention: str | None, progress: dict[int, str | None],
                 user, ratings: dict[int, int | None] | None = None) -> Debrief:
    """Record (or revise, until signed) the debrief of a session, with per goal of the
    session's intention a rating on GOAL_RATINGS and a progress note (either may be left
    out). `version` is the debrief's version when the form was opened (0 for a new one): a
    save over someone else's is refused (Stale)."""
    if session.started_at is None:
        raise Refused("The session has not started yet: hold its debrief after it.")
    debrief = db.session.scalar(sa.select(Debrief).where(Debrief.session_id == session.id))
    created = debrief is None
    if created:
        if version != 0:
            raise Stale(what="debrief")
        debrief = Debrief(session_id=session.id, patient_id=session.patient_id,
                          clinician_id=user.id)
        db.session.add(debrief)
    else:
        ensure_unsigned(debrief, DEBRIEF)
        check_version(debrief, version)
    if held_at < session.started_at:
        started, style = to_local(session.started_at), clinic_style()
        local = f"{show_time(started, style)} on {show_date(started, style)}"
        raise Refused(f"A debrief is held after the session, which started at {local}.",
                        field="held_at")
    debrief.held_at = held_at
    debrief.emotions, debrief.insights = emotions or None, insights or None
    debrief.what_surfaced = what_surfaced or None
    debrief.relation_to_intention = relation_to_intention or None
    debrief.updated_at = utcnow()  # a change to the goal notes alone still bumps the version
    _set_goal_progress(session, debrief, progress, ratings or {})
    db.session.flush()
    audit("create" if created else "update", "debrief", debrief, user)
    return debrief


def _set_goal_progress(session: DosingSession, debrief: Debrief,
                       progress: dict[int, str | None], ratings: dict[int, int | None]) -> None:
    goal_ids = set(db.session.scalars(sa.select(Goal.id).join(Intention)
                                      .where(Intention.session_id == session.id)))
    existing = {entry.goal_id: entry for entry in debrief.goal_progress}
    for goal_id in sorted(goal_ids):
        note = (progress.get(goal_id) or "").strip() or None
        rating = ratings.get(goal_id)
        if rating is not None and rating not in GOAL_RATINGS:
            raise Refused("Choose a rating from the scale.", field=f"rating_{goal_id}")
        if note is None and rating is None:
            if goal_id in existing:  # cleared in the draft
                debrief.goal_progress.remove(existing[goal_id])
            continue
        entry = existing.get(goal_id)
        if entry is None:
            entry = GoalProgress(goal_id=goal_id)
            debrief.goal_progress.append(entry)
        entry.note, entry.rating = note, rating


DEBRIEF_FIELDS = ("id", "session_id", "patient_id", "held_at", "clinician_id", "emotions",
                  "insights", "what_surfaced", "relation_to_intention")


def _progress_content(entry: GoalProgress) -> dict:
    row = plain_row(entry, ("goal_id", "note"))
    if entry.rating is not None:  # left out when absent: debriefs signed before ratings existed
        row["rating"] = entry.rating  # still hash to what their signature holds
    return row


def debrief_content(debrief: Debrief) -> dict:
    """The signed content of a debrief: its fields and, per goal, the rating and note."""
    return {
        "debrief": plain_row(debrief, DEBRIEF_FIELDS),
        "goal_progress": [_progress_content(entry)
                          for entry in sorted(debrief.goal_progress, key=lambda e: e.goal_id)],
    }


def debrief_hash_matches(debrief: Debrief | None) -> bool | None:
    """Whether a signed debrief still hashes to its stored hash (None if unsigned)."""
    if debrief is None or debrief.content_hash is None:
        return None
    return content_hash(debrief_content(debrief)) == debrief.content_hash


def sign_debrief(debrief: Debrief, user) -> None:
    """Sign the debrief: signer, time and the hash of its content; then read-only."""
    ensure_unsigned(debrief, DEBRIEF)
    db.session.flush()
    fresh = db.session.scalar(sa.select(Debrief).where(Debrief.id == debrief.id)
                              .options(selectinload(Debrief.goal_progress))
                              .execution_options(populate_existing=True))
    sign(fresh, "debrief", debrief_content(fresh), user)


# --- the integration plan ---------------------------------------------------------------------

def schedule_problems(*, repeat: str, due_on: date | None, starts_on: date | None,
                      repeat_until: date | None, today: date) -> list[tuple[str, str]]:
    """What is wrong with a task's schedule, as (field, message): once on a due date, or daily /
    weekly from a first day until a last day (the shape the database requires), not in the
    past, and repeating for at most a year."""
    problems = []
    if repeat == "none":
        if due_on is None:
            problems.append(("due_on", "A one-off task needs a due date."))
        elif due_on < today:
            problems.append(("due_on", "The due date has passed; give today or a later day."))
        for name, value in (("starts_on", starts_on), ("repeat_until", repeat_until)):
            if value is not None:
                problems.append((name, "A one-off task has a due date only: leave this empty, "
                                       "or choose a daily or weekly repeat."))
        return problems
    if due_on is not None:
        problems.append(("due_on", "A repeating task has no single due date: leave this empty, "
                                   "or choose 'Once'."))
    if starts_on is None:
        problems.append(("starts_on", "Give the first day of the repeat."))
    elif starts_on < today:
        problems.append(("starts_on", "The first day has passed; start today or later."))
    if repeat_until is None:
        problems.append(("repeat_until", "Give the last day of the repeat."))
    elif starts_on is not None and repeat_until < starts_on:
        problems.append(("repeat_until", "The last day is before the first day."))
    elif starts_on is not None and repeat_until - starts_on > timedelta(days=LONGEST_REPEAT_DAYS):
        problems.append(("repeat_until", "A repeat runs for a year at most; set a nearer "
                                         "last day and review the plan then."))
    return problems


def add_integration_task(debrief: Debrief, *, title: str, kind: str, instructions: str | None,
                         repeat: str, due_on: date | None, starts_on: date | None,
                         repeat_until: date | None, today: date, user) -> IntegrationTask:
    """Assign an integration task to the patient, as part of the debrief's plan."""
    problems = schedule_problems(repeat=repeat, due_on=due_on, starts_on=starts_on,
                                 repeat_until=repeat_until, today=today)
    if problems:
        field, message = problems[0]
        raise Refused(message, field=field)
    task = IntegrationTask(patient_id=debrief.patient_id, debrief_id=debrief.id, title=title,
                           kind=kind, instructions=instructions or None, repeat=repeat,
                           starts_on=starts_on if repeat != "none" else today,
                           due_on=due_on if repeat == "none" else None,
                           repeat_until=repeat_until if repeat != "none" else None,
                           created_by_id=user.id)
    db.session.add(task)
    db.session.flush()
    audit("create", "integration_task", task, user)
    return task


def cancel_integration_task(task: IntegrationTask, *, reason: str, user) -> None:
    """Cancel a task with a reason; it stays on the plan, marked cancelled (never deleted)."""
    if not task.active:
        raise Refused("This task is already cancelled.")
    task.active = False
    task.cancel_reason = reason
    db.session.flush()
    audit("cancel", "integration_task", task, user)
