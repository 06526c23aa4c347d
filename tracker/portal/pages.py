"""Page models: run one page's queries (a fixed number, whatever the data) and shape the rows
for its template. Reads only; nothing here changes data or records an event."""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from tracker.care.models import FOLLOW_UP_KINDS, FOLLOW_UP_OUTCOMES, QuestionnaireAnswer
from tracker.care.scoring import INSTRUMENTS, plain_language_band
from tracker.core.alerts import care_team_notified_at as care_team_notified_at_flag
from tracker.core.flags import FlagSource, SafetyFlag
from tracker.core.preparation import PREPARATION_STEPS
from tracker.extensions import db
from tracker.portal import queries
from tracker.portal.schedule import Occurrence, due_questionnaires, task_board, visible_occurrences
from tracker.templating import local_date

SESSION_STATUS_WORDS = {"scheduled": "Scheduled", "in_progress": "In progress",
                        "completed": "Held", "cancelled": "Cancelled"}
RECENT_MARKS = 30


@dataclass
class SessionStory:
    """One dosing session as the patient sees it: never doses, vitals or clinician text."""

    number: int | None
    session: object
    intention: object | None = None
    shared_notes: list = field(default_factory=list)
    debrief_held_at: datetime | None = None
    tasks: list = field(default_factory=list)
    follow_ups: list = field(default_factory=list)
    reflections: list = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"Session {self.number}" if self.number else "Cancelled session"

    @property
    def status_words(self) -> str:
        return SESSION_STATUS_WORDS.get(self.session.status, self.session.status)


def session_numbers(sessions) -> dict[int, int | None]:
    """Session 1, 2, 3... in time order; a cancelled session has no number."""
    held = [s for s in sessions if s.status != "cancelled"]
    numbers = {s.id: None for s in sessions}
    numbers.update({s.id: n for n, s in enumerate(held, start=1)})
    return numbers


def follow_up_kind(kind: str) -> str:
    return FOLLOW_UP_KINDS.get(kind, kind)


def follow_up_outcome(outcome: str) -> str:
    return FOLLOW_UP_OUTCOMES.get(outcome, outcome)


def session_stories(patient_id: int, session_ids: list[int] | None = None) -> list[SessionStory]:
    """Every session of the patient (or those asked for), oldest first, each with its intention,
    shared notes, the fact of its debrief and the tasks it produced, its follow-ups, and the
    reflections written about it. Seven queries, however many sessions."""
    stmt = queries.sessions(patient_id)
    all_sessions = list(db.session.scalars(stmt))
    numbers = session_numbers(all_sessions)
    chosen = [s for s in all_sessions if session_ids is None or s.id in session_ids]
    stories = {s.id: SessionStory(numbers[s.id], s) for s in chosen}
    if not stories:
        return []
    ids = list(stories)
    for intention in db.session.scalars(queries.intentions(patient_id, ids)):
        stories[intention.session_id].intention = intention
    for note in db.session.execute(queries.shared_notes(patient_id, ids)):
        stories[note.session_id].shared_notes.append(note)
    debrief_session = {}
    for debrief in db.session.execute(queries.debriefs_held(patient_id, ids)):
        stories[debrief.session_id].debrief_held_at = debrief.held_at
        debrief_session[debrief.id] = debrief.session_id
    if debrief_session:
        for task in db.session.execute(queries.debrief_tasks(patient_id, list(debrief_session))):
            stories[debrief_session[task.debrief_id]].tasks.append(task)
    for follow_up in db.session.execute(queries.session_follow_ups(patient_id, ids)):
        stories[follow_up.session_id].follow_ups.append(follow_up)
    for reflection, about, task_title in db.session.execute(queries.reflections_by_session(patient_id, ids)):
        stories[about].reflections.append((reflection, task_title))
    return list(stories.values())


def journey(patient, now: datetime, today: date, clinic) -> dict:
    """The journey page: today first (the task days to mark today, what to answer, the next
    session with how to prepare), then what is coming, then every session so far (folded on
    the page). A fixed number of queries, however many sessions and tasks."""
    stories = session_stories(patient.id)
    upcoming = [s for s in stories if s.session.status == "scheduled" and s.session.scheduled_at >= now]
    past = [s for s in stories if s not in upcoming]
    follow_ups = db.session.execute(queries.upcoming_follow_ups(patient.id, now)).all()
    following = upcoming[0].session.scheduled_at if upcoming else None
    due, assigned = _due(patient, clinic, now, following)
    board = tasks(patient, today, clinic, recent=False)["board"]
    latest_held = next((s for s in reversed(past) if s.session.status != "cancelled"), None)
    return {"next": upcoming[0] if upcoming else None, "later": upcoming[1:],
            "past": past, "follow_ups": follow_ups, "today_tasks": board.today,
            "overdue_tasks": len(board.overdue), "due": due, "assigned": assigned,
            "instruments": INSTRUMENTS, "preparation": PREPARATION_STEPS,
            # between sessions, the latest held one (the intention being lived) stays unfolded
            "open_story": latest_held if not upcoming else None}


def session_choices(patient_id: int) -> list[tuple[int, str]]:
    """(id, "Session 2 · Tue 03 Mar 2026") for the patient's held sessions, newest first."""
    rows = db.session.scalars(queries.sessions(patient_id)).all()
    numbers = session_numbers(rows)
    choices = [(s.id, f"Session {numbers[s.id]} \u00b7 {local_date(s.scheduled_at)}")
               for s in rows if numbers[s.id] is not None]
    return list(reversed(choices))


# --- tasks ------------------------------------------------------------------------------------

def tasks(patient, today: date, clinic, *, recent: bool = True) -> dict:
    """Today's, overdue and upcoming days of every task in force, and the newest marks."""
    active = db.session.scalars(queries.active_tasks(patient.id)).all()
    marks = db.session.scalars(queries.completions(patient.id, [t.id for t in active])).all()
    recent = db.session.execute(queries.recent_marks(patient.id, RECENT_MARKS)).all() if recent else []
    overdue_days = clinic.setting("task_overdue_flag_days")
    return {"board": task_board(active, marks, today, overdue_days), "recent": recent}


def task_detail(patient, task, today: date, clinic) -> dict:
    """One task: its days around today (each marked or open) and its reflections."""
    marks = {m.occurrence_on: m for m in db.session.scalars(queries.completions(patient.id, [task.id]))}
    overdue_days = clinic.setting("task_overdue_flag_days")
    days = [Occurrence(task, d, marks.get(d))
            for d in visible_occurrences(task, today, overdue_days)]
    reflections = db.session.scalars(queries.reflections(patient.id, task_id=task.id)).all()
    return {"days": days, "reflections": reflections}


def journal(patient) -> dict:
    """Every reflection: free journal entries and those written on tasks, newest first."""
    entries = db.session.scalars(queries.reflections(patient.id, journal_only=True)).all()
    on_tasks = db.session.execute(queries.task_reflections(patient.id)).all()
    return {"entries": entries, "on_tasks": on_tasks}


# --- questionnaires ---------------------------------------------------------------------------

def _due(patient, clinic, now: datetime, next_session_at: datetime | None) -> tuple[list, list]:
    """What is due (the schedule's PHQ-9 and GAD-7) and what the care team asked for."""
    latest = dict(db.session.execute(queries.latest_completion_by_instrument(patient.id)).all())
    due = due_questionnaires(
        latest, next_session_at, now,
        every_days=clinic.setting("phq9_every_days"),
        before_session_days=clinic.setting("phq9_before_session_days"),
        session_label=local_date(next_session_at) if next_session_at else "")
    assigned = db.session.scalars(queries.open_assignments(patient.id)).all()
    due_codes = {d.instrument for d in due}
    return due, [a for a in assigned if a.instrument not in due_codes]


def questionnaires(patient, clinic, now: datetime) -> dict:
    """What is due or assigned, and every score so far (table and chart data)."""
    next_session = db.session.scalars(queries.upcoming_sessions(patient.id, now).limit(1)).first()
    due, assigned = _due(patient, clinic, now, next_session.scheduled_at if next_session else None)
    responses = db.session.scalars(queries.responses(patient.id)).all()
    return {"due": due, "assigned": assigned, "responses": list(reversed(responses)),
            "chart_json": chart_json(responses), "instruments": INSTRUMENTS}


def chart_json(responses) -> str:
    """Series per questionnaire for static/js/portal.js: labels in the clinic's zone."""
    series = defaultdict(list)
    for response in responses:
        series[response.instrument].append(
            {"label": local_date(response.completed_at, "date"), "total": response.total,
             "band": response.band})
    data = [{"code": code, "name": INSTRUMENTS[code].name, "max": INSTRUMENTS[code].max_total,
             "points": points} for code, points in series.items()]
    # Escape "<" so a value can never close the <script type="application/json"> block.
    return json.dumps(data).replace("<", "\\u003c")


def band_words(response) -> str:
    return plain_language_band(response.instrument, response.band)


def answered_item(response_id: int, item: int) -> int | None:
    return db.session.scalar(sa.select(QuestionnaireAnswer.value).where(
        QuestionnaireAnswer.response_id == response_id, QuestionnaireAnswer.item == item))


def care_team_notified_at(response_id: int) -> datetime | None:
    """When the care team was sent word of this response's safety flag (None: no message was
    queued, and the patient is not told otherwise). The flag's text is not read."""
    flag_id = db.session.scalar(sa.select(SafetyFlag.id).where(
        SafetyFlag.source == FlagSource.PHQ9_ITEM9, SafetyFlag.source_id == response_id))
    return care_team_notified_at_flag(flag_id) if flag_id is not None else None

