"""The intention form: focus areas, the patient's words, goals, preparation, readiness checklist."""
from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    StringField,
    TelField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from tracker.core.forms import PHONE_PATTERN, MultiCheckboxField
from tracker.fields import ClinicalText
from tracker.intention.models import CONCOMITANT_MEDICATIONS, FOCUS_AREAS

YES_NO = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]
MAX_GOALS = 12
BLANK_GOAL_ROWS = 2
GOAL_MAX = 500


class GoalEntry(Form):
    """One goal per row; the hidden id keeps a goal's identity when its text is edited."""

    goal_id = HiddenField()
    carried_from = HiddenField()  # a new row carried forward from this goal of an earlier session
    text = StringField("Goal", render_kw={"maxlength": GOAL_MAX})  # length checked by the list


class IntentionForm(FlaskForm):
    focus_areas = MultiCheckboxField(
        "Focus areas", [InputRequired(message="Choose at least one focus area.")],
        choices=[SelectChoice(code, label) for code, label in FOCUS_AREAS.items()])
    # No Optional(): it would stop the chain before the "other needs words" check below.
    focus_other = StringField("Other focus area", [Length(max=200)],
                              description='Only when "Other" is ticked.')
    intention_text = ClinicalText(
        "The intention, in the patient's own words",
        [InputRequired(message="Write the intention, as the patient says it.")], max_length=2000,
        description="A sentence or two. The patient sees this in the portal.")
    goals = FieldList(FormField(GoalEntry), min_entries=3, max_entries=MAX_GOALS)
    preparation_notes = ClinicalText("Preparation notes", [Optional()],
                                     description="Seen by clinicians only, never by the patient.")
    fasted = BooleanField("Fasted as instructed")
    escort_arranged = BooleanField("Escort / driver arranged")
    escort_name = StringField("Escort's name", [Length(max=200)])
    escort_phone = TelField("Escort's phone", [Length(max=40)])
    medications_reviewed = BooleanField("Current medications reviewed")
    consent_on_file = BooleanField("Consent on file")
    baseline_vitals_ok = BooleanField("Baseline vitals acceptable")
    takes_benzodiazepines = RadioField(CONCOMITANT_MEDICATIONS[0][1], [Optional()],
                                       choices=YES_NO)
    takes_sedative_hypnotics = RadioField(CONCOMITANT_MEDICATIONS[1][1], [Optional()],
                                          choices=YES_NO)
    takes_psychostimulants = RadioField(CONCOMITANT_MEDICATIONS[2][1], [Optional()],
                                        choices=YES_NO)
    takes_maois = RadioField(CONCOMITANT_MEDICATIONS[3][1], [Optional()],
                             choices=YES_NO)
    version = HiddenField()

    def validate_goals(self, field):
        # Checked here, not per row, so the message reads "Goal 2 ..." beside the goals.
        for number, entry in enumerate(field.entries, start=1):
            if len((entry.form.text.data or "").strip()) > GOAL_MAX:
                raise ValidationError(f"Goal {number} is longer than {GOAL_MAX} characters; "
                                      "split it into two goals.")

    def validate_focus_other(self, field):
        if "other" in (self.focus_areas.data or []) and not (field.data or "").strip():
            raise ValidationError('Say what the "other" focus area is.')

    def validate_escort_name(self, field):
        if self.escort_arranged.data and not (field.data or "").strip():
            raise ValidationError("Give the escort's name (or untick the escort).")

    def validate_escort_phone(self, field):
        phone = (field.data or "").strip()
        if phone and not re.match(PHONE_PATTERN, phone):
            raise ValidationError("Use digits, spaces and + ( ) - only.")
        if self.escort_arranged.data and not phone:
            raise ValidationError("Give the escort's phone number (or untick the escort).")
