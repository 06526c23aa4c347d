"""Synthetic journeys for the benchmark: rows (plain dicts) for one patient at a time.

Rates of gaps are chosen to look like a real clinic's (most stages on time, some late, a few
missing), so every continuity rule has items in every state. Ids are assigned here, from
counters the caller starts after the database's highest id, so children can point at parents
without a round trip.
"""
from __future__ import annotations

import hashlib
import itertools
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from tracker.care import models as care
from tracker.core import flags, patients, sessions
from tracker.dosing import models as dosing
from tracker.dosing import rems
from tracker.integration import models as integration
from tracker.intention import models as intention

H, D, M = timedelta(hours=1), timedelta(days=1), timedelta(minutes=1)
GIVEN = ["Alex", "Sam", "Jordan", "Taylor", "Morgan", "Riley", "Casey", "Jamie", "Robin", "Avery",
         "Quinn", "Drew", "Rowan", "Emery", "Harper", "Kai", "Noor", "Ines", "Mateo", "Yuki"]
FAMILY = ["Rivera", "Chen", "Okafor", "Novak", "Haddad", "Larsen", "Moreau", "Silva", "Kowalski",
          "Nakamura", "Osei", "Petrov", "Quinlan", "Brennan", "Fischer", "Duarte", "Iyer", "Lund"]
TASKS = [("Morning walk", "movement"), ("Five-minute breathing", "mindfulness"),
         ("Write one page", "journaling"), ("Call a friend", "connection"),
         ("Read a chapter", "reading"), ("Same bedtime", "routine")]


@dataclass
class Rows:
    """The rows of one batch, per table, in insert order."""

    by_model: dict = field(default_factory=lambda: defaultdict(list))

    def add(self, model, **row) -> dict:
        self.by_model[model].append(row)
        return row

    def count(self) -> int:
        return sum(len(rows) for rows in self.by_model.values())


class Ids:
    """One counter per table, starting after the highest id already stored."""

    def __init__(self, starts: dict):
        self._counters = {model: itertools.count(start) for model, start in starts.items()}

    def __call__(self, model) -> int:
        return next(self._counters[model])


class JourneyMaker:
    def __init__(self, *, rng: random.Random, now: datetime, ids: Ids, clinic_id: int,
                 clinicians: list[int]):
        self.rng, self.now, self.ids = rng, now, ids
        self.clinic_id, self.clinicians = clinic_id, clinicians
        self.flag_sources = itertools.count(1)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    # --- one patient -------------------------------------------------------------------------

    def patient(self, rows: Rows, n_sessions: int) -> None:
        rng, now = self.rng, self.now
        gaps = [rng.uniform(2.5, 4.5) if i < 6 else rng.uniform(18, 45) for i in range(n_sessions)]
        span = sum(gaps[1:])
        if span > 700:
            gaps = [g * 700 / span for g in gaps]
            span = 700
        last = now + D * rng.uniform(-min(400, 720 - span), 14)
        first = last - D * span
        pid = self.ids(patients.Patient)
        primary = rng.choice(self.clinicians)
        status = "active"
        if last < now - 60 * D:
            status = rng.choices(["discharged", "paused", "active"], [6, 1, 3])[0]
        rows.add(patients.Patient, id=pid, clinic_id=self.clinic_id, user_id=None,
                 record_number=f"B{pid:07d}", given_name=rng.choice(GIVEN),
                 family_name=rng.choice(FAMILY),
                 date_of_birth=date(rng.randint(1950, 2002), rng.randint(1, 12),
                                    rng.randint(1, 28)),
                 email=None, phone=None, weight_kg=Decimal(rng.randint(50, 110)), status=status,
                 status_reason=None if status == "active" else "Course finished; stepped down.",
                 version=1, created_at=first - 10 * D, updated_at=first - 10 * D)
        team = [primary] + ([rng.choice(self.clinicians)] if self.chance(0.3) else [])
        for i, cid in enumerate(dict.fromkeys(team)):
            rows.add(patients.CareTeamMember, id=self.ids(patients.CareTeamMember), patient_id=pid,
                     clinic_id=self.clinic_id,
                     clinician_id=cid, is_primary=i == 0, added_at=first - 10 * D, added_by_id=None)
        induction = self._course(rows, pid, "induction", first - 3 * D,
                                 "completed" if n_sessions > 6 or last < now - 30 * D else "active")
        maintenance = None
        if n_sessions > 6:
            course_status = {"discharged": "discharged", "paused": "paused"}.get(status, "active")
            maintenance = self._course(rows, pid, "maintenance",
                                       first + D * sum(gaps[1:6]) + D, course_status)
        at, baseline = first, rng.randint(14, 24)
        for i in range(n_sessions):
            if i:
                at = at + D * gaps[i]
            course = induction if i < 6 else maintenance
            clinician = primary if self.chance(0.8) else rng.choice(self.clinicians)
            phq = max(0, baseline - i * rng.randint(0, 2) + rng.randint(-2, 2))
            self.session(rows, pid, course, clinician, at.replace(microsecond=0), min(phq, 27))

    def _course(self, rows, pid, kind, start: datetime, status) -> int:
        cid = self.ids(patients.TreatmentCourse)
        rows.add(patients.TreatmentCourse, id=cid, patient_id=pid, kind=kind,
                 clinic_id=self.clinic_id,
                 started_on=start.date(), planned_sessions=6 if kind == "induction" else 12,
                 status=status,
                 status_reason=None if status in ("active", "completed") else "Stepped down.",
                 created_by_id=None, created_at=start, updated_at=start)
        return cid

    # --- one session and its four stages -----------------------------------------------------

    def session(self, rows: Rows, pid: int, course: int, clinician: int, at: datetime,
                phq: int) -> None:
        rng, now = self.rng, self.now
        sid = self.ids(sessions.DosingSession)
        cancelled = at < now and self.chance(0.02)
        started = None if cancelled or at > now else at + M * rng.randint(0, 20)
        ended = started + M * rng.randint(45, 120) if started and started + 2 * H < now else None
        signed = None
        if ended and not self.chance(0.05):
            delay = rng.uniform(0.2, 20) if self.chance(0.88) else rng.uniform(25, 90)
            signed = ended + H * delay
            signed = signed if signed < now else None
        override = None
        row = rows.add(sessions.DosingSession, id=sid, course_id=course, patient_id=pid,
                       clinic_id=self.clinic_id,
                       scheduled_at=at,
                       started_at=started, ended_at=ended, clinician_id=clinician,
                       room=f"Room {rng.randint(1, 4)}", medication="ketamine", route="iv",
                       dose_mg=Decimal(rng.randint(30, 55)),
                       weight_kg=Decimal(rng.randint(50, 110)),
                       infusion_minutes=40, lot_number=f"LOT{rng.randint(1000, 9999)}",
                       checklist_override_reason=None, checklist_override_by_id=None,
                       status="cancelled" if cancelled else "completed" if ended else
                       "in_progress" if started else "scheduled",
                       cancel_reason="Patient unwell" if cancelled else None,
                       signed_at=signed, signed_by_id=clinician if signed else None,
                       content_hash=_hash(sid) if signed else None, version=1,
                       created_at=at - 5 * D, updated_at=signed or at - 5 * D)
        if at - 3 * D < now and not self.chance(0.04):
            recorded = (at - H * rng.uniform(2, 70) if self.chance(0.95)
                        else at + M * rng.randint(5, 60))
            complete = self.chance(0.92)
            if not complete and started and self.chance(0.6):
                override = "Escort confirmed by phone; checklist completed verbally."
                row.update(checklist_override_reason=override, checklist_override_by_id=clinician)
            self.intention(rows, sid, pid, clinician, min(recorded, now), complete,
                           recorded + H * rng.uniform(0, 1.5))
        if self.chance(0.7) and at - 6 * D < now:
            self.phq9(rows, pid, clinician, min(at - H * rng.uniform(3, 140), now), phq, sid)
        if not started:
            return
        self.in_session(rows, sid, pid, clinician, started, ended)
        if ended and sid % 8 == 0:  # one session in eight is esketamine (no extra draws)
            self.esketamine(rows, row, sid, pid, clinician, ended)
        if ended:
            self.debrief(rows, sid, pid, clinician, ended)
            self.follow_up(rows, sid, pid, clinician, ended)

    def esketamine(self, rows, row, sid, pid, clinician, ended) -> None:
        """Make the session intranasal esketamine, with its REMS form: most submitted within
        7 days, some late, some never. Derived from the id, so the other draws stay the same."""
        row.update(medication="esketamine", route="intranasal", dose_mg=Decimal(56 + 28 * (sid % 2)),
                   infusion_minutes=None)
        kind = (sid // 8) % 10
        submitted = ended + D * (1 + kind % 5) if kind < 7 else ended + D * (8 + kind) if kind < 9 else None
        submitted = submitted if submitted is not None and submitted < self.now else None
        rows.add(rems.RemsForm, id=self.ids(rems.RemsForm), session_id=sid, patient_id=pid,
                 ready_to_leave_minutes=110, answered_by_id=clinician, submitted_at=submitted,
                 submitted_by_id=clinician if submitted else None,
                 content_hash=_hash(sid) if submitted else None, version=1,
                 created_at=ended, updated_at=submitted or ended)

    def intention(self, rows, sid, pid, clinician, recorded, complete, checklist_at) -> None:
        iid = self.ids(intention.Intention)
        rows.add(intention.Intention, id=iid, session_id=sid, patient_id=pid,
                 intention_text="To meet what comes with curiosity.", focus_other=None,
                 preparation_notes="Reviewed medications; escort confirmed.", fasted=complete,
                 escort_arranged=True, escort_name="A. Escort", escort_phone="555-0100",
                 medications_reviewed=True, consent_on_file=True, baseline_vitals_ok=complete,
                 checklist_completed_at=min(checklist_at, self.now) if complete else None,
                 recorded_by_id=clinician, version=1, created_at=recorded, updated_at=recorded)
        rows.add(intention.IntentionFocus, id=self.ids(intention.IntentionFocus), intention_id=iid,
                 area=self.rng.choice(["depression", "anxiety", "trauma", "grief"]))
        for pos in range(self.rng.randint(1, 2)):
            rows.add(intention.Goal, id=self.ids(intention.Goal), intention_id=iid, position=pos,
                     text=["Walk outside three mornings a week", "Call my sister on Sundays"][pos])

    def in_session(self, rows, sid, pid, clinician, started, ended) -> None:
        rng = self.rng
        for phase, minutes in (("pre_dose", -5), ("during", 40), ("pre_discharge", 90)):
            when = started + M * minutes
            if when > self.now:
                break
            vid = self.ids(dosing.VitalSign)
            alert = self.chance(0.004)
            rows.add(dosing.VitalSign, id=vid, session_id=sid, patient_id=pid, measured_at=when,
                     phase=phase, systolic=184 if alert else rng.randint(105, 150),
                     diastolic=rng.randint(65, 95), heart_rate=rng.randint(58, 100),
                     spo2=rng.randint(94, 100), recorded_by_id=clinician)
            if alert:
                self.flag(rows, pid, "vital_alert", vid, sid, when, clinician)
        for minutes, kind, text in ((15, "observation", "Settled, breathing slow and even."),
                                    (35, "patient_words", "\"There is a lot of light in here.\"")):
            when = started + M * minutes
            if when <= self.now:
                rows.add(dosing.SessionNote, id=self.ids(dosing.SessionNote), session_id=sid,
                         patient_id=pid, noted_at=when, kind=kind, text=text, author_id=clinician,
                         shared_with_patient=False, shared_at=None, created_at=when)
        if ended:
            rows.add(dosing.Discharge, id=self.ids(dosing.Discharge), session_id=sid,
                     discharged_at=ended, observation_minutes=int((ended - started) / M),
                     alert_at_baseline=True, vitals_acceptable=True, escort_present=True,
                     escort_name="A. Escort", no_driving_acknowledged=True,
                     recorded_by_id=clinician)

    def debrief(self, rows, sid, pid, clinician, ended) -> None:
        rng, now = self.rng, self.now
        if self.chance(0.08):
            return
        held = ended + H * (rng.uniform(18, 60) if self.chance(0.9) else rng.uniform(75, 140))
        if held > now:
            return
        signed = held + H * rng.uniform(0.2, 6) if self.chance(0.93) else None
        signed = signed if signed and signed < now else None
        did = self.ids(integration.Debrief)
        rows.add(integration.Debrief, id=did, session_id=sid, patient_id=pid, held_at=held,
                 clinic_id=self.clinic_id,
                 clinician_id=clinician, emotions="Calm; a little raw; hopeful.",
                 insights="Saw that avoidance costs more than the feeling it avoids.",
                 what_surfaced="A picture of standing at the shore at dawn.",
                 relation_to_intention="Close to the intention.", signed_at=signed,
                 signed_by_id=clinician if signed else None,
                 content_hash=_hash(did) if signed else None, version=1,
                 created_at=held, updated_at=signed or held)
        n_tasks = rng.choices([0, 1, 2, 3], [1, 3, 4, 2])[0]
        for _ in range(n_tasks):
            created = (held + M * rng.randint(5, 40) if self.chance(0.9)
                       else held + D * rng.uniform(1, 4))
            self.task(rows, pid, did, clinician, min(created, now), held.date())

    def task(self, rows, pid, did, clinician, created, start: date) -> None:
        rng = self.rng
        tid = self.ids(integration.IntegrationTask)
        title, kind = rng.choice(TASKS)
        repeat = rng.choices(["none", "weekly", "daily"], [6, 2.5, 1.5])[0]
        starts = start + D * rng.randint(0, 2)
        due = starts + D * rng.randint(3, 10) if repeat == "none" else None
        until = (starts + D * rng.randint(14, 28) if repeat == "weekly" else
                 starts + D * rng.randint(4, 7) if repeat == "daily" else None)
        rows.add(integration.IntegrationTask, id=tid, patient_id=pid, debrief_id=did, title=title,
                 clinic_id=self.clinic_id,
                 kind=kind, instructions="Ten minutes, any time of day.", starts_on=starts,
                 due_on=due, repeat=repeat, repeat_until=until, active=True, cancel_reason=None,
                 created_by_id=clinician, created_at=created, updated_at=created)
        step = 7 if repeat == "weekly" else 1
        days = ([due] if repeat == "none"
                else [starts + D * k for k in range(0, (until - starts).days + 1, step)])
        today = self.now.date()
        for day in days:
            if day > today:
                break
            roll = rng.random()
            midnight = datetime.combine(day, datetime.min.time(), self.now.tzinfo)
            if roll < 0.72:
                marked = midnight + H * rng.uniform(8, 40)    # in time
            elif roll < 0.82:
                marked = midnight + D * rng.uniform(9, 20)    # late
            else:
                continue                                      # never marked
            if marked > self.now:
                continue
            skipped = self.chance(0.1)
            rows.add(integration.TaskCompletion, id=self.ids(integration.TaskCompletion),
                     task_id=tid, patient_id=pid, occurrence_on=day,
                     outcome="skipped" if skipped else "done",
                     skip_reason="Felt unwell" if skipped else None, marked_at=marked)

    def follow_up(self, rows, sid, pid, clinician, ended) -> None:
        rng, now = self.rng, self.now
        roll = rng.random()
        at = ended + D * (rng.uniform(2, 13) if roll < 0.8 else rng.uniform(15, 30))
        outcome = "missed" if roll > 0.93 else "completed"
        if at > now:
            outcome, completed = "scheduled", None
        else:
            completed = at if outcome == "completed" else None
        rows.add(care.FollowUp, id=self.ids(care.FollowUp), patient_id=pid, session_id=sid,
                 clinic_id=self.clinic_id,
                 kind=rng.choice(["integration", "check_in"]), scheduled_at=at,
                 clinician_id=clinician, outcome=outcome, completed_at=completed,
                 note=None, created_by_id=clinician, created_at=ended, version=1)

    def phq9(self, rows, pid, clinician, when, total, sid) -> None:
        rng = self.rng
        rid = self.ids(care.QuestionnaireResponse)
        items = [0] * 9
        for _ in range(total):
            candidates = [i for i in range(8) if items[i] < 3]
            if not candidates:
                break
            items[rng.choice(candidates)] += 1
        if self.chance(0.03):
            items[8] = 1
        total = sum(items)
        band = ("minimal" if total < 5 else "mild" if total < 10 else "moderate" if total < 15
                else "moderately severe" if total < 20 else "severe")
        rows.add(care.QuestionnaireResponse, id=rid, patient_id=pid, instrument="phq9",
                 clinic_id=self.clinic_id,
                 completed_at=when, total=total, band=band,
                 source=rng.choice(["patient", "clinician"]),
                 entered_by_id=clinician, session_id=sid)
        for item, value in enumerate(items, start=1):
            rows.add(care.QuestionnaireAnswer, id=self.ids(care.QuestionnaireAnswer),
                     response_id=rid, instrument="phq9", item=item, value=value)
        if items[8]:
            self.flag(rows, pid, "phq9_item9", rid, sid, when, clinician)

    def flag(self, rows, pid, source, source_id, sid, raised, clinician) -> None:
        roll = self.rng.random()
        delay = self.rng.uniform(0.2, 20) if roll < 0.85 else self.rng.uniform(26, 72)
        acknowledged = raised + H * delay
        if roll > 0.95 or acknowledged > self.now:
            acknowledged = None
        rows.add(flags.SafetyFlag, id=self.ids(flags.SafetyFlag), patient_id=pid, source=source,
                 source_id=source_id, session_id=sid, raised_at=raised,
                 summary=("Alert-level vital sign" if source == "vital_alert"
                          else "PHQ-9 item 9 above 0"),
                 acknowledged_at=acknowledged,
                 acknowledged_by_id=clinician if acknowledged else None,
                 acknowledgement_note="Called the patient; safe." if acknowledged else None)


def _hash(n: int) -> str:
    return hashlib.sha256(f"bench-{n}".encode()).hexdigest()


INSERT_ORDER = [
    patients.Patient, patients.CareTeamMember, patients.TreatmentCourse, sessions.DosingSession,
    intention.Intention, intention.IntentionFocus, intention.Goal, dosing.VitalSign,
    dosing.SessionNote, dosing.Discharge, rems.RemsForm, integration.Debrief, integration.IntegrationTask,
    integration.TaskCompletion, care.FollowUp, care.QuestionnaireResponse,
    care.QuestionnaireAnswer, flags.SafetyFlag,
]
