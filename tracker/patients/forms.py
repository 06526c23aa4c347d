"""Forms for patients, care teams, treatment courses and scheduling. Validation only."""
from __future__ import annotations

from datetime import date, timedelta

from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TelField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from tracker.core.forms import PHONE_PATTERN, MultiCheckboxField, choices
from tracker.core.patients import COURSE_KINDS, SEXES
from tracker.db import utcnow
from tracker.fields import ClinicalText, EmailAddress, LocalDateField, LocalDateTimeField
from tracker.timezones import clinic_today

REASON_MAX = 2000


def _plausible_birth_date(form, field):
    if field.data is None:
        return
    if field.data > clinic_today():
        raise ValidationError("The date of birth is in the future.")
    if field.data < date(1900, 1, 1):
        raise ValidationError("The date of birth is before 1900; check the year.")


def _reason(label: str = "Reason"):
    return ClinicalText(label, [InputRequired(message="Give a reason: it is kept with the record.")],
                        max_length=REASON_MAX)


class PatientForm(FlaskForm):
    """Demographics and care team, for adding and editing a patient."""

    given_name = StringField("Given name", [InputRequired(), Length(max=100)],
                             render_kw={"autocomplete": "off"})
    family_name = StringField("Family name", [InputRequired(), Length(max=100)],
                              render_kw={"autocomplete": "off"})
    date_of_birth = LocalDateField("Date of birth", [InputRequired(), _plausible_birth_date],
                              description="Year-month-day, for example 1985-03-14.")
    sex = SelectField("Sex", [Optional()], choices=choices(SEXES, "Not recorded"),
                      description="Asked on the Spravato REMS monitoring form.")
    record_number = StringField(
        "Record number", [InputRequired(), Length(max=32),
                          Regexp(r"^[A-Za-z0-9][A-Za-z0-9./_-]*$",
                                 message="Use letters, digits and . / _ - only.")],
        description="Unique within the clinic.")
    email = EmailField("Email", [Optional(), Length(max=254),
                                 EmailAddress()],
                       description="Needed to invite the patient to the portal.")
    phone = TelField("Phone", [Optional(), Length(max=40),
                               Regexp(PHONE_PATTERN, message="Use digits, spaces and + ( ) - only.")])
    weight_kg = DecimalField("Weight (kg)", [Optional(), NumberRange(
        min=20, max=350, message="Enter a weight between 20 and 350 kg.")], places=1,
        description="Used to compute mg/kg doses.")
    weighed_on = LocalDateField("Weight measured on", [Optional()],
                           description="Today if left empty when the weight is new or changed.")
    care_team = MultiCheckboxField("Also on the care team", coerce=int,
                                   description="You are on the care team yourself.")
    version = HiddenField()


    def validate_weighed_on(self, field):
        if field.data and field.data > clinic_today():
            raise ValidationError("The date the weight was measured is in the future.")


class StatusChangeForm(FlaskForm):
    """Pause, resume or discharge a patient or a course, with a reason."""

    to_status = SelectField("New status", [InputRequired()], choices=[])
    reason = _reason()


class CourseForm(FlaskForm):
    kind = SelectField("Kind", [InputRequired()],
                       choices=[SelectChoice(k, k.capitalize()) for k in COURSE_KINDS])
    started_on = LocalDateField("Start date", [InputRequired()])
    planned_sessions = IntegerField("Planned dosing sessions", [InputRequired(), NumberRange(
        min=1, max=60, message="Plan between 1 and 60 sessions.")], default=6)

    def validate_started_on(self, field):
        if field.data and abs((field.data - clinic_today()).days) > 366:
            raise ValidationError("The start date is more than a year away from today.")


class ScheduleSessionForm(FlaskForm):
    scheduled_at = LocalDateTimeField("Scheduled time", [InputRequired()])
    course_id = SelectField("Treatment course", [InputRequired()], coerce=int, choices=[])
    clinician_id = SelectField("Guiding clinician", [InputRequired()], coerce=int, choices=[])
    room = StringField("Room", [Optional(), Length(max=60)])

    def validate_scheduled_at(self, field):
        if field.data is None:
            return
        now = utcnow()
        if field.data < now - timedelta(days=1):
            raise ValidationError("This time is in the past; schedule a session from today on.")
        if field.data > now + timedelta(days=730):
            raise ValidationError("This time is more than two years ahead.")
