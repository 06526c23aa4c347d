"""Forms of stage 4: validation only; the services decide the business rules."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional, StopValidation

from tracker.care.models import FOLLOW_UP_KINDS, FOLLOW_UP_OUTCOMES
from tracker.care.scoring import INSTRUMENTS, Instrument
from tracker.care.services import RECORDED_OUTCOMES
from tracker.fields import ClinicalText, LocalDateField, LocalDateTimeField, not_in_future
from tracker.templating import local_datetime

NOTE_LENGTH = 4000


def options(pairs, blank: str | None = "Choose...") -> list[SelectChoice]:
    """Select options from (value, label) pairs, after a blank first option unless None."""
    first = [SelectChoice("", blank)] if blank is not None else []
    return first + [SelectChoice(str(value), label) for value, label in pairs]


def optional_int(value):
    """Coerce for a select whose first option is "none" (value "")."""
    if value in (None, ""):
        return None
    return int(value)


def _session_label(row) -> str:
    return f"Dosing session of {local_datetime(row.scheduled_at)}"


def session_choices(sessions) -> list[SelectChoice]:
    """Choices for "linked dosing session": none, then the patient's sessions."""
    return options(((s.id, _session_label(s)) for s in sessions), blank="None")


class FollowUpForm(FlaskForm):
    kind = SelectField("Kind", choices=options(FOLLOW_UP_KINDS.items()),
                       validators=[InputRequired("Choose a kind of follow-up.")],
                       invalid_choice_message="Choose a kind of follow-up.")
    scheduled_at = LocalDateTimeField("When", validators=[InputRequired("Enter the date and time.")])
    clinician_id = SelectField("With", coerce=optional_int,
                               validators=[InputRequired("Choose a clinician of the care team.")],
                               invalid_choice_message="Choose a clinician of the care team.")
    session_id = SelectField("Linked dosing session", coerce=optional_int,
                             validators=[Optional()],
                             invalid_choice_message="Choose one of this patient's dosing sessions.",
                             description="Optional: the dosing session this follow-up is about.")
    note = ClinicalText("Note", validators=[Optional()], max_length=NOTE_LENGTH)

    def set_choices(self, clinicians, sessions) -> None:
        self.clinician_id.choices = options((c.id, c.full_name) for c in clinicians)
        self.session_id.choices = session_choices(sessions)

    def validate_clinician_id(self, field):
        if field.data is None:
            raise StopValidation("Choose a clinician of the care team.")


class OutcomeForm(FlaskForm):
    outcome = SelectField(
        "Outcome",
        choices=options((o, FOLLOW_UP_OUTCOMES[o]) for o in RECORDED_OUTCOMES),
        validators=[InputRequired("Choose completed, missed or cancelled.")],
        invalid_choice_message="Choose completed, missed or cancelled.")
    completed_at = LocalDateTimeField(
        "Completed at", validators=[Optional(), not_in_future],
        description="Needed when the follow-up was completed; leave empty otherwise.")
    note = ClinicalText("Note", validators=[Optional()], max_length=NOTE_LENGTH)
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])


class AnswerField(RadioField):
    """One questionnaire item: a choice of 0..max, with messages that name the question."""

    def __init__(self, label, number: int, max_item: int, **kwargs):
        invalid = f"Question {number}: choose one of the answers (0-{max_item})."
        super().__init__(label, coerce=int, invalid_value_message=invalid,
                         invalid_choice_message=invalid, **kwargs)
        self.missing_message = f"Question {number} needs an answer."

    def process_formdata(self, valuelist):
        if valuelist and str(valuelist[0]).strip():
            super().process_formdata([str(valuelist[0]).strip()])

    def pre_validate(self, form):
        if self.data is None and not self.process_errors:
            raise StopValidation(self.missing_message)
        super().pre_validate(form)


class QuestionnaireForm(FlaskForm):
    """The items are added per instrument by questionnaire_form()."""

    completed_at = LocalDateTimeField(
        "Completed at", validators=[Optional(), not_in_future],
        description="When the patient answered; leave empty for now.")
    session_id = SelectField("Linked dosing session", coerce=optional_int,
                             validators=[Optional()],
                             invalid_choice_message="Choose one of this patient's dosing sessions.",
                             description="Optional: the dosing session these answers relate to.")

    instrument: Instrument

    @property
    def item_fields(self):
        return [self[f"item_{n}"] for n in range(1, len(self.instrument.items) + 1)]

    @property
    def answers(self) -> list:
        return [f.data for f in self.item_fields]


_FORM_CLASSES: dict[str, type[QuestionnaireForm]] = {}


def questionnaire_form(instrument: str, sessions, **kwargs) -> QuestionnaireForm:
    """A form for one instrument: one required item per question, plus time and session."""
    if instrument not in _FORM_CLASSES:
        inst = INSTRUMENTS[instrument]
        fields = {f"item_{n}": AnswerField(text, n, inst.max_item,
                                           choices=options(inst.choices, blank=None))
                  for n, text in enumerate(inst.items, start=1)}
        _FORM_CLASSES[instrument] = type(f"{inst.code.upper()}Form", (QuestionnaireForm,),
                                         {"instrument": inst, **fields})
    form = _FORM_CLASSES[instrument](**kwargs)
    form.session_id.choices = session_choices(sessions)
    return form


class AssignQuestionnaireForm(FlaskForm):
    instrument = SelectField(
        "Questionnaire", choices=options((c, i.name) for c, i in INSTRUMENTS.items()),
        validators=[InputRequired("Choose a questionnaire.")],
        invalid_choice_message="Choose a questionnaire.")
    due_on = LocalDateField("Due on", validators=[Optional()],
                       description="Optional: the date the patient should answer by.")


class AcknowledgeFlagForm(FlaskForm):
    note = ClinicalText("Acknowledgement note",
                        validators=[InputRequired("Write a note: what you did or decided about "
                                                  "this flag.")],
                        max_length=NOTE_LENGTH,
                        description="What you did or decided (e.g. called the patient, safety "
                                    "plan reviewed).")
