"""Builders for the portal's tests: a whole journey for one patient, with clinician-only text
marked by unique strings that must never reach a portal page."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from tests import factories as make
from tracker.care.models import (
    FollowUp,
    QuestionnaireAnswer,
    QuestionnaireAssignment,
    QuestionnaireResponse,
)
from tracker.care.scoring import score
from tracker.core.clinic import Clinic
from tracker.core.flags import SafetyFlag
from tracker.core.signing.models import Addendum
from tracker.db import utcnow
from tracker.dosing.models import AdverseEvent, SessionNote, VitalSign
from tracker.extensions import db
from tracker.integration.models import GoalProgress, Reflection, TaskCompletion

# Clinician-only text: none of these may appear on any portal page.
SECRET_MARKERS = {
    "preparation note": "ZZPREPNOTE",
    "unshared note": "ZZUNSHARED",
    "debrief emotions": "ZZDEBRIEFEMOTIONS",
    "debrief insights": "ZZDEBRIEFINSIGHTS",
    "debrief what surfaced": "ZZDEBRIEFSURFACED",
    "debrief relation to intention": "ZZDEBRIEFRELATION",
    "goal progress note": "ZZGOALPROGRESS",
    "flag summary": "ZZFLAGSUMMARY",
    "flag acknowledgement": "ZZFLAGACK",
    "follow-up note": "ZZFOLLOWUPNOTE",
    "adverse event action": "ZZADVERSEACTION",
    "lot number": "ZZLOT",
    "escort name": "ZZESCORT",
    "cancel reason": "ZZCANCELREASON",
    "task cancel reason": "ZZTASKCANCEL",
    "addendum": "ZZADDENDUM",
    "checklist override": "ZZOVERRIDE",
    "room": "ZZROOM",
}


def local_today(patient) -> date:
    """Today in the patient's clinic's zone (what the portal calls today)."""
    zone = ZoneInfo(db.session.get(Clinic, patient.clinic_id).timezone)
    return utcnow().astimezone(zone).date()


@dataclass
class Journey:
    patient: object
    course: object = None
    past: object = None          # a held session with everything around it
    cancelled: object = None
    upcoming: object = None      # a scheduled session next week
    debrief: object = None
    daily_task: object = None
    once_task: object = None
    cancelled_task: object = None
    follow_up: object = None
    past_follow_up: object = None
    reflection: object = None     # on the daily task
    journal_entry: object = None  # free entry, about the past session
    mark: object = None
    response: object = None       # a PHQ-9
    assignment: object = None
    flag: object = None
    words: dict = field(default_factory=dict)


def journey(patient, clinician, *, tag: str, secrets: bool = True) -> Journey:
    """A patient's journey: one held session (intention, notes, debrief, tasks, reflections,
    follow-up, PHQ-9 with a flag), one cancelled, one upcoming. `tag` makes the patient-facing
    text unique to this patient so tests can tell whose words a page shows."""
    now = utcnow()
    j = Journey(patient=patient)
    j.words = {"intention": f"{tag} intention to feel lighter",
               "goal": f"{tag} walk three mornings",
               "upcoming intention": f"{tag} intention for the next session",
               "shared note": f"{tag} shared note: you did well",
               "reflection": f"{tag} reflection on the walk",
               "journal": f"{tag} journal entry about the session",
               "task": f"{tag} Morning walk",
               "once task": f"{tag} Write a letter"}
    j.course = make.course(patient)
    j.past = make.dosing_session(j.course, clinician=clinician, scheduled_at=now - timedelta(days=5),
                                 ended=True, lot_number=SECRET_MARKERS["lot number"],
                                 room=SECRET_MARKERS["room"],
                                 checklist_override_reason=SECRET_MARKERS["checklist override"],
                                 checklist_override_by_id=clinician.id)
    intention = make.intention(j.past, clinician, text=j.words["intention"], goals=(j.words["goal"],))
    intention.preparation_notes = SECRET_MARKERS["preparation note"]
    intention.escort_name = SECRET_MARKERS["escort name"]
    j.cancelled = make.dosing_session(j.course, clinician=clinician,
                                      scheduled_at=now - timedelta(days=3),
                                      cancel_reason=SECRET_MARKERS["cancel reason"])
    j.cancelled.status = "cancelled"
    j.upcoming = make.dosing_session(j.course, clinician=clinician, scheduled_at=now + timedelta(days=6))
    make.intention(j.upcoming, clinician, text=j.words["upcoming intention"], goals=())
    db.session.add_all([
        SessionNote(session_id=j.past.id, patient_id=patient.id, noted_at=j.past.started_at,
                    kind="observation", text=SECRET_MARKERS["unshared note"], author_id=clinician.id),
        SessionNote(session_id=j.past.id, patient_id=patient.id, noted_at=j.past.started_at,
                    kind="patient_words", text=j.words["shared note"], author_id=clinician.id,
                    shared_with_patient=True, shared_at=now),
        VitalSign(session_id=j.past.id, patient_id=patient.id, measured_at=j.past.started_at,
                  phase="pre_dose", systolic=181, diastolic=95, heart_rate=88, spo2=97,
                  recorded_by_id=clinician.id),
        AdverseEvent(session_id=j.past.id, patient_id=patient.id, occurred_at=j.past.started_at,
                     kind="nausea", severity="severe", action_taken=SECRET_MARKERS["adverse event action"],
                     recorded_by_id=clinician.id),
    ])
    j.debrief = make.debrief(j.past, clinician, held_at=now - timedelta(days=4))
    j.debrief.emotions = SECRET_MARKERS["debrief emotions"]
    j.debrief.insights = SECRET_MARKERS["debrief insights"]
    j.debrief.what_surfaced = SECRET_MARKERS["debrief what surfaced"]
    j.debrief.relation_to_intention = SECRET_MARKERS["debrief relation to intention"]
    db.session.flush()
    db.session.add(GoalProgress(debrief_id=j.debrief.id, goal_id=intention.goals[0].id,
                                note=SECRET_MARKERS["goal progress note"]))
    today = local_today(patient)
    j.daily_task = make.task(patient, clinician, debrief=j.debrief, title=j.words["task"], repeat="daily",
                             starts_on=today - timedelta(days=3), repeat_until=today + timedelta(days=10))
    j.once_task = make.task(patient, clinician, debrief=j.debrief, title=j.words["once task"],
                            due_on=today + timedelta(days=2))
    j.cancelled_task = make.task(patient, clinician, debrief=j.debrief, title=f"{tag} dropped task")
    j.cancelled_task.active = False
    j.cancelled_task.cancel_reason = SECRET_MARKERS["task cancel reason"]
    j.mark = TaskCompletion(task_id=j.daily_task.id, patient_id=patient.id,
                            occurrence_on=today - timedelta(days=3), outcome="done")
    j.reflection = Reflection(patient_id=patient.id, task_id=j.daily_task.id, text=j.words["reflection"])
    j.journal_entry = Reflection(patient_id=patient.id, session_id=j.past.id, text=j.words["journal"])
    j.follow_up = FollowUp(patient_id=patient.id, session_id=j.past.id, kind="check_in",
                           scheduled_at=now + timedelta(days=2), clinician_id=clinician.id,
                           note=SECRET_MARKERS["follow-up note"], created_by_id=clinician.id)
    j.past_follow_up = FollowUp(patient_id=patient.id, session_id=j.past.id, kind="integration",
                                scheduled_at=now - timedelta(days=4), completed_at=now - timedelta(days=4),
                                outcome="completed", clinician_id=clinician.id,
                                note=SECRET_MARKERS["follow-up note"], created_by_id=clinician.id)
    db.session.add_all([j.mark, j.reflection, j.journal_entry, j.follow_up, j.past_follow_up,
                        Addendum(patient_id=patient.id, record_type="dosing_session",
                                 record_id=j.past.id, author_id=clinician.id, reason="correction",
                                 text=SECRET_MARKERS["addendum"])])
    db.session.flush()
    j.response = questionnaire(patient, clinician, "phq9", [1, 1, 1, 1, 0, 0, 0, 0, 1],
                               completed_at=now - timedelta(days=2))
    j.flag = SafetyFlag(patient_id=patient.id, source="phq9_item9", source_id=j.response.id,
                        summary=SECRET_MARKERS["flag summary"])
    db.session.add(j.flag)
    ack_source = questionnaire(patient, clinician, "phq9", [0, 0, 0, 0, 0, 0, 0, 0, 1],
                               completed_at=now - timedelta(days=20))
    db.session.add(SafetyFlag(patient_id=patient.id, source="phq9_item9", source_id=ack_source.id,
                              summary=SECRET_MARKERS["flag summary"], acknowledged_at=now,
                              acknowledged_by_id=clinician.id,
                              acknowledgement_note=SECRET_MARKERS["flag acknowledgement"]))
    j.assignment = QuestionnaireAssignment(patient_id=patient.id, instrument="pcl5",
                                           assigned_by_id=clinician.id)
    db.session.add(j.assignment)
    db.session.flush()
    return j


def questionnaire(patient, by, instrument: str, answers, *, completed_at=None,
                  source: str = "clinician") -> QuestionnaireResponse:
    """A stored, scored response (written directly: the portal's own path is tested separately)."""
    result = score(instrument, answers)
    response = QuestionnaireResponse(
        patient_id=patient.id, instrument=instrument, completed_at=completed_at or utcnow(),
        total=result.total, band=result.band, source=source, entered_by_id=by.id,
        answers=[QuestionnaireAnswer(instrument=instrument, item=n, value=v)
                 for n, v in enumerate(result.answers, start=1)])
    db.session.add(response)
    db.session.flush()
    return response


def more_tasks(patient, clinician, debrief, n: int) -> None:
    """n more tasks (alternately daily and one-off), each with a mark and a reflection."""
    today = local_today(patient)
    for i in range(n):
        repeat = "daily" if i % 2 else "none"
        task = make.task(patient, clinician, debrief=debrief, title=f"Extra task {i}", repeat=repeat,
                         starts_on=today - timedelta(days=2),
                         repeat_until=today + timedelta(days=5) if repeat == "daily" else None,
                         due_on=None if repeat == "daily" else today + timedelta(days=i % 5))
        marked_on = today - timedelta(days=2) if repeat == "daily" else task.due_on
        db.session.add(TaskCompletion(task_id=task.id, patient_id=patient.id, occurrence_on=marked_on,
                                      outcome="skipped", skip_reason="tired"))
        db.session.add(Reflection(patient_id=patient.id, task_id=task.id, text=f"Extra reflection {i}"))
    db.session.flush()


def more_sessions(patient, clinician, course, n: int) -> None:
    """n more held sessions, each with an intention, a shared note, a debrief and a task."""
    now = utcnow()
    for i in range(n):
        s = make.dosing_session(course, clinician=clinician, scheduled_at=now - timedelta(days=30 + i),
                                ended=True)
        make.intention(s, clinician, text=f"Extra intention {i}")
        db.session.add(SessionNote(session_id=s.id, patient_id=patient.id, noted_at=s.started_at,
                                   kind="observation", text=f"Shared {i}", author_id=clinician.id,
                                   shared_with_patient=True, shared_at=now))
        d = make.debrief(s, clinician, held_at=s.ended_at)
        t = make.task(patient, clinician, debrief=d, title=f"Session task {i}")
        db.session.add(Reflection(patient_id=patient.id, task_id=t.id, text=f"After session {i}"))
        db.session.add(FollowUp(patient_id=patient.id, session_id=s.id, kind="check_in",
                                scheduled_at=s.ended_at + timedelta(days=2), clinician_id=clinician.id,
                                created_by_id=clinician.id))
    db.session.flush()
