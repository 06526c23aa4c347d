"""The clinic lead's forms: staff accounts, care teams, clinic settings, the audit filter.
Validation only; the rules that need the database live in tracker.lead.services."""
from __future__ import annotations

from datetime import date
from functools import lru_cache
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from tracker.core.audit.models import OUTCOMES
from tracker.core.forms import PHONE_PATTERN
from tracker.core.users import CLINICIAN, LEAD

CRISIS_TEXT_MAX = 2000

# (key, label, unit, lowest, highest): the plausible range of each continuity or vital-sign
# threshold. Keys are those of tracker.core.clinic.DEFAULT_SETTINGS.
CONTINUITY_FIELDS = (
    ("sign_session_within_hours", "Sign the in-session record within", "hours", 1, 168),
    ("debrief_within_hours", "Hold and sign the debrief within", "hours", 1, 336),
    ("follow_up_within_days", "Hold a follow-up within", "days of each session", 1, 90),
    ("phq9_before_session_days", "Measure PHQ-9 within", "days before each session", 1, 60),
    ("phq9_every_days", "Measure PHQ-9 every", "days while active", 7, 180),
    ("task_overdue_flag_days", "Flag an integration task overdue by more than", "days", 1, 60),
    ("lost_to_follow_up_days", "Lost to follow-up after no contact for", "days", 7, 365),
    ("acknowledge_flag_within_hours", "Acknowledge a safety flag within", "hours", 1, 168),
    ("attention_window_days", "Needs attention looks back over", "days", 7, 365),
    ("rems_submit_within_days", "Submit the esketamine REMS monitoring form within", "days", 1, 30),
)
VITAL_FIELDS = (
    ("systolic_flag", "Flag systolic pressure at or above", "mmHg", 120, 220),
    ("systolic_alert", "Alert at systolic pressure at or above", "mmHg", 130, 250),
    ("diastolic_flag", "Flag diastolic pressure at or above", "mmHg", 70, 130),
    ("diastolic_alert", "Alert at diastolic pressure at or above", "mmHg", 80, 150),
    ("spo2_below", "Flag SpO2 below", "%", 80, 98),
    ("heart_rate_above", "Flag heart rate above", "beats per minute", 80, 180),
)
THRESHOLD_FIELDS = CONTINUITY_FIELDS + VITAL_FIELDS


@lru_cache(maxsize=1)
def time_zone_choices() -> tuple[str, ...]:
    """Region/City zones known to zoneinfo (plus UTC), sorted."""
    regions = sorted(z for z in available_timezones()
                     if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix", "right/")))
    return (*regions, "UTC")


class StaffForm(FlaskForm):
    full_name = StringField("Full name", [InputRequired(), Length(max=200)],
                            render_kw={"autocomplete": "off"})
    email = EmailField("Email", [InputRequired(), Length(max=254),
                                 Email(message="This does not look like an email address.")],
                       render_kw={"autocomplete": "off"},
                       description="They sign in with this address.")
    role = SelectField("Role", choices=[SelectChoice(CLINICIAN, "Clinician"),
                                        SelectChoice(LEAD, "Clinic lead")], default=CLINICIAN)
    phone = TelField("Phone", [Optional(), Length(max=40),
                               Regexp(PHONE_PATTERN, message="Use digits, spaces and + ( ) - only.")],
                     description="A clinician's work phone: the REMS monitoring form names it.")


class StaffPhoneForm(FlaskForm):
    """A staff member's work phone (the monitoring clinician's, on the REMS form)."""

    phone = TelField("Phone", [Optional(), Length(max=40),
                               Regexp(PHONE_PATTERN, message="Use digits, spaces and + ( ) - only.")])


class ClinicianChoiceForm(FlaskForm):
    """Pick a clinician of the clinic (choices filled by the view)."""

    clinician_id = SelectField("Clinician", coerce=int, validate_choice=True,
                               validators=[InputRequired(message="Choose a clinician.")])


class TransferForm(ClinicianChoiceForm):
    """Move a patient from their primary clinician to another."""

    expected_primary_id = HiddenField()
    keep_previous = BooleanField("Keep the previous primary clinician on the care team")


class WholeNumberField(IntegerField):
    """An integer field whose parse error says what to type."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("Enter a whole number, like 24.") from None


def _threshold_field(label: str, unit: str, low: int, high: int) -> IntegerField:
    return WholeNumberField(
        f"{label} ({unit})",
        [InputRequired(message="Enter a whole number."),
         NumberRange(min=low, max=high, message=f"Use a number from {low} to {high}.")],
        description=f"Plausible range {low} to {high} {unit}.")


class SettingsForm(FlaskForm):
    name = StringField("Clinic name", [InputRequired(), Length(max=200)])
    timezone = SelectField("Time zone", choices=[],
                           description="Times are shown to everyone in this zone and typed in it.")
    address = TextAreaField("Clinic address", [Optional(), Length(max=500)],
                            description="Printed on the REMS monitoring form and print views.",
                            render_kw={"rows": 3})
    phone = TelField("Clinic phone", [Optional(), Length(max=40),
                                      Regexp(PHONE_PATTERN,
                                             message="Use digits, spaces and + ( ) - only.")])
    crisis_text = TextAreaField(
        "Crisis text shown to patients",
        [InputRequired(), Length(max=CRISIS_TEXT_MAX,
                                 message=f"Keep this under {CRISIS_TEXT_MAX:,} characters.")],
        description="Shown at once to a patient who answers PHQ-9 item 9 above 0.",
        render_kw={"rows": 4})
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = [SelectChoice(z, z) for z in time_zone_choices()]
        self.timezone.validate_choice = False  # checked below, with a plainer message

    def validate_timezone(self, field):
        if field.data not in time_zone_choices():
            raise ValidationError("Choose a time zone from the list (for example America/New_York).")

    def validate_systolic_alert(self, field):
        self._alert_not_below("systolic_flag", field, "systolic")

    def validate_diastolic_alert(self, field):
        self._alert_not_below("diastolic_flag", field, "diastolic")

    def _alert_not_below(self, flag_name: str, field, what: str):
        flag = self[flag_name].data
        if isinstance(flag, int) and isinstance(field.data, int) and field.data < flag:
            raise ValidationError(f"The {what} alert level must be at or above the {what} flag "
                                  f"level ({flag}).")

    def thresholds(self) -> dict[str, int]:
        return {key: self[key].data for key, *_ in THRESHOLD_FIELDS}


for _key, _label, _unit, _low, _high in THRESHOLD_FIELDS:
    setattr(SettingsForm, _key, _threshold_field(_label, _unit, _low, _high))


class AuditFilterForm(FlaskForm):
    """The audit trail's filters (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    user = StringField("User (email)", [Optional(), Length(max=254)])
    patient = StringField("Patient (record number)", [Optional(), Length(max=32)])
    action = StringField("Action", [Optional(), Length(max=40)],
                         description="For example read, create, sign, sign_in.")
    record_type = StringField("Record type", [Optional(), Length(max=40)])
    outcome = SelectField("Outcome", default="", choices=[SelectChoice("", "Any")] + [
        SelectChoice(o, o.capitalize()) for o in OUTCOMES])
    since = DateField("From", [Optional()])
    until = DateField("To (inclusive)", [Optional()])

    def validate_since(self, field):
        _plausible_date(field)

    def validate_until(self, field):
        _plausible_date(field)
        since = self.since.data
        if field.data and since and field.data < since:
            raise ValidationError("The end date is before the start date: swap them or fix one.")


def _plausible_date(field):
    if field.data and not date(2000, 1, 1) <= field.data <= date(2100, 12, 31):
        raise ValidationError("Use a date between 2000 and 2100.")
