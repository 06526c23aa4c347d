"""The clinic-wide export in the FHIR Bulk Data style: one NDJSON file per resource type.

Each type is streamed on its own: patients are read in batches of BATCH ids (keyset paging),
each batch's rows loaded in a fixed number of queries (tracker.fhir.records.load_records),
mapped, written out, and dropped from the session before the next batch, so memory stays
bounded however large the clinic. resource_counts() says beforehand how many resources each
file will hold (SQL counts of the rows each mapping reads), for the export page."""
from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

from tracker.care.models import FollowUp, QuestionnaireResponse
from tracker.core.clinic import Clinic
from tracker.core.patients import Patient, TreatmentCourse
from tracker.core.sessions import DosingSession
from tracker.core.signing.models import Addendum
from tracker.core.users import CLINICIAN, LEAD, User
from tracker.dosing.models import AdverseEvent, SedationRating, SessionNote, VitalSign
from tracker.extensions import db
from tracker.fhir import mapping as m
from tracker.fhir.ids import Links
from tracker.fhir.records import RESOURCE_TYPES, Audience, journey_resources, load_records
from tracker.integration.models import Debrief, IntegrationTask
from tracker.intention.models import Goal, Intention

BATCH = 100
STAFF_ROLES = (LEAD, CLINICIAN)


def _patient_batches(clinic_id: int, batch: int) -> Iterator[list[Patient]]:
    last = 0
    while True:
        patients = db.session.scalars(
            sa.select(Patient).where(Patient.clinic_id == clinic_id, Patient.id > last)
            .order_by(Patient.id).limit(batch)).all()
        if not patients:
            return
        last = patients[-1].id
        yield patients


def clinic_resources(clinic_id: int, resource_type: str, batch: int = BATCH) -> Iterator[dict]:
    """Every `resource_type` resource of the clinic, patient by patient (the care team's copy)."""
    if resource_type not in RESOURCE_TYPES:
        raise ValueError(f"not an exported resource type: {resource_type}")
    if resource_type == "Organization":
        yield m.organization(db.session.get(Clinic, clinic_id))
        return
    if resource_type == "Practitioner":
        stmt = (sa.select(User).where(User.clinic_id == clinic_id, User.role.in_(STAFF_ROLES))
                .order_by(User.id).execution_options(yield_per=batch))
        for user in db.session.scalars(stmt):
            yield m.practitioner(user)
        return
    for patients in _patient_batches(clinic_id, batch):
        records = load_records(patients, Audience.CARE_TEAM)
        for record in records.values():
            yield from journey_resources(record, Links(), [resource_type])
        db.session.expunge_all()  # the batch is written: let its rows go


# --- counts, for the export page ---------------------------------------------------------------

def _count(stmt) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0


def _text(column) -> sa.ColumnElement[bool]:
    return sa.and_(column.is_not(None), column != "")


def _sum(*conditions) -> sa.ColumnElement[int]:
    return sum((sa.case((c, 1), else_=0) for c in conditions), sa.literal(0))


def resource_counts(clinic_id: int) -> dict[str, int]:
    """How many resources of each type the clinic's export holds, counted in SQL."""
    def of_clinic(model, *where):
        return (sa.select(model.id).join(Patient, Patient.id == model.patient_id)
                .where(Patient.clinic_id == clinic_id, *where))

    dosed = sa.and_(DosingSession.medication.is_not(None), DosingSession.dose_mg.is_not(None))
    patients = _count(sa.select(Patient.id).where(Patient.clinic_id == clinic_id))
    vital_columns = [VitalSign.heart_rate, VitalSign.spo2]
    if hasattr(VitalSign, "respiratory_rate"):
        vital_columns.append(VitalSign.respiratory_rate)
    vitals = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(_sum(
            sa.or_(VitalSign.systolic.is_not(None), VitalSign.diastolic.is_not(None)),
            *[c.is_not(None) for c in vital_columns])), 0))
        .join(Patient, Patient.id == VitalSign.patient_id).where(Patient.clinic_id == clinic_id))
    sedation = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(_sum(sa.true(), SedationRating.dissociation.is_not(None))), 0))
        .join(Patient, Patient.id == SedationRating.patient_id).where(Patient.clinic_id == clinic_id))
    debrief_text = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(_sum(*[_text(c) for c in (
            Debrief.emotions, Debrief.insights, Debrief.what_surfaced,
            Debrief.relation_to_intention)])), 0))
        .join(Patient, Patient.id == Debrief.patient_id).where(Patient.clinic_id == clinic_id))
    observations = (
        _count(of_clinic(DosingSession, dosed, DosingSession.weight_kg.is_not(None)))
        + int(vitals) + int(sedation) + _count(of_clinic(SessionNote))
        + _count(of_clinic(QuestionnaireResponse))
        + _count(of_clinic(Intention, _text(Intention.preparation_notes))) + int(debrief_text)
        + _count(of_clinic(FollowUp, _text(FollowUp.note))) + _count(of_clinic(Addendum)))
    doses = _count(of_clinic(DosingSession, dosed))
    return {
        "Patient": patients,
        "Practitioner": _count(sa.select(User.id).where(User.clinic_id == clinic_id,
                                                        User.role.in_(STAFF_ROLES))),
        "Organization": 1,
        "EpisodeOfCare": _count(of_clinic(TreatmentCourse)),
        "CarePlan": patients,
        "Goal": _count(sa.select(Goal.id).join(Intention, Intention.id == Goal.intention_id)
                       .join(Patient, Patient.id == Intention.patient_id)
                       .where(Patient.clinic_id == clinic_id)),
        "Encounter": (_count(of_clinic(DosingSession)) + _count(of_clinic(Debrief))
                      + _count(of_clinic(FollowUp))),
        "Medication": doses,
        "MedicationAdministration": doses,
        "Observation": observations,
        "QuestionnaireResponse": _count(of_clinic(QuestionnaireResponse)),
        "AdverseEvent": _count(of_clinic(AdverseEvent)),
        "Task": _count(of_clinic(IntegrationTask)),
        "Provenance": (_count(of_clinic(DosingSession, DosingSession.signed_at.is_not(None)))
                       + _count(of_clinic(Debrief, Debrief.signed_at.is_not(None)))),
    }
