"""What the patient chart page shows, gathered in a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tracker.care.scoring import INSTRUMENTS
from tracker.core.patients import Patient
from tracker.core.users import User
from tracker.db import utcnow
from tracker.extensions import db
from tracker.integration.goal_progress import GoalLine, goal_history, goal_lines
from tracker.patients import queries
from tracker.patients.journey import SessionJourney, journey_statement, session_journeys
from tracker.timezones import clinic_today, to_local

# Line colours with at least 3:1 contrast on white, and a dash pattern each, so the three
# lines differ by more than colour.
SERIES_STYLE = {"phq9": ("#1f5f99", []), "gad7": ("#a3400e", [6, 3]), "pcl5": ("#4b6b1f", [2, 2])}


def _chart_x(moment: datetime) -> int:
    """Milliseconds of the clinic's wall-clock time, as if it were UTC: the browser then shows
    the clinic's dates and times whatever its own zone (chart.js formats with timeZone UTC)."""
    local = to_local(moment).replace(tzinfo=UTC)
    return int(local.timestamp() * 1000)


def scores_chart_data(scores, journeys: list[SessionJourney]) -> dict:
    """The data block of the scores chart: one line per instrument, one marker per session."""
    series = []
    for code, instrument in INSTRUMENTS.items():
        points = [{"x": _chart_x(s.completed_at), "y": s.total} for s in scores if s.instrument == code]
        if points:
            colour, dash = SERIES_STYLE[code]
            series.append({"code": code, "label": f"{instrument.name} total", "colour": colour,
                           "dash": dash, "max": instrument.max_total, "points": points})
    sessions = [{"x": _chart_x(j.started_at or j.scheduled_at),
                 "label": f"Session {j.number_in_course}"}
                for j in reversed(journeys) if j.status != "cancelled"]
    return {"series": series, "sessions": sessions}


@dataclass
class Chart:
    patient: Patient
    age: int
    team: list
    flags: list
    courses: list
    journeys: list[SessionJourney]
    scores: list
    history: list
    goals: dict[int, list[str]]
    goal_lines: list[GoalLine]
    account: User | None
    chart_data: dict


def load_chart(patient: Patient, clinic) -> Chart:
    """Everything the chart shows, in 7 queries (8 with a portal account) however many sessions,
    goals and scores there are."""
    now = utcnow()
    today = clinic_today()
    journeys = session_journeys(db.session.execute(
        *journey_statement(patient.id, clinic=clinic, now=now, today=today)).all(), clinic=clinic)
    scores = db.session.execute(queries.score_points(patient.id)).all()
    account = db.session.get(User, patient.user_id) if patient.user_id else None
    goal_rows = db.session.execute(goal_history(patient.id)).all()
    goals: dict[int, list[str]] = {}
    for row in sorted(goal_rows, key=lambda r: (r.session_id, r.position, r.id)):
        goals.setdefault(row.session_id, []).append(row.text)
    return Chart(
        patient=patient, age=patient.age_on(today),
        team=db.session.scalars(queries.care_team(patient.id)).all(),
        flags=db.session.scalars(queries.open_safety_flags(patient.id)).all(),
        courses=db.session.execute(queries.courses_with_session_counts(patient.id)).all(),
        journeys=journeys, scores=scores,
        history=db.session.scalars(queries.status_history(patient.id).limit(10)).all(),
        goals=goals, goal_lines=goal_lines(goal_rows), account=account, chart_data=scores_chart_data(scores, journeys),
    )
