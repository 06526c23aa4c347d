"""Every code the FHIR export writes, in one table per concept, each readable both ways.

A later import maps a FHIR code back to the tracker's value with `inverse(TABLE)`; nothing else
in the package spells a code system or a code. Sources:
- LOINC vital signs: the FHIR R4 vital signs profile (85354-9 blood pressure panel with 8480-6
  systolic and 8462-4 diastolic components; 8867-4 heart rate; 59408-5 SpO2 by pulse oximetry,
  with 2708-6 as the profile's required code; 9279-1 respiratory rate; 29463-7 body weight).
- LOINC questionnaires: PHQ-9 total 44261-6 (panel 44249-1), GAD-7 total 70274-6 (panel
  69737-5), PCL-5 score 101698-9 (panel 101697-1, LOINC 2.75).
- RxNorm: ketamine 6130 (ingredient); esketamine 2201623 ("esketamine Nasal Spray", clinical
  drug form: the only form esketamine is given in).
- SNOMED CT routes: 47625008 intravenous, 78421000 intramuscular, 46713006 nasal, 37839007
  sublingual, 26643006 oral.
- UCUM units: mg, kg, mm[Hg], /min, %.
"""
from __future__ import annotations

from tracker.care.models import FollowUpKind, FollowUpOutcome, Instrument
from tracker.core.patients import CourseKind, CourseStatus
from tracker.core.sessions import Medication, Route, SessionStatus
from tracker.dosing.models import AdverseEventKind, NoteKind, Severity, VitalPhase
from tracker.integration.models import MarkOutcome, TaskKind, TaskRepeat

LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PARTICIPANT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
SIGNATURE_TYPE = "urn:iso-astm:E1762-95:2013"
AUTHOR_SIGNATURE = "1.2.840.10065.1.12.1.1"
ADVERSE_EVENT_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"
GOAL_ACHIEVEMENT_DISPLAY = {
    "in-progress": "In Progress", "improving": "Improving", "worsening": "Worsening",
    "no-change": "No Change", "achieved": "Achieved", "sustaining": "Sustaining",
    "not-achieved": "Not Achieved", "no-progress": "No Progress", "not-attainable": "Not Attainable"}

# The tracker's own code systems (for the concepts no standard codes as finely).
BASE = "https://fhir.journey-tracker.example"
OWN = {name: f"{BASE}/CodeSystem/{name}" for name in (
    "record-number", "course-kind", "encounter-kind", "focus-area", "task-kind", "task-mark",
    "task-input", "note-kind", "vital-phase", "adverse-event-kind", "clinician-text",
    "sedation")}
FOLLOW_UP_OUTCOME_EXTENSION = f"{BASE}/StructureDefinition/follow-up-outcome"

# --- medication, route, units -------------------------------------------------------------------
MEDICATION_CODES = {
    Medication.KETAMINE: (RXNORM, "6130", "ketamine"),
    Medication.ESKETAMINE: (RXNORM, "2201623", "esketamine Nasal Spray"),
}
ROUTE_CODES = {
    Route.IV: (SNOMED, "47625008", "Intravenous route"),
    Route.IM: (SNOMED, "78421000", "Intramuscular route"),
    Route.INTRANASAL: (SNOMED, "46713006", "Nasal route"),
    Route.SUBLINGUAL: (SNOMED, "37839007", "Sublingual route"),
    Route.ORAL: (SNOMED, "26643006", "Oral route"),
}
MG = {"unit": "mg", "system": UCUM, "code": "mg"}
KG = {"unit": "kg", "system": UCUM, "code": "kg"}
MM_HG = {"unit": "mmHg", "system": UCUM, "code": "mm[Hg]"}
PER_MIN = {"unit": "/min", "system": UCUM, "code": "/min"}
PERCENT = {"unit": "%", "system": UCUM, "code": "%"}

# --- vital signs: (column, LOINC codes (first is the primary), display, unit) ----------------------
BLOOD_PRESSURE = (LOINC, "85354-9", "Blood pressure panel with all children optional")
SYSTOLIC = (LOINC, "8480-6", "Systolic blood pressure")
DIASTOLIC = (LOINC, "8462-4", "Diastolic blood pressure")
VITAL_CODES = {
    "heart_rate": ([(LOINC, "8867-4", "Heart rate")], PER_MIN),
    "spo2": ([(LOINC, "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"),
              (LOINC, "2708-6", "Oxygen saturation in Arterial blood")], PERCENT),
    "respiratory_rate": ([(LOINC, "9279-1", "Respiratory rate")], PER_MIN),
}
BODY_WEIGHT = (LOINC, "29463-7", "Body weight")
VITAL_PHASE_CODES = {phase: (OWN["vital-phase"], phase.value, None) for phase in VitalPhase}

# --- questionnaires: total score code, panel (for the Questionnaire canonical) ----------------
INSTRUMENT_TOTALS = {
    Instrument.PHQ9: (LOINC, "44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score"),
    Instrument.GAD7: (LOINC, "70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score"),
    Instrument.PCL5: (LOINC, "101698-9", "PTSD PCL-5 score"),
}
INSTRUMENT_PANELS = {Instrument.PHQ9: "44249-1", Instrument.GAD7: "69737-5",
                     Instrument.PCL5: "101697-1"}


def questionnaire_canonical(instrument: str) -> str:
    """LOINC publishes its panels as FHIR Questionnaires at http://loinc.org/q/<panel>."""
    return f"{LOINC}/q/{INSTRUMENT_PANELS[Instrument(instrument)]}"


# --- statuses ------------------------------------------------------------------------------------
SESSION_ENCOUNTER_STATUS = {
    SessionStatus.SCHEDULED: "planned", SessionStatus.IN_PROGRESS: "in-progress",
    SessionStatus.COMPLETED: "finished", SessionStatus.CANCELLED: "cancelled",
}
FOLLOW_UP_ENCOUNTER_STATUS = {
    FollowUpOutcome.SCHEDULED: "planned", FollowUpOutcome.COMPLETED: "finished",
    FollowUpOutcome.MISSED: "cancelled", FollowUpOutcome.CANCELLED: "cancelled",
}
COURSE_EPISODE_STATUS = {
    CourseStatus.ACTIVE: "active", CourseStatus.PAUSED: "onhold",
    CourseStatus.COMPLETED: "finished", CourseStatus.DISCHARGED: "finished",
}
ADMINISTRATION_STATUS = {
    SessionStatus.IN_PROGRESS: "in-progress", SessionStatus.COMPLETED: "completed",
    SessionStatus.SCHEDULED: "in-progress", SessionStatus.CANCELLED: "stopped",
}
SEVERITY_CODES = {s: (ADVERSE_EVENT_SEVERITY, s.value, s.value.capitalize()) for s in Severity}

# --- the tracker's own concepts ---------------------------------------------------------------------
AMBULATORY = (ACT_CODE, "AMB", "ambulatory")
VIRTUAL = (ACT_CODE, "VR", "virtual")
ENCOUNTER_KINDS = {"dosing_session": "Dosing session", "debrief": "Debrief",
                   **{f"follow_up_{k.value}": f"Follow-up: {k.value.replace('_', ' ')}"
                      for k in FollowUpKind}}
COURSE_KIND_CODES = {k: (OWN["course-kind"], k.value, k.value.capitalize()) for k in CourseKind}
TASK_KIND_CODES = {k: (OWN["task-kind"], k.value, None) for k in TaskKind}
TASK_MARK_CODES = {m: (OWN["task-mark"], m.value, None) for m in MarkOutcome}
TASK_REPEAT_UNITS = {TaskRepeat.DAILY: "d", TaskRepeat.WEEKLY: "wk"}
NOTE_KIND_CODES = {k: (OWN["note-kind"], k.value, None) for k in NoteKind}
ADVERSE_EVENT_CODES = {k: (OWN["adverse-event-kind"], k.value, None) for k in AdverseEventKind}
# Clinician-written text that has no better home, kept as Observations with these codes.
CLINICIAN_TEXT = ("preparation_notes", "debrief_emotions", "debrief_insights",
                  "debrief_what_surfaced", "debrief_relation_to_intention", "follow_up_note",
                  "addendum", "goal_progress")
MOAAS = (OWN["sedation"], "moaas", "MOAA/S sedation score")
DISSOCIATION = (OWN["sedation"], "dissociation", "Dissociation rating (0-10)")


def coding(entry) -> dict:
    system, code, display = entry
    found = {"system": system, "code": code}
    if display:
        found["display"] = display
    return found


def concept(*entries, text: str | None = None) -> dict:
    found: dict = {"coding": [coding(e) for e in entries]}
    if text:
        found["text"] = text
    return found


def inverse(table: dict) -> dict:
    """(system, code) -> the tracker's value, for an import."""
    return {(entry[0], entry[1]): key for key, entry in table.items()}
