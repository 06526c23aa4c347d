"""One function per FHIR resource: a tracker row (and what it needs beside it) in, a FHIR R4
resource (a plain dict) out. Pure: no database, no request, no clock.

Designed to be inverted by a later import: each resource carries the tracker's values as codes
from tracker.fhir.codes (read back with codes.inverse), references are stable uuid5 ids
(tracker.fhir.ids), and clinician-written text that FHIR has no field for is an Observation
coded from the clinician-text system, so an import can tell it from the patient's own words.
The table in docs/FHIR.md lists every row and field and where it goes.
"""
from __future__ import annotations

import base64
from datetime import UTC, date, datetime

from tracker.care.models import FollowUpKind, ResponseSource
from tracker.care.scoring import INSTRUMENTS
from tracker.core.patients import PatientStatus
from tracker.core.sessions import MEDICATIONS, ROUTES
from tracker.dosing.models import ADVERSE_EVENT_KINDS, NOTE_KINDS
from tracker.fhir import codes as c
from tracker.fhir.ids import Links, ref, resource_id
from tracker.integration.models import REPEATS, TASK_KINDS, MarkOutcome, TaskRepeat

# --- value helpers ----------------------------------------------------------------------------


def instant(moment: datetime | None) -> str | None:
    """An ISO 8601 instant in UTC, to the second (FHIR dateTime/instant)."""
    if moment is None:
        return None
    if moment.tzinfo is None:  # stored UTC; SQLite may hand it back naive
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _drop_empty(resource: dict) -> dict:
    """FHIR forbids empty elements: drop None, "" and empty lists/dicts (one level deep)."""
    return {k: v for k, v in resource.items() if v not in (None, "", [], {})}


def _resource(resource_type: str, key, **fields) -> dict:
    return _drop_empty({"resourceType": resource_type, "id": resource_id(resource_type, key),
                        **fields})


def _period(start, end=None) -> dict | None:
    found = _drop_empty({"start": instant(start), "end": instant(end)})
    return found or None


def _quantity(value, unit: dict) -> dict:
    return {"value": float(value), **unit}


def _patient_ref(patient_id: int) -> dict:
    return ref("Patient", patient_id)


def _own(system: str, code: str, display: str | None = None) -> dict:
    return c.concept((c.OWN[system], code, display), text=display)


# --- people and the clinic ----------------------------------------------------------------------


def organization(clinic) -> dict:
    return _resource("Organization", clinic.id, name=clinic.name, active=True,
                     identifier=[{"system": f"{c.BASE}/clinic", "value": str(clinic.id)}])


def practitioner(user) -> dict:
    return _resource(
        "Practitioner", user.id, active=bool(user.active),
        identifier=[{"system": f"{c.BASE}/user", "value": str(user.id)}],
        name=[{"text": user.full_name}],
        telecom=[{"system": "email", "value": user.email, "use": "work"}])


def patient(row, primary_clinician_ids, links: Links) -> dict:
    telecom = []
    if row.email:
        telecom.append({"system": "email", "value": row.email})
    if row.phone:
        telecom.append({"system": "phone", "value": row.phone})
    return _resource(
        "Patient", row.id,
        identifier=[{"system": f"{c.BASE}/clinic/{row.clinic_id}/record-number",
                     "value": row.record_number}],
        active=row.status != PatientStatus.DISCHARGED,
        name=[{"family": row.family_name, "given": [row.given_name], "text": row.full_name}],
        birthDate=day(row.date_of_birth), telecom=telecom,
        generalPractitioner=[links.practitioner(i) for i in primary_clinician_ids],
        managingOrganization=ref("Organization", row.clinic_id))


# --- the course and the journey -----------------------------------------------------------------


def episode_of_care(course, clinic_id: int, care_manager_id: int | None, links: Links) -> dict:
    return _resource(
        "EpisodeOfCare", course.id, status=c.COURSE_EPISODE_STATUS[course.status],
        type=[c.concept(c.COURSE_KIND_CODES[course.kind], text=f"{course.kind.capitalize()} course")],
        patient=_patient_ref(course.patient_id), managingOrganization=ref("Organization", clinic_id),
        period={"start": day(course.started_on)},
        careManager=links.practitioner(care_manager_id))


_CAREPLAN_STATUS = {PatientStatus.ACTIVE: "active", PatientStatus.PAUSED: "on-hold",
                    PatientStatus.DISCHARGED: "completed"}


def care_plan(patient_row, *, intentions, goal_ids, task_ids, started_on: date | None) -> dict:
    """The journey: one per patient. Each intention (the patient's own words before a session)
    is a note; the goals and the integration tasks hang on it."""
    notes = [{"time": instant(i.created_at), "text": i.intention_text} for i in intentions]
    return _resource(
        "CarePlan", patient_row.id, status=_CAREPLAN_STATUS[patient_row.status], intent="plan",
        title="Guided ketamine therapy journey", subject=_patient_ref(patient_row.id),
        period={"start": day(started_on)} if started_on else None,
        goal=[ref("Goal", g) for g in goal_ids],
        activity=[{"reference": ref("Task", t)} for t in task_ids], note=notes)


def _progress_text(entry) -> str:
    rated = f"Rated: {entry.rating_label} ({entry.rating} of 5)." if entry.rating else None
    return " ".join(part for part in (rated, entry.note) if part)


def goal(row, intention, session_start: datetime | None, progress, links: Links,
         achievement: str | None = None) -> dict:
    """An intention goal. `progress`: (GoalProgress, Debrief) pairs for the care team, else [].
    `achievement`: a goal-achievement code from its debrief's rating (goal_progress.py)."""
    areas = [_own("focus-area", f.area, f.label) for f in intention.focus_areas]
    if intention.focus_other:
        areas.append({"text": intention.focus_other})
    notes = [{"time": instant(debrief.held_at), "text": _progress_text(note),
              "authorReference": links.practitioner(debrief.clinician_id)}
             for note, debrief in progress]
    return _resource(
        "Goal", row.id, lifecycleStatus="active", category=areas,
        description={"text": row.text}, subject=_patient_ref(intention.patient_id),
        startDate=day(session_start.date()) if session_start else None,
        expressedBy=_patient_ref(intention.patient_id), note=[_drop_empty(n) for n in notes],
        achievementStatus=c.concept((c.GOAL_ACHIEVEMENT, achievement,
                                     c.GOAL_ACHIEVEMENT_DISPLAY[achievement]))
        if achievement else None)


# --- encounters ---------------------------------------------------------------------------------


def _encounter(key, *, status, kind, klass, patient_id, start, end, clinician_id, course_id,
               part_of, clinic_id, links: Links, extension=None) -> dict:
    return _resource(
        "Encounter", key, extension=extension, status=status, **{"class": c.coding(klass)},
        type=[_own("encounter-kind", kind, c.ENCOUNTER_KINDS[kind])],
        subject=_patient_ref(patient_id),
        episodeOfCare=[ref("EpisodeOfCare", course_id)] if course_id else None,
        participant=[{"individual": links.practitioner(clinician_id)}] if clinician_id else None,
        period=_period(start, end), partOf=part_of,
        serviceProvider=ref("Organization", clinic_id))


def session_encounter(session, clinic_id: int, links: Links) -> dict:
    return _encounter(
        f"dosing_session/{session.id}", status=c.SESSION_ENCOUNTER_STATUS[session.status],
        kind="dosing_session", klass=c.AMBULATORY, patient_id=session.patient_id,
        start=session.started_at or session.scheduled_at, end=session.ended_at,
        clinician_id=session.clinician_id, course_id=session.course_id, part_of=None,
        clinic_id=clinic_id, links=links)


def session_ref(session_id: int) -> dict:
    return ref("Encounter", f"dosing_session/{session_id}")


def ref_follow_up(follow_up_id: int) -> dict:
    return ref("Encounter", f"follow_up/{follow_up_id}")


def debrief_ref(debrief_id: int) -> dict:
    return ref("Encounter", f"debrief/{debrief_id}")


def debrief_encounter(debrief, course_id: int, clinic_id: int, links: Links) -> dict:
    return _encounter(
        f"debrief/{debrief.id}", status="finished", kind="debrief", klass=c.AMBULATORY,
        patient_id=debrief.patient_id, start=debrief.held_at, end=None,
        clinician_id=debrief.clinician_id, course_id=course_id,
        part_of=session_ref(debrief.session_id), clinic_id=clinic_id, links=links)


def follow_up_encounter(follow_up, course_id: int | None, clinic_id: int, links: Links) -> dict:
    klass = c.VIRTUAL if follow_up.kind == FollowUpKind.CHECK_IN else c.AMBULATORY
    return _encounter(
        f"follow_up/{follow_up.id}", status=c.FOLLOW_UP_ENCOUNTER_STATUS[follow_up.outcome],
        kind=f"follow_up_{follow_up.kind}", klass=klass, patient_id=follow_up.patient_id,
        start=follow_up.completed_at or follow_up.scheduled_at, end=None,
        clinician_id=follow_up.clinician_id, course_id=course_id,
        part_of=session_ref(follow_up.session_id) if follow_up.session_id else None,
        clinic_id=clinic_id, links=links,
        extension=[{"url": c.FOLLOW_UP_OUTCOME_EXTENSION, "valueCode": follow_up.outcome}])


# --- the dose -----------------------------------------------------------------------------------


def medication(session) -> dict:
    return _resource(
        "Medication", session.id,
        code=c.concept(c.MEDICATION_CODES[session.medication], text=MEDICATIONS[session.medication]),
        batch={"lotNumber": session.lot_number} if session.lot_number else None)


def medication_administration(session, links: Links) -> dict:
    per_kg = session.dose_mg_per_kg
    words = [f"{session.dose_mg.normalize():f} mg"]
    if per_kg is not None:
        words.append(f"{per_kg} mg/kg")
    if session.infusion_minutes:
        words.append(f"over {session.infusion_minutes} min")
    dosage = _drop_empty({
        "text": " ".join(words),
        "route": c.concept(c.ROUTE_CODES[session.route], text=ROUTES[session.route])
        if session.route else None,
        "dose": _quantity(session.dose_mg, c.MG)})
    return _resource(
        "MedicationAdministration", session.id,
        status=c.ADMINISTRATION_STATUS[session.status],
        medicationReference=ref("Medication", session.id), subject=_patient_ref(session.patient_id),
        context=session_ref(session.id),
        effectivePeriod=_period(session.started_at or session.scheduled_at, session.ended_at),
        performer=[{"actor": links.practitioner(session.clinician_id)}] if session.clinician_id else None,
        supportingInformation=[ref("Observation", f"weight/{session.id}")] if session.weight_kg else None,
        dosage=dosage)


def has_dose(session) -> bool:
    return bool(session.medication and session.dose_mg)


# --- observations -------------------------------------------------------------------------------

_VITAL_SIGNS = c.concept((c.OBSERVATION_CATEGORY, "vital-signs", "Vital Signs"))
_SURVEY = c.concept((c.OBSERVATION_CATEGORY, "survey", "Survey"))
_EXAM = c.concept((c.OBSERVATION_CATEGORY, "exam", "Exam"))


def _observation(key, *, category, code, patient_id, when, performer, encounter, **value) -> dict:
    return _resource("Observation", key, status="final", category=category, code=code,
                     subject=_patient_ref(patient_id), encounter=encounter,
                     effectiveDateTime=instant(when),
                     performer=[performer] if performer else None, **value)


def weight_observation(session, links: Links) -> dict:
    return _observation(
        f"weight/{session.id}", category=[_VITAL_SIGNS], code=c.concept(c.BODY_WEIGHT),
        patient_id=session.patient_id, when=session.started_at or session.scheduled_at,
        performer=links.practitioner(session.clinician_id), encounter=session_ref(session.id),
        valueQuantity=_quantity(session.weight_kg, c.KG))


def vital_observations(vital, links: Links) -> list[dict]:
    """One Observation per measurement of the row: the blood pressure panel (systolic and
    diastolic as components, as the FHIR vital signs profile has it), heart rate, SpO2, and
    respiratory rate where the row has that column."""
    category = [_VITAL_SIGNS, c.concept(c.VITAL_PHASE_CODES[vital.phase])]
    common = {"category": category, "patient_id": vital.patient_id, "when": vital.measured_at,
              "performer": links.practitioner(vital.recorded_by_id),
              "encounter": session_ref(vital.session_id)}
    found = []
    if vital.systolic is not None or vital.diastolic is not None:
        components = [{"code": c.concept(code), "valueQuantity": _quantity(value, c.MM_HG)}
                      for code, value in ((c.SYSTOLIC, vital.systolic), (c.DIASTOLIC, vital.diastolic))
                      if value is not None]
        found.append(_observation(f"vital_sign/{vital.id}/blood_pressure",
                                  code=c.concept(c.BLOOD_PRESSURE), component=components, **common))
    for column, (entries, unit) in c.VITAL_CODES.items():
        value = getattr(vital, column, None)
        if value is not None:
            found.append(_observation(f"vital_sign/{vital.id}/{column}", code=c.concept(*entries),
                                      valueQuantity=_quantity(value, unit), **common))
    return found


def sedation_observations(rating, links: Links) -> list[dict]:
    common = {"category": [_EXAM], "patient_id": rating.patient_id, "when": rating.rated_at,
              "performer": links.practitioner(rating.recorded_by_id),
              "encounter": session_ref(rating.session_id)}
    found = [_observation(f"sedation_rating/{rating.id}/moaas", code=c.concept(c.MOAAS),
                          valueInteger=rating.moaas, **common)]
    if rating.dissociation is not None:
        found.append(_observation(f"sedation_rating/{rating.id}/dissociation",
                                  code=c.concept(c.DISSOCIATION), valueInteger=rating.dissociation,
                                  **common))
    return found


def note_observation(note, links: Links) -> dict:
    """An in-session note (the patient's copy holds only the notes shared with them)."""
    return _observation(
        f"session_note/{note.id}", category=[_EXAM],
        code=c.concept(c.NOTE_KIND_CODES[note.kind], text=NOTE_KINDS[note.kind]),
        patient_id=note.patient_id, when=note.noted_at,
        performer=links.practitioner(note.author_id), encounter=session_ref(note.session_id),
        valueString=note.text)


def clinician_text(key, kind: str, *, text: str, patient_id: int, when, author_id, encounter,
                   links: Links, reason: str | None = None) -> dict:
    """Clinician-written text FHIR has no field for (preparation notes, the debrief's narrative,
    a follow-up's note, an addendum): never in the patient's copy."""
    return _observation(
        key, category=[_EXAM], code=_own("clinician-text", kind, kind.replace("_", " ").capitalize()),
        patient_id=patient_id, when=when, performer=links.practitioner(author_id),
        encounter=encounter, valueString=text, note=[{"text": reason}] if reason else None)


def score_observation(response, links: Links) -> dict:
    return _observation(
        f"questionnaire_response/{response.id}", category=[_SURVEY],
        code=c.concept(c.INSTRUMENT_TOTALS[response.instrument]),
        patient_id=response.patient_id, when=response.completed_at,
        performer=_answerer(response, links),
        encounter=session_ref(response.session_id) if response.session_id else None,
        valueInteger=response.total, interpretation=[{"text": response.band}],
        derivedFrom=[ref("QuestionnaireResponse", response.id)])


def _answerer(response, links: Links) -> dict:
    if response.source == ResponseSource.PATIENT:
        return _patient_ref(response.patient_id)
    return links.practitioner(response.entered_by_id)


def questionnaire_response(response, answers, links: Links) -> dict:
    items = INSTRUMENTS[response.instrument].items
    return _resource(
        "QuestionnaireResponse", response.id,
        questionnaire=c.questionnaire_canonical(response.instrument), status="completed",
        subject=_patient_ref(response.patient_id),
        encounter=session_ref(response.session_id) if response.session_id else None,
        authored=instant(response.completed_at), author=_answerer(response, links),
        source=_patient_ref(response.patient_id),
        item=[{"linkId": str(a.item), "text": items[a.item - 1],
               "answer": [{"valueInteger": a.value}]} for a in answers])


def adverse_event(event, has_administration: bool, links: Links) -> dict:
    label = event.other_text or ADVERSE_EVENT_KINDS[event.kind]
    return _resource(
        "AdverseEvent", event.id, actuality="actual",
        event=c.concept(c.ADVERSE_EVENT_CODES[event.kind], text=label),
        subject=_patient_ref(event.patient_id), encounter=session_ref(event.session_id),
        date=instant(event.occurred_at), severity=c.concept(c.SEVERITY_CODES[event.severity]),
        recorder=links.practitioner(event.recorded_by_id),
        suspectEntity=[{"instance": ref("MedicationAdministration", event.session_id)}]
        if has_administration else None)


# --- integration tasks ----------------------------------------------------------------------------


def task_status(task, marks) -> str:
    if not task.active:
        return "cancelled"
    if task.repeat == TaskRepeat.NONE and any(m.outcome == MarkOutcome.DONE for m in marks):
        return "completed"
    return "in-progress" if marks else "requested"


def task(row, marks, reflections, links: Links) -> dict:
    """An integration task: owner and subject the patient; the due date (or the repeat's last
    day) is restriction.period.end; the repeat a Timing input; each day marked an output; the
    patient's skip reasons and reflections notes written by the patient."""
    inputs = []
    if row.instructions:
        inputs.append({"type": _own("task-input", "instructions", "Instructions"),
                       "valueString": row.instructions})
    if row.repeat != TaskRepeat.NONE:
        inputs.append({"type": _own("task-input", "repeat", REPEATS[row.repeat]), "valueTiming": {
            "repeat": {"frequency": 1, "period": 1, "periodUnit": c.TASK_REPEAT_UNITS[row.repeat],
                       "boundsPeriod": {"start": day(row.starts_on), "end": day(row.repeat_until)}}}})
    me = _patient_ref(row.patient_id)
    notes = [{"authorReference": me, "time": instant(m.marked_at),
              "text": f"Skipped {day(m.occurrence_on)}: {m.skip_reason}"}
             for m in marks if m.outcome == MarkOutcome.SKIPPED and m.skip_reason]
    notes += [{"authorReference": me, "time": instant(r.created_at), "text": r.text}
              for r in reflections]
    return _resource(
        "Task", row.id, status=task_status(row, marks),
        statusReason={"text": row.cancel_reason} if row.cancel_reason else None, intent="plan",
        code=c.concept(c.TASK_KIND_CODES[row.kind], text=TASK_KINDS[row.kind]),
        description=row.title, basedOn=[ref("CarePlan", row.patient_id)],
        **{"for": me}, owner=me, encounter=debrief_ref(row.debrief_id) if row.debrief_id else None,
        authoredOn=instant(row.created_at), requester=links.practitioner(row.created_by_id),
        executionPeriod={"start": day(row.starts_on)},
        restriction={"period": {"end": day(row.due_on or row.repeat_until)}},
        input=inputs,
        output=[{"type": c.concept(c.TASK_MARK_CODES[m.outcome]), "valueDate": day(m.occurrence_on)}
                for m in marks],
        note=notes)


# --- signatures ---------------------------------------------------------------------------------


def provenance(key, *, targets: list[dict], signed_at, signer_id: int, content_hash: str | None,
               links: Links) -> dict:
    """A signature: who signed, when, and the SHA-256 of the signed content (the tracker's
    canonical JSON of the record, tracker.core.signing.service.content_hash) as the signature's
    data. It is a hash that shows the record is unchanged, not a cryptographic signature."""
    signer = links.practitioner(signer_id)
    signature = _drop_empty({
        "type": [{"system": c.SIGNATURE_TYPE, "code": c.AUTHOR_SIGNATURE, "display": "Author's Signature"}],
        "when": instant(signed_at), "who": signer, "targetFormat": "application/json",
        "data": base64.b64encode(bytes.fromhex(content_hash)).decode() if content_hash else None})
    return _resource(
        "Provenance", key, target=targets, recorded=instant(signed_at),
        agent=[{"type": c.concept((c.PARTICIPANT_TYPE, "attester", "Attester")), "who": signer}],
        signature=[signature])


def content_hash_of(provenance_resource: dict) -> str | None:
    """The hex SHA-256 a Provenance carries (the inverse of provenance()'s data), for an import."""
    data = provenance_resource.get("signature", [{}])[0].get("data")
    return base64.b64decode(data).hex() if data else None
