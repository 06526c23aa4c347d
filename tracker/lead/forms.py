"""The clinic lead's forms: staff accounts, care teams, clinic settings, the audit filter.
Validation only; the rules that need the database live in tracker.lead.services."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
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
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from tracker.core.audit.models import OUTCOMES
from tracker.core.audit.vocabulary import ACTIONS, RECORD_TYPES, action_label, record_type_label
from tracker.core.forms import PHONE_PATTERN
from tracker.core.users import CLINICIAN, LEAD
from tracker.datetext import CLOCKS, DATE_ORDERS, DMY, H24
from tracker.dosing.vitals import order_problems
from tracker.fields import EmailAddress, LocalDateField

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
VITAL_FIELDS = (  # high thresholds are reached at or above, low ones below (dosing/vitals.py)
    ("systolic_high_flag", "Flag systolic pressure at or above", "mmHg", 120, 220),
    ("systolic_high_alert", "Alert at systolic pressure at or above", "mmHg", 130, 250),
    ("systolic_low_flag", "Flag systolic pressure below", "mmHg", 70, 110),
    ("systolic_low_alert", "Alert at systolic pressure below", "mmHg", 60, 110),
    ("diastolic_high_flag", "Flag diastolic pressure at or above", "mmHg", 70, 130),
    ("diastolic_high_alert", "Alert at diastolic pressure at or above", "mmHg", 80, 150),
    ("diastolic_low_flag", "Flag diastolic pressure below", "mmHg", 30, 70),
    ("diastolic_low_alert", "Alert at diastolic pressure below", "mmHg", 25, 70),
    ("heart_rate_high_flag", "Flag heart rate at or above", "beats per minute", 80, 160),
    ("heart_rate_high_alert", "Alert at heart rate at or above", "beats per minute", 80, 180),
    ("heart_rate_low_flag", "Flag heart rate below", "beats per minute", 35, 70),
    ("heart_rate_low_alert", "Alert at heart rate below", "beats per minute", 25, 70),
    ("respiratory_rate_high_flag", "Flag respiratory rate at or above", "breaths per minute", 16, 40),
    ("respiratory_rate_high_alert", "Alert at respiratory rate at or above", "breaths per minute", 16, 50),
    ("respiratory_rate_low_flag", "Flag respiratory rate below", "breaths per minute", 5, 14),
    ("respiratory_rate_low_alert", "Alert at respiratory rate below", "breaths per minute", 4, 14),
    ("spo2_low_flag", "Flag SpO2 below", "%", 80, 98),
    ("spo2_low_alert", "Alert at SpO2 below", "%", 80, 98),
)
# Dose checks (tracker.dosing.doses): the weight's age, then racemic ketamine's mg/kg ranges
# per route. (key, label, unit, lowest, highest); the mg/kg ones are shown and typed in mg/kg
# and stored in whole hundredths (the settings are integers), so their bounds are hundredths.
WEIGHT_FIELDS = (
    ("weight_within_days", "Ketamine in mg/kg needs a weight measured within", "days", 1, 365),
)
DOSE_ROUTES = (("iv", "IV"), ("im", "IM"), ("sublingual", "sublingual"), ("oral", "oral"))
DOSE_BOUNDS = (("usual_min", "usual from"), ("usual_max", "usual up to"),
               ("hard_max", "refused above"))
MGKG_FIELDS = tuple(
    (f"ketamine_{route}_{bound}_mgkg_x100", f"Ketamine {words}: {what}", "mg/kg", 5, 1000)
    for route, words in DOSE_ROUTES for bound, what in DOSE_BOUNDS)
DOSE_FIELDS = WEIGHT_FIELDS + MGKG_FIELDS
DISCHARGE_FIELDS = (
    ("iv_vitals_interval_minutes", "During an IV infusion and its observation, take vitals every",
     "minutes", 5, 60),
    ("ketamine_min_observation_minutes", "Observe after ketamine (from dosing) at least",
     "minutes", 30, 360),
)
THRESHOLD_FIELDS = CONTINUITY_FIELDS + VITAL_FIELDS + DISCHARGE_FIELDS + DOSE_FIELDS
# (key, label, hint): who must sign in with a second factor (stored as 1 or 0).
TWO_FACTOR_FIELDS = (
    ("require_2fa_leads", "Clinic leads must use two-factor sign-in",
     "On by default for a new clinic. A lead without it is asked to set it up at next sign-in."),
    ("require_2fa_clinicians", "Clinicians must use two-factor sign-in",
     "Clinicians without it are asked to set it up at their next page."),
)


@lru_cache(maxsize=1)
def time_zone_choices() -> tuple[str, ...]:
    """Region/City zones known to zoneinfo (plus UTC), sorted."""
    regions = sorted(z for z in available_timezones()
                     if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix", "right/")))
    return (*regions, "UTC")


class DeactivateForm(FlaskForm):
    """Deactivating an account: a reason, and a tick that the lead means it."""

    reason = StringField("Reason", [InputRequired(message="Give a reason (for example: left the "
                                                          "clinic, extended leave)."),
                                    Length(max=300)],
                         description="Kept with the account and shown on the staff page.")
    confirm = BooleanField("I understand they can no longer sign in, and their sessions and "
                           "unused links end now",
                           [InputRequired(message="Tick the box to confirm.")])


class StaffForm(FlaskForm):
    full_name = StringField("Full name", [InputRequired(), Length(max=200)],
                            render_kw={"autocomplete": "off"})
    email = EmailField("Email", [InputRequired(), Length(max=254),
                                 EmailAddress()],
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


class MgPerKgField(DecimalField):
    """A dose setting typed and shown in mg/kg (two decimals); its data is the whole number of
    hundredths of a mg/kg the clinic settings store (0.50 mg/kg is 50)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("Enter a dose in mg/kg, like 0.50.") from None
        if self.data is not None:
            if not self.data.is_finite():
                self.data = None
                raise ValueError("Enter a dose in mg/kg, like 0.50.")
            hundredths = self.data * 100
            if hundredths != hundredths.to_integral_value():
                self.data = None
                raise ValueError("Use at most two decimals, like 0.75.")
            self.data = int(hundredths)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return mgkg_text(self.data) if isinstance(self.data, int) else ""


def mgkg_text(hundredths: int) -> str:
    return f"{Decimal(hundredths) / 100:.2f}"


def _mgkg_field(label: str, unit: str, low: int, high: int) -> MgPerKgField:
    span = f"{mgkg_text(low)} to {mgkg_text(high)}"
    return MgPerKgField(
        f"{label} ({unit})",
        [InputRequired(message="Enter a dose in mg/kg."),
         NumberRange(min=low, max=high, message=f"Use a dose from {span} mg/kg.")],
        description=f"Plausible range {span} {unit}.")


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
    date_order = SelectField("Dates", choices=[SelectChoice(k, v) for k, v in DATE_ORDERS.items()],
                             default=DMY,
                             description="How every page writes a date and every form reads one.")
    clock = SelectField("Times", choices=[SelectChoice(k, v) for k, v in CLOCKS.items()],
                        default=H24,
                        description="The clock of every page and form.")
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

    def validate(self, extra_validators=None) -> bool:
        """The fields, then the vital-sign thresholds' order: per measure, low alert <= low
        flag < high flag <= high alert (each problem beside the field that breaks it)."""
        valid = super().validate(extra_validators)
        typed = {key: self[key].data for key, *_ in VITAL_FIELDS
                 if isinstance(self[key].data, int) and not self[key].errors}
        for key, problem in order_problems(typed).items():
            self[key].errors = [*self[key].errors, problem]
            valid = False
        return self._dose_ranges_in_order() and valid

    def _dose_ranges_in_order(self) -> bool:
        """Each route's usual range starts at or below its end, and the hard maximum is at or
        above the range (each problem beside the field that breaks it)."""
        valid = True
        for route, words in DOSE_ROUTES:
            low, high, hard = (self[f"ketamine_{route}_{bound}_mgkg_x100"] for bound, _ in DOSE_BOUNDS)
            if not all(isinstance(f.data, int) for f in (low, high, hard)):
                continue
            if high.data < low.data:
                high.errors.append(f"The usual range of ketamine {words} must end at or above its "
                                   f"start ({mgkg_text(low.data)} mg/kg).")
                valid = False
            if hard.data < high.data:
                hard.errors.append(f"The hard maximum of ketamine {words} must be at or above "
                                   f"its usual range ({mgkg_text(high.data)} mg/kg).")
                valid = False
        return valid

    def thresholds(self) -> dict[str, int]:
        """Every numeric setting of the form, the two-factor switches as 1 or 0."""
        return {**{key: self[key].data for key, *_ in THRESHOLD_FIELDS},
                **{key: int(bool(self[key].data)) for key, *_ in TWO_FACTOR_FIELDS}}


for _key, _label, _unit, _low, _high in (CONTINUITY_FIELDS + VITAL_FIELDS + DISCHARGE_FIELDS
                                         + WEIGHT_FIELDS):
    setattr(SettingsForm, _key, _threshold_field(_label, _unit, _low, _high))
for _key, _label, _unit, _low, _high in MGKG_FIELDS:
    setattr(SettingsForm, _key, _mgkg_field(_label, _unit, _low, _high))


def _choices(codes, label) -> list[SelectChoice]:
    """'Any', then each code under its readable name, alphabetically by that name."""
    named = sorted((SelectChoice(code, label(code)) for code in codes),
                   key=lambda choice: choice.label)
    return [SelectChoice("", "Any"), *named]
for _key, _label, _hint in TWO_FACTOR_FIELDS:
    setattr(SettingsForm, _key, BooleanField(_label, description=_hint,
                                             false_values=(False, "false", "", "0")))


class AuditFilterForm(FlaskForm):
    """The audit trail's filters (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    user = StringField("User (email)", [Optional(), Length(max=254)])
    patient = StringField("Patient (record number)", [Optional(), Length(max=32)])
    action = SelectField("Action", default="", choices=_choices(ACTIONS, action_label),
                         validate_choice=True)
    record_type = SelectField("Record type", default="",
                              choices=_choices(RECORD_TYPES, record_type_label))
    outcome = SelectField("Outcome", default="", choices=[SelectChoice("", "Any")] + [
        SelectChoice(o, o.capitalize()) for o in OUTCOMES])
    since = LocalDateField("From", [Optional()])
    until = LocalDateField("To (inclusive)", [Optional()])

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
