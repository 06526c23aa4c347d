"""Random patient journeys for the agreement tests (test_agreement.py, test_rollup.py): specs
drawn by hypothesis, and the records they describe, built at exact times around NOW."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from tests.continuity import builders as b
from tracker.extensions import db
from tracker.integration.occurrences import occurrence_dates

NOW = datetime(2026, 3, 18, 15, 0, tzinfo=UTC)
TODAY = NOW.date()   # also the local date in New York at 11:00
D, H, M = timedelta(days=1), timedelta(hours=1), timedelta(minutes=1)

task_specs = st.tuples(
    st.sampled_from(["none", "daily", "weekly"]),
    st.integers(-35, 5),                     # first day, from today
    st.integers(0, 20),                      # how many days it repeats
    st.integers(-100, 100),                  # created, hours from the debrief's signing
    st.lists(st.tuples(st.integers(0, 20),   # which occurrence is marked
                       st.integers(0, 15),   # days after that occurrence
                       st.sampled_from(["done", "skipped"])), max_size=3),
)
session_specs = st.fixed_dictionaries({
    "day": st.integers(-50, 5),
    "hour": st.integers(0, 23),
    "phase": st.sampled_from(["scheduled", "started", "ended", "ended", "cancelled"]),
    "intention": st.none() | st.integers(-3000, 300),   # minutes from the start
    "checklist": st.none() | st.integers(-3000, 300),
    "override": st.booleans(),
    "signed": st.none() | st.integers(0, 60),            # hours after the end
    "debrief": st.none() | st.tuples(st.integers(0, 100), st.none() | st.integers(0, 150)),
    "tasks": st.lists(task_specs, max_size=2),
    "follow_up": st.none() | st.tuples(st.integers(0, 30), st.booleans()),
    "phq9": st.none() | st.integers(0, 20),              # days before the start
    "medication": st.sampled_from(["ketamine", "esketamine"]),
    "rems": st.none() | st.integers(0, 300),              # REMS form submitted, hours after the end
})
flag_specs = st.tuples(st.integers(0, 60), st.none() | st.integers(0, 60))


def past(moment: datetime) -> datetime | None:
    """An event only happened if its time has come."""
    return moment if moment <= NOW else None


def build_session(w, spec) -> None:
    at = NOW.replace(hour=spec["hour"]) + spec["day"] * D
    phase = spec["phase"]
    if phase in ("started", "ended") and at > NOW - 41 * M:
        phase = "scheduled"
    started = phase in ("started", "ended")
    s = b.session(w.course, w.clinician, at, started=started, ended=phase == "ended",
                  status="cancelled" if phase == "cancelled" else None,
                  override="Escort waiting outside" if spec["override"] and started else None,
                  medication=spec["medication"] if started else None)
    if spec["intention"] is not None and past(at + spec["intention"] * M):
        checklist = spec["checklist"]
        checklist_at = past(at + checklist * M) if checklist is not None else None
        b.intention(s, w.clinician, at + spec["intention"] * M, checklist_at=checklist_at,
                    complete=checklist_at is not None)
    if spec["phq9"] is not None and past(at - spec["phq9"] * D):
        b.phq9(w.patient, w.clinician, at - spec["phq9"] * D)
    if phase != "ended":
        return
    end = s.ended_at
    if spec["medication"] == "esketamine":
        submitted = spec["rems"]
        b.rems_form(s, w.clinician, submitted_at=past(end + submitted * H)
                    if submitted is not None else None)
    if spec["signed"] is not None and past(end + spec["signed"] * H):
        s.signed_at, s.signed_by_id = end + spec["signed"] * H, w.clinician.id
    if spec["debrief"] is not None and past(end + spec["debrief"][0] * H):
        held, signed = spec["debrief"]
        signed_at = past(end + (held + signed) * H) if signed is not None else None
        d = b.debrief(s, w.clinician, end + held * H, signed_at)
        for task in spec["tasks"]:
            build_task(w, d, task, signed_at or end + held * H)
    if spec["follow_up"] is not None and past(end + spec["follow_up"][0] * D):
        days, booked = spec["follow_up"]
        b.follow_up(w.patient, w.clinician, end + days * D, completed_at=end + days * D,
                    session=s if booked else None)
    db.session.flush()


def build_task(w, debrief, spec, reference: datetime) -> None:
    repeat, first, length, created_hours, marks = spec
    created = min(reference + created_hours * H, NOW)
    start = TODAY + first * D
    t = b.task(w.patient, w.clinician, debrief=debrief, created_at=created, due_on=start,
               repeat=repeat, starts_on=start,
               repeat_until=start + length * D if repeat != "none" else None)
    days = occurrence_dates(starts_on=t.starts_on, due_on=t.due_on, repeat=t.repeat,
                            repeat_until=t.repeat_until)
    marked = set()
    for index, after, outcome in marks:
        if index < len(days) and days[index] not in marked:
            day = days[index]
            marked_at = datetime.combine(day, datetime.min.time(), UTC) + after * D + 9 * H
            if past(marked_at):
                marked.add(day)
                b.mark(t, day, marked_at, outcome)
