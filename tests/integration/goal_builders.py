"""Goals carried across sessions with a rating at each debrief (for the goal-progress tests)."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests import factories as make
from tracker.db import utcnow
from tracker.extensions import db
from tracker.integration.models import GoalProgress
from tracker.intention.models import Goal


def rated_goals(patient, clinician, ratings: list[dict[str, int | None]], *, signed=True,
                notes: dict[str, str] | None = None):
    """One ended session a week apart per entry of `ratings` ({goal text: rating or None}),
    oldest first; each intention carries forward the goals of the one before that it names
    again. Returns the sessions, oldest first."""
    course = make.course(patient, started_on=(utcnow() - timedelta(days=7 * len(ratings) + 7)).date())
    sessions, previous = [], {}
    for n, by_goal in enumerate(ratings):
        at = utcnow() - timedelta(days=7 * (len(ratings) - n))
        session = make.dosing_session(course, clinician=clinician, scheduled_at=at, ended=True)
        intention = make.intention(session, clinician, goals=tuple(by_goal))
        goals = {g.text: g for g in db.session.scalars(
            sa.select(Goal).where(Goal.intention_id == intention.id))}
        for text, goal in goals.items():
            if text in previous:
                goal.carried_from_id = previous[text].id
        debrief = make.debrief(session, clinician, held_at=at + timedelta(hours=3))
        if signed:
            debrief.signed_at, debrief.signed_by_id = at + timedelta(hours=4), clinician.id
        for text, rating in by_goal.items():
            note = (notes or {}).get(text)
            if rating is not None or note:
                db.session.add(GoalProgress(debrief_id=debrief.id, goal_id=goals[text].id,
                                            rating=rating, note=note))
        db.session.flush()
        sessions.append(session)
        previous = goals
    return sessions
