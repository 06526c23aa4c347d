"""The Spravato (esketamine) REMS patient monitoring form of a dosing session.

Certified clinics complete it after every esketamine session and submit it to the REMS
within 7 days. Almost everything on it is already in the record, so the form is *filled from
the record*, never retyped: the patient (name, date of birth, sex), the concomitant
medications asked at the readiness check, the monitoring clinician (the session's guide) and
the clinic, the dose and lot, the times, the blood pressures by phase, sedation, dissociation,
respiratory depression and other adverse events. The clinician adds one answer of their own
(the REMS evaluation question: when the patient would have been ready to leave), and the
clinic records when and by whom the form was submitted (RemsForm).

`rems_fields()` is a pure read of a session loaded with queries.SESSION_PAGE: it lists every
field of the form with its value, or marks it missing with what to record to fill it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.patients import SEXES
from tracker.core.sessions import Medication
from tracker.db import TimestampMixin, same_patient_key
from tracker.dosing.models import ADVERSE_EVENT_KINDS, AdverseEventKind, VitalPhase
from tracker.extensions import db
from tracker.intention.models import CONCOMITANT_MEDICATIONS
from tracker.templating import local_date, local_datetime

if TYPE_CHECKING:  # names for the annotations; the mapper resolves them by name
    from tracker.core.sessions import DosingSession
    from tracker.core.users import User

ESKETAMINE_DEVICE_DOSES = (56, 84)       # mg: two or three 28 mg devices
ABOUT_40_MINUTES = timedelta(minutes=40)
# adverse events the form asks about by name; every other kind is an "other adverse event"
NAMED_EVENTS = (AdverseEventKind.EXCESSIVE_SEDATION, AdverseEventKind.RESPIRATORY_DEPRESSION)


class RemsForm(TimestampMixin, db.Model):
    """What the clinic adds to the REMS form of one esketamine session: the clinician's answer
    to the evaluation question, and the submission (who, when, a hash of what was submitted).
    Everything else on the form is read from the record."""

    __tablename__ = "rems_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(unique=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    ready_to_leave_minutes: Mapped[int | None]
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    content_hash: Mapped[str | None] = mapped_column(sa.String(64))
    version: Mapped[int] = mapped_column(default=1)

    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    session: Mapped[DosingSession] = relationship(
        primaryjoin="RemsForm.session_id == DosingSession.id", viewonly=True)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("ready_to_leave_minutes IS NULL OR "
                           "ready_to_leave_minutes BETWEEN 0 AND 1440", name="ready_range"),
        sa.CheckConstraint("(submitted_at IS NULL) = (submitted_by_id IS NULL)",
                           name="submission_whole"),
        sa.Index("ix_rems_form_submitted_at", "submitted_at"),
        same_patient_key("session_id", "dosing_session"),
    )

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


@dataclass(frozen=True)
class RemsField:
    """One field of the form: its value as printed, or None with `missing` saying what to
    record (and where) to fill it."""

    key: str
    section: str
    label: str
    value: str | None
    missing: str | None = None


def applies(session: DosingSession) -> bool:
    """Only esketamine sessions have a REMS monitoring form."""
    return session.medication == Medication.ESKETAMINE


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("Yes" if value else "No")


def _bp(reading) -> str | None:
    if reading is None or reading.systolic is None or reading.diastolic is None:
        return None
    return f"{reading.systolic}/{reading.diastolic} mmHg at {local_datetime(reading.measured_at, 'time')}"


def _with_pressure(session, phase: str) -> list:
    return [v for v in session.vitals
            if v.phase == phase and v.systolic is not None and v.diastolic is not None]


def blood_pressures(session: DosingSession) -> dict[str, object]:
    """The readings the form reports: the last before administration, the one nearest 40
    minutes after the start, the last before completion (discharge)."""
    pre = _with_pressure(session, VitalPhase.PRE_DOSE)
    during = _with_pressure(session, VitalPhase.DURING)
    post = _with_pressure(session, VitalPhase.PRE_DISCHARGE)
    about_40 = None
    if during and session.started_at is not None:
        target = session.started_at + ABOUT_40_MINUTES
        about_40 = min(during, key=lambda v: abs((v.measured_at - target).total_seconds()))
    return {"pre": pre[-1] if pre else None, "about_40": about_40,
            "before_completion": post[-1] if post else None}


def _sedation(session) -> tuple[str | None, str | None]:
    events = {e.kind for e in session.adverse_events}
    ratings = session.sedation_ratings
    if AdverseEventKind.EXCESSIVE_SEDATION in events or any(r.moaas < 5 for r in ratings):
        return "Yes", None
    if ratings:
        return "No", None
    return None, "Record a sedation rating (MOAA/S) in the session."


def _dissociation(session) -> tuple[str | None, str | None]:
    rated = [r.dissociation for r in session.sedation_ratings if r.dissociation is not None]
    if any(value > 0 for value in rated):
        return "Yes", None
    if rated:
        return "No", None
    return None, "Record a dissociation rating with a sedation rating."


def _respiratory(session) -> tuple[str | None, str | None]:
    if any(e.kind == AdverseEventKind.RESPIRATORY_DEPRESSION for e in session.adverse_events):
        return "Yes", None
    if session.ended_at is not None:
        return "No", None
    return None, "Known once the session has ended (adverse events)."


def _other_events(session) -> tuple[str | None, str | None]:
    others = [e for e in session.adverse_events if e.kind not in NAMED_EVENTS]
    if others:
        return "; ".join(
            f"{ADVERSE_EVENT_KINDS[e.kind]}{': ' + e.other_text if e.other_text else ''} "
            f"({e.severity})" for e in others), None
    if session.ended_at is not None:
        return "None", None
    return None, "Known once the session has ended (adverse events)."


def _dose(session) -> tuple[str | None, str | None]:
    if session.dose_mg is None:
        return None, "Record the dose in the session's medication."
    mg = session.dose_mg
    if mg == int(mg) and int(mg) in ESKETAMINE_DEVICE_DOSES:
        return f"{int(mg)} mg", None
    return f"Other: {mg.normalize():f} mg", None


def total_minutes(session: DosingSession) -> int | None:
    """From the first device (the start of administration) to the end of monitoring (the
    discharge), in whole minutes."""
    if session.started_at is None or session.discharge is None:
        return None
    return int((session.discharge.discharged_at - session.started_at).total_seconds() // 60)


def rems_fields(session: DosingSession, form: RemsForm | None, clinic) -> list[RemsField]:
    """Every field of the REMS monitoring form of `session` (loaded with SESSION_PAGE), in
    the form's order, each with its value or what is missing."""
    patient, clinician, intention = session.patient, session.clinician, session.intention
    fields: list[RemsField] = []

    def add(section, key, label, value, missing):
        fields.append(RemsField(key, section, label, value, None if value is not None else missing))

    s = "Patient"
    add(s, "patient_name", "Name", patient.full_name, "")
    add(s, "date_of_birth", "Date of birth", local_date(patient.date_of_birth, "date"), "")
    add(s, "sex", "Sex", SEXES.get(patient.sex), "Record the patient's sex on their details.")
    s = "Concomitant medications that may cause sedation or blood-pressure changes"
    for column, label in CONCOMITANT_MEDICATIONS:
        value = _yes_no(getattr(intention, column)) if intention is not None else None
        add(s, column, label, value, "Ask at the readiness check (the intention page).")
    s = "Monitoring clinician and clinic"
    add(s, "clinician_name", "Clinician", clinician.full_name if clinician else None,
        "Record the guiding clinician of the session.")
    add(s, "clinician_phone", "Clinician's phone", clinician.phone if clinician else None,
        "The clinic lead records the clinician's phone (Staff).")
    add(s, "clinician_email", "Clinician's email", clinician.email if clinician else None,
        "Record the guiding clinician of the session.")
    add(s, "clinic_name", "Clinic", clinic.name, "")
    add(s, "clinic_address", "Clinic's address", clinic.address,
        "The clinic lead records the clinic's address (Settings).")
    s = "Treatment"
    add(s, "treatment_date", "Treatment date",
        local_date(session.started_at, "date") if session.started_at else None,
        "Start the session.")
    add(s, "dose", "Dose administered", *_dose(session))
    add(s, "lot_number", "Lot number", session.lot_number,
        "Record the lot number in the session's medication.")
    minutes = total_minutes(session)
    add(s, "total_minutes", "Total time from the first device to the end of monitoring",
        f"{minutes} minutes" if minutes is not None else None, "Record the discharge.")
    ready = form.ready_to_leave_minutes if form is not None else None
    add(s, "ready_to_leave", "When would the patient have been ready to leave (minutes from the "
        "start of administration)?", f"{ready} minutes" if ready is not None else None,
        "Answer the REMS evaluation question below.")
    s = "Vital signs"
    add(s, "vitals_ok_before", "Vital signs acceptable before administration",
        "Yes" if intention is not None and intention.baseline_vitals_ok else None,
        "Tick \"Baseline vitals acceptable\" at the readiness check.")
    add(s, "vitals_ok_after", "Vital signs acceptable at completion",
        _yes_no(session.discharge.vitals_acceptable) if session.discharge else None,
        "Record the discharge.")
    pressures = blood_pressures(session)
    add(s, "bp_pre", "Blood pressure before administration", _bp(pressures["pre"]),
        "Record a blood pressure before dosing.")
    add(s, "bp_40", "Blood pressure about 40 minutes after administration",
        _bp(pressures["about_40"]), "Record a blood pressure during the session (about 40 min).")
    add(s, "bp_completion", "Blood pressure before completion",
        _bp(pressures["before_completion"]), "Record a blood pressure before discharge.")
    s = "Adverse events"
    add(s, "sedation", "Sedation", *_sedation(session))
    add(s, "dissociation", "Dissociation", *_dissociation(session))
    add(s, "respiratory_depression", "Respiratory depression", *_respiratory(session))
    add(s, "other_events", "Other adverse events", *_other_events(session))
    return fields


def missing_fields(fields: list[RemsField]) -> list[RemsField]:
    return [f for f in fields if f.value is None]


def rems_form_of(session_id: int) -> RemsForm | None:
    """The REMS form row of a session, if the clinic has added to it."""
    return db.session.scalar(sa.select(RemsForm).where(RemsForm.session_id == session_id))


@dataclass(frozen=True)
class RemsSummary:
    """What the session page shows of the REMS form: whether submitted, what is missing."""

    form: RemsForm | None
    missing: list[RemsField]


def rems_summary(session: DosingSession, clinic) -> RemsSummary | None:
    """The REMS form's state for the session page (None for a session without one)."""
    if not applies(session):
        return None
    form = rems_form_of(session.id)
    return RemsSummary(form, missing_fields(rems_fields(session, form, clinic)))


def form_content(fields: list[RemsField]) -> dict[str, str | None]:
    """What a submission's hash covers: every field's printed value."""
    return {f.key: f.value for f in fields}
