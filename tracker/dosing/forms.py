"""Forms of the dosing session page: validation only (the rules live in services)."""
from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import TextInput

from tracker.core.forms import VersionField, choices
from tracker.core.sessions import MEDICATIONS, ROUTES
from tracker.db import utcnow
from tracker.dosing.models import (
    ADVERSE_EVENT_KINDS,
    MOAAS_LABELS,
    NOTE_KINDS,
    SEVERITIES,
    VITAL_PHASES,
)
from tracker.dosing.vitals import FIELDS as VITAL_FIELDS
from tracker.dosing.vitals import implausible
from tracker.fields import ClinicalText, LocalDateField, LocalDateTimeField, not_in_future
from tracker.timezones import clinic_today

SHORT_TEXT = 2000


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _when(label: str, missing: str):
    return LocalDateTimeField(label, validators=[InputRequired(missing), not_in_future],
                              default=utcnow)


def _finite(field, what: str) -> None:
    if field.data is not None and not field.data.is_finite():
        raise ValidationError(f"Enter the {what} as a number.")


class StartSessionForm(FlaskForm):
    started_at = _when("Started at", "Give the time the session started.")
    clinician_id = SelectField("Guiding clinician", coerce=int,
                               validators=[InputRequired("Choose the guiding clinician.")])
    room = StringField("Room", validators=[Optional(), Length(max=60)], filters=[_strip])
    override_reason = ClinicalText(
        "Reason to start with the readiness checklist open", max_length=SHORT_TEXT,
        validators=[Optional()], filters=[_strip],
        description="Only if the checklist is open. The reason is kept with the session.")


class EndSessionForm(FlaskForm):
    ended_at = _when("Ended at", "Give the time the session ended.")


class SessionDetailsForm(FlaskForm):
    """Corrections to the times, the guide or the room before the record is signed."""

    started_at = LocalDateTimeField("Started at", validators=[
        InputRequired("Give the time the session started."), not_in_future])
    ended_at = LocalDateTimeField("Ended at", validators=[Optional(), not_in_future],
                                  description="Leave empty while the session goes on.")
    clinician_id = SelectField("Guiding clinician", coerce=int,
                               validators=[InputRequired("Choose the guiding clinician.")])
    room = StringField("Room", validators=[Optional(), Length(max=60)], filters=[_strip])
    version = VersionField()


class MedicationForm(FlaskForm):
    """What was given. Units are fixed in the labels (mg, kg: never mL). The dose check and its
    confirmation are the service's (tracker.dosing.doses); the confirmation fields are shown on
    the page once a dose needs them."""

    medication = SelectField("Medication", choices=choices(MEDICATIONS, "Choose…"),
                             validators=[InputRequired("Choose the medication.")])
    route = SelectField("Route", choices=choices(ROUTES, "Choose…"),
                        validators=[InputRequired("Choose the route.")])
    dose_mg = DecimalField("Dose (mg)", places=2,
                           validators=[InputRequired("Give the dose in mg.")],
                           render_kw={"inputmode": "decimal"},
                           description="The total dose in mg, never mL. Esketamine: 56 mg "
                                       "(2 devices) or 84 mg (3 devices).")
    weight_kg = DecimalField("Weight (kg)", places=1, validators=[Optional()],
                             render_kw={"inputmode": "decimal"},
                             description="Ketamine is checked in mg/kg against this weight.")
    weighed_on = LocalDateField("Weight measured on", validators=[Optional()],
                           description="Ketamine needs a weight measured within the clinic's "
                                       "set number of days.")
    infusion_minutes = IntegerField(
        "Infusion time (minutes)", validators=[Optional(), NumberRange(
            1, 480, "An infusion lasts between 1 and 480 minutes.")],
        widget=TextInput(), render_kw={"inputmode": "numeric"},
        description="IV infusion only; commonly 0.5 mg/kg over 40 minutes.")
    lot_number = StringField("Lot number", validators=[Optional(), Length(max=60)],
                             filters=[_strip],
                             description="Required for esketamine; for ketamine, record it too.")
    confirm_dose = BooleanField("I confirm this dose outside the usual range")
    dose_reason = ClinicalText("Reason for the dose outside the usual range",
                               max_length=SHORT_TEXT, validators=[Optional()], filters=[_strip],
                               render_kw={"rows": 2},
                               description="Kept with the record, with your name and the time.")
    version = VersionField()

    def validate_dose_mg(self, field):
        _finite(field, "dose")
        if field.data is not None and field.data <= 0:
            raise ValidationError("The dose must be more than 0 mg.")
        if field.data is not None and field.data > 1000:
            raise ValidationError(f"{field.data} mg is not a plausible dose (at most 1,000 mg); "
                                  "check that it is in mg.")

    def validate_weight_kg(self, field):
        _finite(field, "weight")
        if field.data is not None and not Decimal(20) <= field.data <= Decimal(350):
            raise ValidationError("A weight between 20 and 350 kg, please.")

    def validate_weighed_on(self, field):
        if field.data is not None and field.data > clinic_today():
            raise ValidationError("The date the weight was measured is in the future.")
        if field.data is not None and self.weight_kg.data is None and not self.weight_kg.errors:
            raise ValidationError("Give the weight measured on this date, or clear the date.")


class NoteForm(FlaskForm):
    noted_at = _when("Time", "Give the time of the note.")
    kind = SelectField("Kind", choices=choices(NOTE_KINDS), default="observation",
                       validators=[InputRequired("Choose the kind of note.")])
    text = ClinicalText("Note", validators=[DataRequired("Type the note.")], filters=[_strip],
                        render_kw={"rows": 3})


def _plausible(form, field):
    problem = implausible(field.short_name, field.data)
    if problem:
        raise ValidationError(problem)


def _vital(label: str):
    # a number pad on a tablet, no spinner arrows to miss-tap, no autofill of old readings
    return IntegerField(label, validators=[Optional(), _plausible], widget=TextInput(),
                        render_kw={"inputmode": "numeric", "autocomplete": "off"})


class VitalsForm(FlaskForm):
    measured_at = _when("Measured at", "Give the time of the reading.")
    phase = SelectField("Phase", choices=choices(VITAL_PHASES), default="pre_dose",
                        validators=[InputRequired("Choose the phase.")])
    systolic = _vital("Systolic (mmHg)")
    diastolic = _vital("Diastolic (mmHg)")
    heart_rate = _vital("Heart rate (beats/min)")
    spo2 = _vital("SpO2 (%)")
    respiratory_rate = _vital("Respiratory rate (breaths/min)")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if all(getattr(self, name).data is None and not getattr(self, name).errors
               for name in VITAL_FIELDS):
            self.systolic.errors.append("Enter at least one reading.")
            return False
        if (valid and self.systolic.data is not None and self.diastolic.data is not None
                and self.diastolic.data >= self.systolic.data):
            self.diastolic.errors.append("The diastolic pressure must be below the systolic.")
            return False
        return valid


class SedationForm(FlaskForm):
    rated_at = _when("Rated at", "Give the time of the rating.")
    moaas = SelectField("MOAA/S", coerce=int, choices=choices(MOAAS_LABELS), default=5,
                        validators=[InputRequired("Choose the MOAA/S score.")])
    dissociation = IntegerField("Dissociation (0-10, optional)", validators=[
        Optional(), NumberRange(0, 10, "Dissociation is rated from 0 to 10.")],
        widget=TextInput(), render_kw={"inputmode": "numeric", "autocomplete": "off"})


class AdverseEventForm(FlaskForm):
    occurred_at = _when("Time", "Give the time of the event.")
    kind = SelectField("Event", choices=choices(ADVERSE_EVENT_KINDS, "Choose…"),
                       validators=[InputRequired("Choose the kind of event.")])
    other_text = StringField("If other, what", validators=[Length(max=200)],
                             filters=[_strip])
    severity = SelectField("Severity", choices=choices({s: s.capitalize() for s in SEVERITIES}),
                           validators=[InputRequired("Choose the severity.")])
    action_taken = ClinicalText("Action taken", max_length=SHORT_TEXT, validators=[Optional()],
                                filters=[_strip])

    def validate_other_text(self, field):
        if self.kind.data == "other" and not field.data:
            raise ValidationError("Say what the event was.")


class DischargeForm(FlaskForm):
    """What is typed at discharge; the gates (ended, observation, flags, vitals, sedation) are
    computed from the record by the service."""

    discharged_at = _when("Discharged at", "Give the time of discharge.")
    escort_name = StringField("Escort's name", validators=[Length(max=200)], filters=[_strip],
                              description="The person taking the patient home.")
    vitals_override_reason = ClinicalText(
        "Reason to discharge with the last vitals out of range", max_length=SHORT_TEXT,
        validators=[Optional()], filters=[_strip],
        description="Only if the last reading is at a flag level. The reason is kept with the "
                    "discharge.")
    no_driving_acknowledged = BooleanField(
        "No driving until the next day: acknowledged by the patient")

    def validate_no_driving_acknowledged(self, field):
        if not field.data:
            raise ValidationError("The patient must acknowledge not driving until the next day.")
