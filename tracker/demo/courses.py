"""Composite steps of a demo journey: a course, a series of sessions with their intentions and
debriefs, a run of questionnaire scores, a list of follow-ups."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tracker.core.patients import StatusChange, TreatmentCourse
from tracker.core.sessions import DosingSession
from tracker.demo.builder import DemoBuilder
from tracker.extensions import db
from tracker.integration.models import Debrief
from tracker.intention.models import Intention

IV_STEPS = ("0.5", "0.5", "0.6", "0.6", "0.75", "0.75", "0.75", "0.75")


@dataclass
class Step:
    """One dosing session with the intention before it and the debrief after it."""

    session: DosingSession
    intention: Intention | None
    debrief: Debrief | None


def course(build: DemoBuilder, patient, clinician, *, start: int, kind: str = "induction",
           planned: int = 6, status: str = "active", reason: str | None = None,
           status_day: int | None = None) -> TreatmentCourse:
    item = TreatmentCourse(patient_id=patient.id, kind=kind, started_on=build.day(start),
                           planned_sessions=planned, status=status, status_reason=reason,
                           created_by_id=clinician.id, created_at=build.at(start, 9),
                           updated_at=build.at(status_day if status_day is not None else start, 16))
    db.session.add(item)
    db.session.flush()
    build.audit(build.at(start, 9), clinician, "create", "treatment_course", item.id, patient.id)
    if status != "active":
        changed = build.at(status_day, 16)
        db.session.add(StatusChange(patient_id=patient.id, course_id=item.id, from_status="active",
                                    to_status=status, reason=reason, changed_by_id=clinician.id,
                                    changed_at=changed))
        build.audit(changed, clinician, "change_status", "treatment_course", item.id, patient.id)
    return item


def demo_rating(session: int, goal: int) -> int:
    """A goal's rating at the n-th debrief of a series: the first goal moves fastest."""
    return max(1, min(5, 1 + (session + 1) * (3 - min(goal, 2)) // 3))


def series(build: DemoBuilder, patient, clinician, treatment, days, *, texts, areas, goals,
           hour: int = 10, medication: str = "ketamine", route: str = "iv", doses=IV_STEPS,
           debrief_after: float = 20, tweaks: dict | None = None) -> list[Step]:
    """Sessions on the given day offsets. Past ones are held, recorded, signed and debriefed;
    `tweaks[n]` changes session n (sign_after_h, debrief_after, debrief_sign, no_debrief,
    no_intention, checklist, vitals, adverse, override, shared, progress, dose_reason,
    vitals_override)."""
    steps, previous = [], None
    for n, day in enumerate(days):
        tweak = (tweaks or {}).get(n, {})
        at = build.at(day, hour)
        held = at + timedelta(hours=3) <= build.now
        dose = {"dose_mg": doses[n]} if medication == "esketamine" else {"mg_per_kg": doses[n]}
        session = build.dosing_session(
            treatment, clinician, scheduled_at=at, weight=patient.weight_kg, medication=medication,
            route=route, completed=held, sign_after_h=tweak.get("sign_after_h", 2),
            vitals=tweak.get("vitals"), adverse=tweak.get("adverse"),
            override_reason=tweak.get("override"), shared_note=tweak.get("shared", False),
            dose_reason=tweak.get("dose_reason"),
            vitals_override=tweak.get("vitals_override"),
            room=f"Room {1 + (patient.id + n) % 3}", **dose)
        intention = None
        if not tweak.get("no_intention"):
            intention = build.intention(
                session, clinician, text=texts[n % len(texts)], areas=areas, goals=goals,
                checklist=tweak.get("checklist", True),
                recorded_at=min(build.at(day - 1, 15), build.now),
                carried=previous.goals if previous is not None else ())
            previous = intention
        debrief = None
        if held and not tweak.get("no_debrief"):
            debrief = build.debrief(session, clinician, intention,
                                    after_h=tweak.get("debrief_after", debrief_after),
                                    sign_after_h=tweak.get("debrief_sign", 1),
                                    progress=tweak.get("progress"),
                                    ratings=[demo_rating(n, i) for i in range(len(goals))])
        steps.append(Step(session, intention, debrief))
    return steps


def scores(build: DemoBuilder, patient, account, clinician, instrument: str, points) -> list:
    """Questionnaires on day offsets: (day, total) or (day, total, item9). The first is entered
    by the clinician at intake; later ones by the patient in the portal when they can sign in."""
    responses = []
    for i, (day, total, *rest) in enumerate(points):
        by_patient = i > 0 and account is not None and account.password_hash is not None
        responses.append(build.questionnaire(
            patient, instrument=instrument, total=total, item9=rest[0] if rest else 0,
            at=build.at(day, 19 if by_patient else 11, 10 * i % 60),
            entered_by=account if by_patient else clinician,
            source="patient" if by_patient else "clinician"))
    return responses


def follow_ups(build: DemoBuilder, patient, clinician, entries, *, session=None) -> list:
    """Follow-ups: (kind, day, outcome[, note])."""
    notes = {"completed": "Went through the week's tasks; mood steadier; plan unchanged.",
             "missed": "No answer; voicemail left with a call-back number."}
    return [build.follow_up(patient, clinician, kind=kind, at=build.at(day, 14), outcome=outcome,
                            session=session, note=(rest[0] if rest else notes.get(outcome)))
            for kind, day, outcome, *rest in entries]
