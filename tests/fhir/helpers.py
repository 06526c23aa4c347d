"""Validation of FHIR exports against the fhir.resources R4B models, and reference checks."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from tests import factories as make
from tests.patients import builders
from tracker.care.models import FollowUp, QuestionnaireAnswer, QuestionnaireResponse
from tracker.core.signing.models import Addendum
from tracker.db import utcnow
from tracker.dosing.models import AdverseEvent, SedationRating, SessionNote, VitalSign
from tracker.extensions import db
from tracker.integration.models import Debrief, GoalProgress, Reflection, TaskCompletion
from tracker.intention.models import Goal, Intention

CLINICIAN_ONLY_TEXT = ("Clinician-only preparation note.", "UNSHARED in-session note",
                       "Relief", "Noticed self-criticism.", "walked twice", "Follow-up note: calm",
                       "Addendum text")
SHARED_TEXT = "SHARED in-session note"


def validate(bundle: dict) -> Bundle:
    """Parse the bundle and every resource in it with the R4B models: any error raises."""
    parsed = Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return parsed


def references(node) -> list[str]:
    """Every `reference` string anywhere in a resource."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                found.append(value)
            else:
                found += references(value)
    elif isinstance(node, list):
        for value in node:
            found += references(value)
    return found


def unresolved(bundle: dict) -> list[str]:
    urls = {e["fullUrl"] for e in bundle["entry"]}
    return sorted({r for e in bundle["entry"] for r in references(e["resource"]) if r not in urls})


def counts(bundle: dict) -> Counter:
    return Counter(e["resource"]["resourceType"] for e in bundle["entry"])


def full_journey(patient, clinician, *, sessions: int = 2):
    """The builders' journey (signed sessions and debriefs, tasks, follow-ups, PHQ-9s), with
    what they leave out added: doses with lots, vitals, sedation, notes shared and not, an
    adverse event, answers, GAD-7 and PCL-5, goal progress, a repeating task with marks,
    reflections, a follow-up note and an addendum."""
    rows = builders.journey(patient, clinician, sessions)
    first = rows[0]
    now = utcnow()
    for s in rows:
        s.medication, s.route, s.dose_mg, s.weight_kg = "ketamine", "iv", Decimal("35"), Decimal("70")
        s.infusion_minutes, s.lot_number, s.content_hash = 40, f"LOT-{s.id}", "ab" * 32
        db.session.add(VitalSign(session_id=s.id, patient_id=patient.id, measured_at=s.scheduled_at,
                                 phase="pre_dose", systolic=128, diastolic=82, heart_rate=72,
                                 spo2=98, respiratory_rate=14, recorded_by_id=clinician.id))
    db.session.add_all([
        SedationRating(session_id=first.id, patient_id=patient.id, rated_at=first.scheduled_at,
                       moaas=4, dissociation=3, recorded_by_id=clinician.id),
        AdverseEvent(session_id=first.id, patient_id=patient.id, occurred_at=first.scheduled_at,
                     kind="nausea", severity="mild", action_taken="Ondansetron",
                     recorded_by_id=clinician.id),
        SessionNote(session_id=first.id, patient_id=patient.id, noted_at=first.scheduled_at,
                    kind="observation", text="UNSHARED in-session note", author_id=clinician.id),
        SessionNote(session_id=first.id, patient_id=patient.id, noted_at=first.scheduled_at,
                    kind="patient_words", text=SHARED_TEXT, author_id=clinician.id,
                    shared_with_patient=True, shared_at=now),
    ])
    # esketamine on the last session, intranasal, 56 mg
    last = rows[-1]
    last.medication, last.route, last.dose_mg, last.weight_kg = "esketamine", "intranasal", Decimal("56"), None
    db.session.flush()
    debrief = db.session.scalar(sa.select(Debrief).where(Debrief.session_id == first.id))
    goal = db.session.scalar(sa.select(Goal.id).join(Intention).where(Intention.session_id == first.id)
                             .limit(1))
    db.session.add(GoalProgress(debrief_id=debrief.id, goal_id=goal, note="walked twice"))
    weekly = make.task(patient, clinician, debrief=debrief, repeat="weekly", title="Journal",
                       starts_on=now.date() - timedelta(days=14), repeat_until=now.date())
    db.session.add_all([
        TaskCompletion(task_id=weekly.id, patient_id=patient.id, occurrence_on=weekly.starts_on,
                       outcome="done"),
        TaskCompletion(task_id=weekly.id, patient_id=patient.id,
                       occurrence_on=weekly.starts_on + timedelta(days=7), outcome="skipped",
                       skip_reason="away"),
        Reflection(patient_id=patient.id, task_id=weekly.id, text="Writing helped."),
        Reflection(patient_id=patient.id, text="A journal entry of my own."),
        FollowUp(patient_id=patient.id, session_id=first.id, kind="integration",
                 scheduled_at=now - timedelta(days=1), clinician_id=clinician.id,
                 created_by_id=clinician.id, outcome="missed", note="Follow-up note: calm"),
    ])
    for instrument, items, value in (("phq9", 9, 1), ("gad7", 7, 2), ("pcl5", 20, 2)):
        response = QuestionnaireResponse(patient_id=patient.id, instrument=instrument,
                                         completed_at=now - timedelta(days=2), total=items * value,
                                         band="some", source="patient", entered_by_id=clinician.id,
                                         session_id=first.id)
        db.session.add(response)
        db.session.flush()
        db.session.add_all([QuestionnaireAnswer(response_id=response.id, instrument=instrument,
                                                item=i, value=value) for i in range(1, items + 1)])
    db.session.add(Addendum(patient_id=patient.id, record_type="dosing_session", record_id=first.id,
                            author_id=clinician.id, reason="typo", text="Addendum text"))
    db.session.commit()
    return rows
