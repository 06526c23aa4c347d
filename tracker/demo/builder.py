"""Builders for the demo clinic: times relative to now, and each stage of a journey.

Everything is added to the session and flushed where an id is needed; nothing commits. The
random generator has a fixed seed, so two runs on the same day build the same clinic.
"""
from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from tracker.care.models import FollowUp, QuestionnaireAnswer, QuestionnaireResponse
from tracker.care.scoring import INSTRUMENTS, score
from tracker.core.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from tracker.core.audit.service import event_hash
from tracker.core.flags import SafetyFlag
from tracker.core.patients import Patient
from tracker.core.sessions import DoseCheckOutcome, DosingSession
from tracker.core.signing.service import content_hash
from tracker.demo.mail import flag_history
from tracker.dosing.discharge import observation_minutes
from tracker.dosing.doses import DoseOutcome, check_dose
from tracker.dosing.models import AdverseEvent, Discharge, SedationRating, SessionNote, VitalSign
from tracker.dosing.queries import session_page
from tracker.dosing.rems import RemsForm, form_content, rems_fields
from tracker.extensions import db
from tracker.integration.models import (
    Debrief,
    GoalProgress,
    IntegrationTask,
    Reflection,
    TaskCompletion,
)
from tracker.integration.occurrences import task_occurrences
from tracker.intention.models import Goal, Intention, IntentionFocus

NOTE_TEXTS = {
    "observation": ["Settled, eyes closed, breathing slow and even.",
                    "Some restlessness in the hands; offered the weighted blanket.",
                    "Quiet, tearful for a few minutes, then calm.",
                    "Music changed to the second playlist at the patient's request."],
    "intervention": ["Reminded of the intention; grounding with breath for two minutes.",
                     "Hand support offered and accepted; reassured that feelings will pass.",
                     "Eye mask adjusted; lights dimmed further."],
    "patient_words": ["\"It feels like watching my life from a hilltop.\"",
                      "\"I can see the weight but I am not under it.\"",
                      "\"There is a lot of light in here.\""],
}
DEBRIEF_TEXT = {
    "emotions": ["Relief, some sadness, and a sense of spaciousness.",
                 "Calm; a little raw; hopeful.", "Gratitude, then grief that felt clean."],
    "insights": ["Noticed how much of the day runs on self-criticism.",
                 "Saw that avoidance costs more than the feeling it avoids.",
                 "Felt connected to the people who are still here."],
    "what_surfaced": ["Memories of a childhood home; the smell of the kitchen.",
                      "An old argument, seen from the other side.",
                      "A picture of standing at the shore at dawn."],
}


class DemoBuilder:
    """Builds journeys for one clinic relative to `now`, and collects their audit events."""

    def __init__(self, clinic, *, now: datetime, seed: int = 20260401):
        self.clinic = clinic
        self.zone = ZoneInfo(clinic.timezone)
        self.now = now
        self.today = now.astimezone(self.zone).date()
        self.rng = random.Random(seed)
        self.events: list[tuple] = []
        self.vitals: dict[int, list[VitalSign]] = {}  # session id -> its readings
        self.lot = 4100

    # --- time --------------------------------------------------------------------------------

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def at(self, offset: int, hour: int = 9, minute: int = 0) -> datetime:
        """Aware UTC for `hour:minute` clinic time, `offset` days from today."""
        local = datetime.combine(self.day(offset), time(hour, minute), tzinfo=self.zone)
        return local.astimezone(UTC)

    def past(self, moment: datetime) -> bool:
        return moment <= self.now

    # --- audit -------------------------------------------------------------------------------

    def audit(self, at: datetime, user, action: str, record_type: str, record_id=None,
              patient_id=None, outcome: str = "success") -> None:
        """Remember an event; written at the end in time order, chained like record_event's."""
        if user is None or at > self.now:
            return
        self.events.append((at, user.clinic_id, user.id, user.role, action, record_type,
                            record_id, patient_id, outcome))

    def unclaimed_sign_in_failure(self, at: datetime) -> None:
        """A failed sign-in with an email that matches no account (no clinic, no user)."""
        if at <= self.now:
            self.events.append((at, None, None, None, "sign_in", "user", None, None, "failure"))

    def write_audit_trail(self) -> int:
        """Append the remembered events to the chain, oldest first; return how many."""
        head = db.session.get(AuditChainHead, 1)
        if head is None:
            head = AuditChainHead(id=1, last_hash=GENESIS_HASH)
            db.session.add(head)
        prev, seq = head.last_hash, head.last_seq or 0
        rows = []
        for _n, (at, clinic_id, user_id, role, action, rtype, rid, pid, outcome) in enumerate(
                sorted(self.events, key=lambda e: e[0])):
            seq += 1
            fields = {"seq": seq, "occurred_at": at, "clinic_id": clinic_id, "user_id": user_id, "role": role,
                      "action": action, "record_type": rtype, "record_id": rid,
                      "patient_id": pid,
                      "ip_address": f"192.0.2.{10 + user_id % 40}" if user_id else "203.0.113.77",
                      "outcome": outcome}
            digest = event_hash(prev, fields)
            rows.append(AuditEvent(**fields, prev_hash=prev, hash=digest))
            prev = digest
        db.session.add_all(rows)  # the ORM inserts in this order, so ids follow the chain
        db.session.flush()
        if rows:
            head.last_hash, head.last_event_id, head.last_seq = prev, rows[-1].id, seq
        db.session.flush()
        return len(rows)

    # --- stage 1: intention ------------------------------------------------------------------

    def intention(self, session: DosingSession, by, *, text: str, areas, goals,
                  checklist: bool = True, recorded_at: datetime, prep: str | None = None,
                  focus_other: str | None = None, carried=()) -> Intention:
        """`carried`: the previous intention's goals, carried forward in order (as the form
        does by default)."""
        carried = list(carried)
        item = Intention(session_id=session.id, patient_id=session.patient_id,
                         intention_text=text, focus_other=focus_other, recorded_by_id=by.id,
                         preparation_notes=prep or "Reviewed sleep and current medications; "
                         "plan the same playlist as last time.",
                         created_at=recorded_at, updated_at=recorded_at,
                         focus_areas=[IntentionFocus(area=a) for a in areas],
                         goals=[Goal(position=i, text=g,
                                     carried_from_id=carried[i].id if i < len(carried) else None)
                                for i, g in enumerate(goals)])
        if checklist is True:
            item.fasted = item.escort_arranged = item.medications_reviewed = True
            item.consent_on_file = item.baseline_vitals_ok = True
            # medications reviewed: none that sedate or change blood pressure
            item.takes_benzodiazepines = item.takes_sedative_hypnotics = False
            item.takes_psychostimulants = item.takes_maois = False
            item.checklist_completed_at = min(session.scheduled_at - timedelta(minutes=20), self.now)
        elif checklist:  # a partial checklist: the names of the items already ticked
            for column in checklist:
                setattr(item, column, True)
        if item.escort_arranged or checklist is True:
            item.escort_name, item.escort_phone = "Family member (see chart)", "555-0142"
        db.session.add(item)
        db.session.flush()
        self.audit(recorded_at, by, "create", "intention", item.id, session.patient_id)
        return item

    # --- stage 2: the dosing session --------------------------------------------------------

    def dosing_session(self, course, clinician, *, scheduled_at: datetime, weight: Decimal,
                       medication="ketamine", route="iv", mg_per_kg="0.5", dose_mg=None,
                       room="Room 2", sign_after_h: float | None = 2, vitals=None,
                       adverse=None, override_reason=None, shared_note=False,
                       dose_reason=None, completed: bool = True, vitals_override=None) -> DosingSession:
        """A session; when `completed`, its whole in-session record (notes, vitals, sedation,
        adverse events, discharge) and, if sign_after_h is set, its signature. The dose passes
        the clinic's dose check; one outside the usual range needs `dose_reason`."""
        esketamine = medication == "esketamine"
        session = DosingSession(
            course_id=course.id, patient_id=course.patient_id, scheduled_at=scheduled_at,
            clinician_id=clinician.id, room=room, status="scheduled",
            checklist_override_reason=override_reason,
            checklist_override_by_id=clinician.id if override_reason else None,
            created_at=min(scheduled_at - timedelta(days=5), self.now),
            updated_at=min(scheduled_at, self.now))
        if completed:
            start = scheduled_at + timedelta(minutes=self.rng.randint(0, 12))
            minutes = 40 if route == "iv" else None
            session.medication, session.route, session.weight_kg = medication, route, weight
            session.dose_mg = (Decimal(dose_mg) if dose_mg
                               else (weight * Decimal(mg_per_kg)).quantize(Decimal("1")))
            session.infusion_minutes = minutes
            self.lot += self.rng.randint(3, 17)
            session.lot_number = f"{'ESK' if esketamine else 'KET'}-{self.lot}"
            session.started_at = start
            session.ended_at = start + timedelta(minutes=125 if esketamine else 95)
            session.status = "completed"
            confirmed = self._dose_check(session, clinician, dose_reason)
        db.session.add(session)
        db.session.flush()
        self.audit(session.created_at, clinician, "create", "dosing_session", session.id, session.patient_id)
        if completed and confirmed:
            self.audit(session.dose_confirmed_at, clinician, "confirm_dose", "dosing_session",
                       session.id, session.patient_id)
        if completed:
            self._in_session_record(session, clinician, vitals=vitals, adverse=adverse,
                                    shared_note=shared_note, vitals_override=vitals_override)
            if sign_after_h is not None:
                self.sign(session, "dosing_session", clinician,
                          session.ended_at + timedelta(hours=sign_after_h))
        return session

    def _dose_check(self, session, clinician, reason: str | None) -> bool:
        """Date the weight (the patient's if recent enough, else weighed at the session; a newer
        one becomes the patient's), check the dose as the service does, and confirm it with
        `reason` if it is outside the usual range. Returns whether it was confirmed."""
        patient = db.session.get(Patient, session.patient_id)
        day = session.started_at.astimezone(self.zone).date()
        within = self.clinic.setting("weight_within_days")
        known = patient.weighed_on
        session.weighed_on = known if known and 0 <= (day - known).days <= within else day
        if known is None or session.weighed_on > known:
            patient.weighed_on = session.weighed_on
        check = check_dose(session.medication, session.route, session.dose_mg,
                           weight_kg=session.weight_kg, weighed_on=session.weighed_on, on=day,
                           settings=self.clinic.thresholds)
        if check.outcome == DoseOutcome.REFUSED or (check.needs_confirmation and not reason):
            raise ValueError(f"Demo dose needs a reason or is refused: {check.message}")
        if not check.needs_confirmation:
            session.dose_check = DoseCheckOutcome.USUAL
            return False
        session.dose_check = DoseCheckOutcome.OUTSIDE_USUAL
        session.dose_confirmation_reason = reason
        session.dose_confirmed_by_id = clinician.id
        session.dose_confirmed_at = session.started_at + timedelta(minutes=2)
        return True

    def _in_session_record(self, session, by, *, vitals, adverse, shared_note, vitals_override):
        """Notes, vitals on the schedule (before dosing, at 40 minutes, every 15 minutes of an
        IV session, before discharge), sedation back to MOAA/S 5, adverse events, and the
        discharge at the end, as the gates would allow it."""
        start, pid, sid = session.started_at, session.patient_id, session.id
        pick = self.rng.choice
        notes = [(5, "observation"), (18, "patient_words"), (32, "intervention"), (55, "observation")]
        for _n, (minute, kind) in enumerate(notes):
            at = start + timedelta(minutes=minute)
            share = shared_note and kind == "patient_words"
            note = SessionNote(session_id=sid, patient_id=pid, noted_at=at, kind=kind,
                               text=pick(NOTE_TEXTS[kind]), author_id=by.id, created_at=at,
                               shared_with_patient=share,
                               shared_at=at + timedelta(hours=3) if share else None)
            db.session.add(note)
        base_sys, base_dia = self.rng.randint(116, 132), self.rng.randint(72, 84)
        before_end = int((session.ended_at - start) / timedelta(minutes=1)) - 5
        readings = vitals or [("pre_dose", -5, base_sys, base_dia, 72, 98),
                              ("during", 40, base_sys + 12, base_dia + 6, 80, 97),
                              ("pre_discharge", before_end, base_sys + 2, base_dia, 70, 98)]
        if session.route == "iv":  # the clinic's IV interval (15 minutes) besides the 40-minute one
            readings = [*readings, *(("during", minute, base_sys + 8, base_dia + 4, 78, 97)
                                     for minute in (15, 30, 60, 75))]
        vital_rows = []
        for phase, minute, sys_bp, dia_bp, hr, spo2 in readings:
            row = VitalSign(session_id=sid, patient_id=pid, measured_at=start + timedelta(minutes=minute),
                            phase=phase, systolic=sys_bp, diastolic=dia_bp, heart_rate=hr, spo2=spo2,
                            respiratory_rate=14 if phase == "during" else 16,
                            recorded_by_id=by.id)
            vital_rows.append(row)
        db.session.add_all(vital_rows)
        for minute, moaas, dissociation in ((10, 4, 5), (30, 4, 6), (60, 5, 2)):
            db.session.add(SedationRating(session_id=sid, patient_id=pid, recorded_by_id=by.id,
                                          rated_at=start + timedelta(minutes=minute), moaas=moaas,
                                          dissociation=dissociation))
        for kind, severity, minute, action in adverse or ():
            event = AdverseEvent(session_id=sid, patient_id=pid, kind=kind, severity=severity,
                                 occurred_at=start + timedelta(minutes=minute), action_taken=action,
                                 recorded_by_id=by.id)
            db.session.add(event)
            db.session.add(SessionNote(session_id=sid, patient_id=pid, kind="adverse_event",
                                       noted_at=event.occurred_at, author_id=by.id,
                                       created_at=event.occurred_at,
                                       text=f"{kind.replace('_', ' ').capitalize()} ({severity}): {action}"))
        db.session.add(Discharge(session_id=sid, discharged_at=session.ended_at,
                                 observation_minutes=observation_minutes(start, session.ended_at),
                                 alert_at_baseline=True, vitals_acceptable=not vitals_override,
                                 escort_present=True, escort_name="Family member",
                                 no_driving_acknowledged=True, recorded_by_id=by.id,
                                 vitals_override_reason=vitals_override,
                                 vitals_override_by_id=by.id if vitals_override else None))
        db.session.flush()
        self.audit(start, by, "start", "dosing_session", sid, pid)
        for row in vital_rows:
            self.audit(row.measured_at, by, "create", "vital_sign", row.id, pid)
        self.audit(session.ended_at, by, "create", "discharge", sid, pid)
        self.vitals[sid] = vital_rows

    def sign(self, record, record_type: str, by, at: datetime) -> None:
        """Signer, time and a hash of the content, as signing.service.sign stores them."""
        if at > self.now:
            return
        content = {c.key: getattr(record, c.key) for c in record.__table__.columns
                   if c.key not in ("signed_at", "signed_by_id", "content_hash", "version",
                                    "created_at", "updated_at")}
        record.signed_at, record.signed_by_id = at, by.id
        record.content_hash = content_hash(content)
        self.audit(at, by, "sign", record_type, record.id, record.patient_id)

    def rems_form(self, session, by, *, ready_minutes: int, submit_after_h: float | None = None,
                  submitter=None) -> RemsForm | None:
        """An esketamine session's REMS form: the evaluation answer and, if `submit_after_h`
        has passed since the end, its submission (with the hash of the form's fields)."""
        if session.ended_at is None:
            return None
        form = RemsForm(session_id=session.id, patient_id=session.patient_id,
                        ready_to_leave_minutes=ready_minutes, answered_by_id=by.id,
                        created_at=session.ended_at + timedelta(minutes=20),
                        updated_at=session.ended_at + timedelta(minutes=20))
        db.session.add(form)
        db.session.flush()
        self.audit(form.created_at, by, "create", "rems_form", form.id, session.patient_id)
        submitted_at = (session.ended_at + timedelta(hours=submit_after_h)
                        if submit_after_h is not None else None)
        if submitted_at is not None and submitted_at <= self.now:
            record = db.session.scalar(session_page(session.id)
                                       .execution_options(populate_existing=True))
            submitter = submitter or by
            form.submitted_at, form.submitted_by_id = submitted_at, submitter.id
            form.content_hash = content_hash(form_content(rems_fields(record, form, self.clinic)))
            db.session.flush()
            self.audit(submitted_at, submitter, "submit", "rems_form", form.id, session.patient_id)
        return form

    # --- stage 3: debrief, tasks, reflections ---------------------------------------------

    def debrief(self, session, by, intention, *, after_h: float, sign_after_h: float | None = 1,
                progress=None, ratings=()) -> Debrief | None:
        held_at = session.ended_at + timedelta(hours=after_h)
        if held_at > self.now:
            return None
        pick = self.rng.choice
        item = Debrief(session_id=session.id, patient_id=session.patient_id, held_at=held_at,
                       clinician_id=by.id, emotions=pick(DEBRIEF_TEXT["emotions"]),
                       insights=pick(DEBRIEF_TEXT["insights"]),
                       what_surfaced=pick(DEBRIEF_TEXT["what_surfaced"]),
                       relation_to_intention="Came back to the intention twice; it held.",
                       created_at=held_at, updated_at=held_at)
        db.session.add(item)
        db.session.flush()
        notes = progress or ["Started; two of three days so far.", "Some progress; hard on busy days.",
                             "Not yet; will try with support."]
        ratings = list(ratings)
        db.session.add_all(GoalProgress(debrief_id=item.id, goal_id=goal.id, note=note,
                                        rating=ratings[i] if i < len(ratings) else None)
                           for i, (goal, note) in enumerate(zip(
                               intention.goals if intention else (), notes,
                               strict=False)))  # fewer goals than notes
        db.session.flush()
        self.audit(held_at, by, "create", "debrief", item.id, item.patient_id)
        if sign_after_h is not None:
            self.sign(item, "debrief", by, held_at + timedelta(hours=sign_after_h))
        return item

    def task(self, patient, by, debrief, *, title, kind, start: int, due: int | None = None,
             repeat="none", until: int | None = None, done_rate: float = 0.85,
             instructions: str | None = None, user=None) -> IntegrationTask:
        """A task from `start` (a day offset); past occurrences marked done or skipped with
        probability `done_rate` (the rest left open: overdue)."""
        created = debrief.held_at if debrief else self.at(start, 8)
        item = IntegrationTask(
            patient_id=patient.id, debrief_id=debrief.id if debrief else None, title=title,
            kind=kind, instructions=instructions or "Keep it small and kind; note how it went.",
            starts_on=self.day(start), due_on=self.day(due) if repeat == "none" else None,
            repeat=repeat, repeat_until=self.day(until) if repeat != "none" else None,
            created_by_id=by.id, created_at=created, updated_at=created)
        db.session.add(item)
        db.session.flush()
        self.audit(created, by, "create", "integration_task", item.id, patient.id)
        for day in task_occurrences(item, window_end=self.today - timedelta(days=1)):
            roll = self.rng.random()
            if roll >= done_rate:
                continue
            skipped = roll > done_rate - 0.1
            marked = datetime.combine(day, time(20, self.rng.randint(0, 59)), tzinfo=self.zone)
            marked = marked.astimezone(UTC)
            row = TaskCompletion(task_id=item.id, patient_id=patient.id, occurrence_on=day,
                                 outcome="skipped" if skipped else "done", marked_at=marked,
                                 skip_reason=("Long day at work; will pick it up tomorrow."
                                              if skipped else None))
            db.session.add(row)
            self.audit(marked, user, "create", "task_completion", None, patient.id)
        db.session.flush()
        return item

    def reflection(self, patient, user, *, text: str, at: datetime, task=None, session=None) -> Reflection:
        item = Reflection(patient_id=patient.id, task_id=task.id if task else None,
                          session_id=session.id if session else None, text=text,
                          created_at=at, updated_at=at)
        db.session.add(item)
        db.session.flush()
        self.audit(at, user, "create", "reflection", item.id, patient.id)
        return item

    # --- stage 4: follow-ups, questionnaires, flags -------------------------------------------

    def follow_up(self, patient, clinician, *, kind: str, at: datetime, outcome: str,
                  session=None, note: str | None = None) -> FollowUp:
        item = FollowUp(patient_id=patient.id, session_id=session.id if session else None,
                        kind=kind, scheduled_at=at, clinician_id=clinician.id, outcome=outcome,
                        completed_at=at + timedelta(minutes=50) if outcome == "completed" else None,
                        note=note, created_by_id=clinician.id,
                        created_at=min(at - timedelta(days=7), self.now))
        db.session.add(item)
        db.session.flush()
        self.audit(item.created_at, clinician, "create", "follow_up", item.id, patient.id)
        if outcome != "scheduled":
            self.audit(min(at + timedelta(hours=1), self.now), clinician, "update", "follow_up",
                       item.id, patient.id)
        return item

    def answers_for(self, instrument: str, total: int, item9: int = 0) -> list[int]:
        """Plausible item answers adding up to `total` (PHQ-9 item 9 fixed to `item9`)."""
        inst = INSTRUMENTS[instrument]
        count, top = len(inst.items), inst.max_item
        values = [0] * count
        free = list(range(count - 1)) if instrument == "phq9" else list(range(count))
        if instrument == "phq9":
            values[-1] = item9
        remaining = total - sum(values)
        while remaining > 0:
            i = self.rng.choice([j for j in free if values[j] < top])
            values[i] += 1
            remaining -= 1
        return values

    def questionnaire(self, patient, *, instrument: str, total: int, at: datetime, entered_by,
                      source: str = "patient", item9: int = 0, session=None) -> QuestionnaireResponse:
        result = score(instrument, self.answers_for(instrument, total, item9))
        response = QuestionnaireResponse(
            patient_id=patient.id, instrument=instrument, completed_at=at, total=result.total,
            band=result.band, source=source, entered_by_id=entered_by.id,
            session_id=session.id if session else None)
        db.session.add(response)
        db.session.flush()
        db.session.add_all(QuestionnaireAnswer(response_id=response.id, instrument=instrument,
                                               item=n, value=v)
                           for n, v in enumerate(result.answers, start=1))
        self.audit(at, entered_by, "create", "questionnaire_response", response.id, patient.id)
        return response

    def flag(self, patient, *, source: str, source_id: int, raised_at: datetime, summary: str,
             session=None, acknowledged_by=None, ack_after_h: float | None = None,
             note: str | None = None) -> SafetyFlag:
        item = SafetyFlag(patient_id=patient.id, source=source, source_id=source_id,
                          session_id=session.id if session else None, raised_at=raised_at,
                          summary=summary)
        if acknowledged_by is not None:
            item.acknowledged_at = raised_at + timedelta(hours=ack_after_h or 1)
            item.acknowledged_by_id = acknowledged_by.id
            item.acknowledgement_note = note
        db.session.add(item)
        db.session.flush()
        if acknowledged_by is not None:
            self.audit(item.acknowledged_at, acknowledged_by, "acknowledge", "safety_flag",
                       item.id, patient.id)
        flag_history(item, self.clinic, self.now)  # the emails and notices it caused
        return item
