"""What one export holds: the rows of a set of patients' journeys, loaded in a fixed number of
queries per batch of patients, with what the audience may not see left out, and the FHIR
resources built from them (by tracker.fhir.mapping)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

import sqlalchemy as sa

from tracker.care.models import FollowUp, QuestionnaireAnswer, QuestionnaireResponse
from tracker.core.patients import CareTeamMember, Patient, TreatmentCourse
from tracker.core.sessions import DosingSession
from tracker.core.signing.models import Addendum, SignableRecord
from tracker.core.users import User
from tracker.dosing.models import AdverseEvent, SedationRating, SessionNote, VitalSign
from tracker.extensions import db
from tracker.fhir import mapping as m
from tracker.fhir.ids import Links
from tracker.integration.goal_progress import achievement_status
from tracker.integration.models import Debrief, IntegrationTask, Reflection, TaskCompletion
from tracker.intention.models import Intention


class Audience(StrEnum):
    """Who the export is for. The care team's copy is the whole record; the patient's own copy
    leaves out what is clinician-only (DESIGN.md): preparation notes, in-session notes not
    shared with the patient, the debrief's narrative and goal progress notes, follow-up notes
    and addenda."""
    CARE_TEAM = "care_team"
    PATIENT = "patient"


@dataclass
class JourneyRecord:
    audience: Audience
    patient: Patient
    care_team: list = field(default_factory=list)
    courses: list = field(default_factory=list)
    sessions: list = field(default_factory=list)
    intentions: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    vitals: list = field(default_factory=list)
    sedation: list = field(default_factory=list)
    adverse_events: list = field(default_factory=list)
    debriefs: list = field(default_factory=list)
    tasks: list = field(default_factory=list)
    marks: dict = field(default_factory=lambda: defaultdict(list))        # task id -> marks
    task_reflections: dict = field(default_factory=lambda: defaultdict(list))
    journal: list = field(default_factory=list)   # reflections on no task (the printable page)
    follow_ups: list = field(default_factory=list)
    responses: list = field(default_factory=list)
    answers: dict = field(default_factory=lambda: defaultdict(list))      # response id -> answers
    addenda: list = field(default_factory=list)

    @property
    def for_care_team(self) -> bool:
        return self.audience == Audience.CARE_TEAM

    @property
    def session_by_id(self) -> dict:
        return {s.id: s for s in self.sessions}


def _grouped(stmt, records: dict[int, JourneyRecord], attribute: str) -> None:
    for row in db.session.scalars(stmt):
        getattr(records[row.patient_id], attribute).append(row)


def load_records(patients: Iterable[Patient], audience: Audience) -> dict[int, JourneyRecord]:
    """Every row of these patients' journeys (the caller has checked access), 15 queries for
    the whole batch however many patients and rows."""
    records = {p.id: JourneyRecord(audience, p) for p in patients}
    ids = list(records)
    if not ids:
        return records
    care = audience == Audience.CARE_TEAM
    _grouped(sa.select(CareTeamMember).where(CareTeamMember.patient_id.in_(ids))
             .order_by(CareTeamMember.id), records, "care_team")
    _grouped(sa.select(TreatmentCourse).where(TreatmentCourse.patient_id.in_(ids))
             .order_by(TreatmentCourse.started_on, TreatmentCourse.id), records, "courses")
    _grouped(sa.select(DosingSession).where(DosingSession.patient_id.in_(ids))
             .order_by(DosingSession.scheduled_at, DosingSession.id), records, "sessions")
    _grouped(sa.select(Intention).where(Intention.patient_id.in_(ids)).order_by(Intention.id),
             records, "intentions")
    notes = sa.select(SessionNote).where(SessionNote.patient_id.in_(ids))
    if not care:
        notes = notes.where(SessionNote.shared_with_patient.is_(True))
    _grouped(notes.order_by(SessionNote.noted_at, SessionNote.id), records, "notes")
    _grouped(sa.select(VitalSign).where(VitalSign.patient_id.in_(ids))
             .order_by(VitalSign.measured_at, VitalSign.id), records, "vitals")
    _grouped(sa.select(SedationRating).where(SedationRating.patient_id.in_(ids))
             .order_by(SedationRating.rated_at, SedationRating.id), records, "sedation")
    _grouped(sa.select(AdverseEvent).where(AdverseEvent.patient_id.in_(ids))
             .order_by(AdverseEvent.occurred_at, AdverseEvent.id), records, "adverse_events")
    _grouped(sa.select(Debrief).where(Debrief.patient_id.in_(ids)).order_by(Debrief.held_at, Debrief.id),
             records, "debriefs")
    _grouped(sa.select(IntegrationTask).where(IntegrationTask.patient_id.in_(ids))
             .order_by(IntegrationTask.id), records, "tasks")
    for mark in db.session.scalars(sa.select(TaskCompletion).where(TaskCompletion.patient_id.in_(ids))
                                   .order_by(TaskCompletion.occurrence_on)):
        records[mark.patient_id].marks[mark.task_id].append(mark)
    for note in db.session.scalars(sa.select(Reflection).where(Reflection.patient_id.in_(ids))
                                   .order_by(Reflection.created_at, Reflection.id)):
        if note.task_id is None:
            records[note.patient_id].journal.append(note)
        else:
            records[note.patient_id].task_reflections[note.task_id].append(note)
    _grouped(sa.select(FollowUp).where(FollowUp.patient_id.in_(ids))
             .order_by(FollowUp.scheduled_at, FollowUp.id), records, "follow_ups")
    _grouped(sa.select(QuestionnaireResponse).where(QuestionnaireResponse.patient_id.in_(ids))
             .order_by(QuestionnaireResponse.completed_at, QuestionnaireResponse.id),
             records, "responses")
    answers = (sa.select(QuestionnaireAnswer, QuestionnaireResponse.patient_id)
               .join(QuestionnaireResponse, QuestionnaireResponse.id == QuestionnaireAnswer.response_id)
               .where(QuestionnaireResponse.patient_id.in_(ids)).order_by(QuestionnaireAnswer.item))
    for answer, patient_id in db.session.execute(answers):
        records[patient_id].answers[answer.response_id].append(answer)
    if care:
        _grouped(sa.select(Addendum).where(Addendum.patient_id.in_(ids))
                 .order_by(Addendum.created_at, Addendum.id), records, "addenda")
    return records


# --- resources ----------------------------------------------------------------------------------

RESOURCE_TYPES = ("Patient", "Practitioner", "Organization", "EpisodeOfCare", "CarePlan", "Goal",
                  "Encounter", "Medication", "MedicationAdministration", "Observation",
                  "QuestionnaireResponse", "AdverseEvent", "Task", "Provenance")


def journey_resources(record: JourneyRecord, links: Links,
                      types: Iterable[str] = RESOURCE_TYPES) -> Iterator[dict]:
    """The FHIR resources of one patient's journey (Practitioner and Organization excepted:
    those are shared, see practitioners()), in RESOURCE_TYPES order, of the `types` asked for."""
    wanted = set(types)
    for resource_type, build in _SECTIONS:
        if resource_type in wanted:
            yield from build(record, links)


def _patient(r: JourneyRecord, links: Links):
    yield m.patient(r.patient, [t.clinician_id for t in r.care_team if t.is_primary], links)


def _episodes(r: JourneyRecord, links: Links):
    primary = next((t.clinician_id for t in r.care_team if t.is_primary), None)
    for course in r.courses:
        yield m.episode_of_care(course, r.patient.clinic_id, primary, links)


def _care_plan(r: JourneyRecord, links: Links):
    goal_ids = [g.id for i in r.intentions for g in i.goals]
    started = r.courses[0].started_on if r.courses else None
    yield m.care_plan(r.patient, intentions=r.intentions, goal_ids=goal_ids,
                      task_ids=[t.id for t in r.tasks], started_on=started)


def _goals(r: JourneyRecord, links: Links):
    sessions = r.session_by_id
    progress = defaultdict(list)
    if r.for_care_team:
        for debrief in r.debriefs:
            for note in debrief.goal_progress:
                progress[note.goal_id].append((note, debrief))
    # The ratings the audience sees (the patient: signed debriefs only, as in the portal).
    ratings = {note.goal_id: note.rating for debrief in r.debriefs
               if r.for_care_team or debrief.signed_at is not None
               for note in debrief.goal_progress}
    for intention in r.intentions:
        session = sessions.get(intention.session_id)
        start = (session.started_at or session.scheduled_at) if session else None
        for row in intention.goals:
            status = achievement_status(ratings.get(row.id), ratings.get(row.carried_from_id))
            yield m.goal(row, intention, start, progress[row.id], links, achievement=status)


def _encounters(r: JourneyRecord, links: Links):
    clinic_id, sessions = r.patient.clinic_id, r.session_by_id
    for session in r.sessions:
        yield m.session_encounter(session, clinic_id, links)
    for debrief in r.debriefs:
        yield m.debrief_encounter(debrief, sessions[debrief.session_id].course_id, clinic_id, links)
    for follow_up in r.follow_ups:
        session = sessions.get(follow_up.session_id)
        yield m.follow_up_encounter(follow_up, session.course_id if session else None, clinic_id, links)


def _medications(r: JourneyRecord, links: Links):
    for session in r.sessions:
        if m.has_dose(session):
            yield m.medication(session)


def _administrations(r: JourneyRecord, links: Links):
    for session in r.sessions:
        if m.has_dose(session):
            yield m.medication_administration(session, links)


def _observations(r: JourneyRecord, links: Links):
    for session in r.sessions:
        if session.weight_kg and m.has_dose(session):
            yield m.weight_observation(session, links)
    for vital in r.vitals:
        yield from m.vital_observations(vital, links)
    for rating in r.sedation:
        yield from m.sedation_observations(rating, links)
    for note in r.notes:
        yield m.note_observation(note, links)
    for response in r.responses:
        yield m.score_observation(response, links)
    if r.for_care_team:
        yield from _clinician_text(r, links)


def _clinician_text(r: JourneyRecord, links: Links):
    pid = r.patient.id
    for i in r.intentions:
        if i.preparation_notes:
            yield m.clinician_text(f"intention/{i.id}/preparation_notes", "preparation_notes",
                                   text=i.preparation_notes, patient_id=pid, when=i.created_at,
                                   author_id=i.recorded_by_id, encounter=m.session_ref(i.session_id),
                                   links=links)
    for d in r.debriefs:
        for column in ("emotions", "insights", "what_surfaced", "relation_to_intention"):
            text = getattr(d, column)
            if text:
                yield m.clinician_text(f"debrief/{d.id}/{column}", f"debrief_{column}", text=text,
                                       patient_id=pid, when=d.held_at, author_id=d.clinician_id,
                                       encounter=m.debrief_ref(d.id), links=links)
    for f in r.follow_ups:
        if f.note:
            yield m.clinician_text(f"follow_up/{f.id}/note", "follow_up_note", text=f.note,
                                   patient_id=pid, when=f.completed_at or f.scheduled_at,
                                   author_id=f.clinician_id or f.created_by_id,
                                   encounter=m.ref_follow_up(f.id), links=links)
    for a in r.addenda:
        target = (m.session_ref(a.record_id) if a.record_type == SignableRecord.DOSING_SESSION
                  else m.debrief_ref(a.record_id))
        yield m.clinician_text(f"addendum/{a.id}", "addendum", text=a.text, patient_id=pid,
                               when=a.created_at, author_id=a.author_id, encounter=target,
                               links=links, reason=a.reason)


def _questionnaire_responses(r: JourneyRecord, links: Links):
    for response in r.responses:
        yield m.questionnaire_response(response, r.answers.get(response.id, []), links)


def _adverse_events(r: JourneyRecord, links: Links):
    dosed = {s.id for s in r.sessions if m.has_dose(s)}
    for event in r.adverse_events:
        yield m.adverse_event(event, event.session_id in dosed, links)


def _tasks(r: JourneyRecord, links: Links):
    for row in r.tasks:
        yield m.task(row, r.marks.get(row.id, []), r.task_reflections.get(row.id, []), links)


def _provenance(r: JourneyRecord, links: Links):
    for s in r.sessions:
        if s.signed_at is not None:
            targets = [m.session_ref(s.id)]
            if m.has_dose(s):
                targets.append(m.ref("MedicationAdministration", s.id))
            yield m.provenance(f"dosing_session/{s.id}", targets=targets, signed_at=s.signed_at,
                               signer_id=s.signed_by_id, content_hash=s.content_hash, links=links)
    for d in r.debriefs:
        if d.signed_at is not None:
            yield m.provenance(f"debrief/{d.id}", targets=[m.debrief_ref(d.id)],
                               signed_at=d.signed_at, signer_id=d.signed_by_id,
                               content_hash=d.content_hash, links=links)


_SECTIONS = (
    ("Patient", _patient), ("EpisodeOfCare", _episodes), ("CarePlan", _care_plan),
    ("Goal", _goals), ("Encounter", _encounters), ("Medication", _medications),
    ("MedicationAdministration", _administrations), ("Observation", _observations),
    ("QuestionnaireResponse", _questionnaire_responses), ("AdverseEvent", _adverse_events),
    ("Task", _tasks), ("Provenance", _provenance),
)


def practitioners(user_ids: Iterable[int]) -> list[dict]:
    ids = sorted(set(user_ids))
    if not ids:
        return []
    users = db.session.scalars(sa.select(User).where(User.id.in_(ids)).order_by(User.id))
    return [m.practitioner(u) for u in users]
