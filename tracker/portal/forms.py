"""The patient's forms: validation only (the services decide what the answers mean)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from tracker.care.scoring import INSTRUMENTS
from tracker.fields import ClinicalText
from tracker.portal.services import REFLECTION_MAX, SKIP_REASON_MAX

WRITE_SOMETHING = "Write a few words first (or leave this page without saving)."


class MarkDoneForm(FlaskForm):
    reflection = ClinicalText(
        "How did it go? (optional)", max_length=REFLECTION_MAX, render_kw={"rows": 4},
        description="A few words are enough. Only you and your care team see this.")


class SkipForm(FlaskForm):
    skip_reason = StringField(
        "Why did you skip it?",
        validators=[DataRequired("Say in a word or two why you skipped it, for example "
                                 "\u201ctoo tired\u201d."),
                    Length(max=SKIP_REASON_MAX, message=f"Keep this under {SKIP_REASON_MAX} characters.")],
        description="A word or two is enough.")


class ReflectionForm(FlaskForm):
    text = ClinicalText(
        "Your reflection", [DataRequired(WRITE_SOMETHING)], max_length=REFLECTION_MAX,
        render_kw={"rows": 6},
        description=f"Up to {REFLECTION_MAX:,} characters. Only you and your care team see this.")


class JournalEntryForm(ReflectionForm):
    session_id = SelectField("Is this about one of your sessions? (optional)", coerce=int,
                             choices=[SelectChoice("0", "Not about a particular session")], default=0,
                             validate_choice=True)


class EditReflectionForm(ReflectionForm):
    version = HiddenField()


def questionnaire_form(code: str, formdata=None) -> FlaskForm:
    """A form with one radio group per item of the instrument (item_1 ... item_n)."""
    instrument = INSTRUMENTS[code]

    class QuestionnaireForm(FlaskForm):
        pass

    for number, text in enumerate(instrument.items, start=1):
        setattr(QuestionnaireForm, f"item_{number}", RadioField(
            text, choices=[SelectChoice(str(value), label) for value, label in instrument.choices],
            coerce=int,
            validators=[InputRequired(f"Choose an answer for question {number}.")]))
    form = QuestionnaireForm(formdata=formdata) if formdata is not None else QuestionnaireForm()
    form.instrument = instrument
    return form


def item_fields(form) -> list:
    return [form[f"item_{n}"] for n in range(1, len(form.instrument.items) + 1)]
