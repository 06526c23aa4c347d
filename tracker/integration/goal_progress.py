"""A goal's progress across sessions: the ratings of its debriefs, followed along its carries.

A goal belongs to one session's intention. When the next intention carries it forward
(goal.carried_from_id, the default when an intention is first written), the two are the same
goal at two sessions; the chain of carries is one goal's history, its "line". The ratings of
a line, in session order, are what the chart and the portal draw.

`goal_history` reads every goal of a patient with its rating in one SELECT; `goal_lines`
and `plot` are pure (property-tested), so the chart and the portal draw the same thing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from tracker.core.sessions import DosingSession
from tracker.integration.models import (
    GOAL_RATINGS,
    HIGHEST_RATING,
    LOWEST_RATING,
    Debrief,
    GoalProgress,
)
from tracker.intention.models import Goal, Intention


def goal_history(patient_id: int, *, signed_only: bool = False, with_notes: bool = True) -> sa.Select:
    """One row per goal of the patient's intentions, oldest session first: the goal, its
    session, and the rating (and note) its session's debrief gave it, if any.

    signed_only: ratings of signed debriefs only (the patient sees what was agreed, not a
    draft). with_notes: the clinician's note (care team only; never selected for the portal)."""
    rated = sa.join(GoalProgress, Debrief, Debrief.id == GoalProgress.debrief_id)
    on = GoalProgress.goal_id == Goal.id
    if signed_only:
        on = sa.and_(on, Debrief.signed_at.is_not(None))
    session_at = sa.func.coalesce(DosingSession.started_at, DosingSession.scheduled_at)
    columns = [Goal.id, Goal.carried_from_id, Goal.text, Goal.position,
               DosingSession.id.label("session_id"), session_at.label("session_at"),
               DosingSession.status, GoalProgress.rating, Debrief.signed_at]
    if with_notes:
        columns.append(GoalProgress.note)
    return (sa.select(*columns)
            .join(Intention, Intention.id == Goal.intention_id)
            .join(DosingSession, DosingSession.id == Intention.session_id)
            .outerjoin(rated, on)
            .where(Intention.patient_id == patient_id)
            .order_by(session_at, DosingSession.id, Goal.position, Goal.id))


@dataclass(frozen=True)
class Point:
    """One session of a goal's line."""

    goal_id: int
    session_id: int
    session_at: datetime
    cancelled: bool
    upcoming: bool          # not started yet: nothing to rate so far
    rating: int | None
    signed: bool
    note: str | None = None

    @property
    def label(self) -> str:
        return GOAL_RATINGS[self.rating] if self.rating is not None else "Not rated"


@dataclass
class GoalLine:
    """One goal followed across the sessions that carried it, oldest first."""

    points: list[Point] = field(default_factory=list)
    text: str = ""          # the goal's words at its latest session
    position: int = 0       # its place in the latest intention

    @property
    def key(self) -> int:
        """The first goal's id: stable however far the goal is carried."""
        return self.points[0].goal_id

    @property
    def rated(self) -> list[Point]:
        return [p for p in self.points if p.rating is not None]

    @property
    def drawing(self) -> dict:
        return plot(self)

    @property
    def latest(self) -> Point | None:
        rated = self.rated
        return rated[-1] if rated else None


def goal_lines(rows) -> list[GoalLine]:
    """Group goal rows (goal_history, oldest first) into lines by their carries. Lines are
    ordered by their latest session, newest first, then by the goal's place in it. A carry
    from a goal not in `rows` starts a new line."""
    line_of: dict[int, GoalLine] = {}
    lines: list[GoalLine] = []
    for row in rows:
        line = line_of.get(row.carried_from_id) if row.carried_from_id is not None else None
        if line is None:
            line = GoalLine()
            lines.append(line)
        line_of[row.id] = line
        line.points.append(Point(
            goal_id=row.id, session_id=row.session_id, session_at=row.session_at,
            cancelled=row.status == "cancelled", upcoming=row.status == "scheduled",
            rating=row.rating,
            signed=row.signed_at is not None, note=getattr(row, "note", None)))
        line.text, line.position = row.text, row.position
    order = {id(line): n for n, line in enumerate(lines)}
    return sorted(lines, key=lambda line: (-line.points[-1].session_at.timestamp(),
                                           line.position, order[id(line)]))


# --- the small chart ---------------------------------------------------------------------------

WIDTH, HEIGHT = 320, 112
LEFT, RIGHT, TOP, BOTTOM = 30, 12, 10, 22   # room for the scale's numbers and the dates
INSET = 12   # the first and last dots clear the scale's numbers and the box's edge


@dataclass(frozen=True)
class Plotted:
    x: float
    y: float
    point: Point


def _y(rating: int) -> float:
    span = HEIGHT - TOP - BOTTOM
    return round(TOP + span * (HIGHEST_RATING - rating) / (HIGHEST_RATING - LOWEST_RATING), 1)


def plot(line: GoalLine) -> dict:
    """Coordinates of a line's rated points in a WIDTH x HEIGHT box: one column per session of
    the line held so far (sessions evenly spaced, oldest left: an induction's weekly sessions and later
    monthly boosters both stay readable), rating 1 at the bottom, 5 at the top. `segments`
    join consecutive rated sessions; an unrated session between two leaves a gap."""
    columns = [p for p in line.points if not (p.cancelled or p.upcoming)]
    span = WIDTH - LEFT - RIGHT - 2 * INSET
    step = span / (len(columns) - 1) if len(columns) > 1 else 0
    plotted, segments, previous = [], [], None
    for n, point in enumerate(columns):
        x = round(LEFT + INSET + (step * n if len(columns) > 1 else span / 2), 1)
        if point.rating is None:
            previous = None
            continue
        here = Plotted(x, _y(point.rating), point)
        if previous is not None:
            segments.append((previous.x, previous.y, here.x, here.y))
        plotted.append(here)
        previous = here
    return {"width": WIDTH, "height": HEIGHT, "points": plotted, "segments": segments,
            "grid": [(rating, _y(rating)) for rating in GOAL_RATINGS], "left": LEFT,
            "right": WIDTH - RIGHT, "axis_y": HEIGHT - BOTTOM + 16,
            "first": columns[0] if columns else None, "last": columns[-1] if columns else None}


# --- FHIR -------------------------------------------------------------------------------------

def achievement_status(rating: int | None, previous: int | None) -> str | None:
    """FHIR Goal.achievementStatus (http://terminology.hl7.org/CodeSystem/goal-achievement)
    from a goal's rating and the rating of the goal it was carried from: achieved (sustaining
    when it was achieved already), else compared with before (improving, worsening, no-change),
    else from the rating alone (no-progress at 'not started', in-progress between)."""
    if rating is None:
        return None
    if rating == HIGHEST_RATING:
        return "sustaining" if previous == HIGHEST_RATING else "achieved"
    if previous is not None:
        if rating > previous:
            return "improving"
        return "worsening" if rating < previous else "no-change"
    return "no-progress" if rating == LOWEST_RATING else "in-progress"
