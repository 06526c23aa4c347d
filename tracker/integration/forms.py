"""Forms of the debrief page: the debrief, a new integration task, cancelling a task."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tracker.core.forms import VersionField, choices
from tracker.db import utcnow
from tracker.fields import ClinicalText, LocalDateField, LocalDateTimeField, not_in_future
from tracker.integration.models import GOAL_RATINGS, REPEATS, TASK_KINDS
from tracker.integration.services import schedule_problems
from tracker.timezones import clinic_today

GOAL_NOTE_LENGTH = 2000
TEXT_FIELDS = ("emotions", "insights", "what_surfaced", "relation_to_intention")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _text(label: str, **kwargs):
    return ClinicalText(label, validators=[Optional()], filters=[_strip], render_kw={"rows": 3},
                        **kwargs)


class DebriefForm(FlaskForm):
    held_at = LocalDateTimeField("Held at", default=utcnow, validators=[
        InputRequired("Give the time the debrief was held."), not_in_future])
    emotions = _text("Emotions")
    insights = _text("Insights")
    what_surfaced = _text("What surfaced")
    relation_to_intention = _text("How it relates to the intention")
    version = VersionField()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not any(getattr(self, name).data for name in TEXT_FIELDS):
            self.emotions.errors.append("Write at least one part of the debrief.")
            return False
        return valid

    def goal_fields(self):
        return [field for name, field in self._fields.items() if name.startswith("goal_")]

    def goal_entries(self) -> list[tuple[str, object, object]]:
        """Per goal, in the intention's order: (its text, the rating field, the note field)."""
        return [(self.goal_texts[int(note.short_name.removeprefix("goal_"))],
                 self[note.short_name.replace("goal_", "rating_", 1)], note)
                for note in self.goal_fields()]

    def progress(self) -> dict[int, str | None]:
        return {int(field.short_name.removeprefix("goal_")): field.data
                for field in self.goal_fields()}

    def ratings(self) -> dict[int, int | None]:
        return {goal_id: self[f"rating_{goal_id}"].data for goal_id in self.progress()}


def _rating(value):
    return int(value) if value not in (None, "") else None


def debrief_form_for(goals, **kwargs) -> DebriefForm:
    """The debrief form with, per goal of the intention, a rating on GOAL_RATINGS (field
    rating_<id>, optional) and a progress note (field goal_<id>, optional)."""
    class Form(DebriefForm):
        goal_texts = {goal.id: goal.text for goal in goals}

    for goal in goals:
        setattr(Form, f"rating_{goal.id}", RadioField(
            f"Rating of: {goal.text}", [Optional()], coerce=_rating,
            choices=[SelectChoice(value, label) for value, label in GOAL_RATINGS.items()]))
        setattr(Form, f"goal_{goal.id}", ClinicalText(
            f"Progress note on: {goal.text}", max_length=GOAL_NOTE_LENGTH, validators=[Optional()],
            filters=[_strip], render_kw={"rows": 2}))
    return Form(**kwargs)


class TaskForm(FlaskForm):
    title = StringField("Title", filters=[_strip], validators=[
        DataRequired("Give the task a title."), Length(max=200)])
    kind = SelectField("Kind", choices=choices(TASK_KINDS), default="mindfulness",
                       validators=[InputRequired("Choose the kind of task.")])
    instructions = ClinicalText("Instructions for the patient", max_length=GOAL_NOTE_LENGTH,
                                validators=[Optional()], filters=[_strip], render_kw={"rows": 2})
    repeat = RadioField("How often", choices=choices(REPEATS), default="none",
                        validators=[InputRequired("Choose how often.")])
    due_on = LocalDateField("Due on (once)", validators=[Optional()])
    starts_on = LocalDateField("From (daily or weekly)", validators=[Optional()])
    repeat_until = LocalDateField("Until (daily or weekly)", validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not valid:
            return False
        problems = schedule_problems(repeat=self.repeat.data, due_on=self.due_on.data,
                                     starts_on=self.starts_on.data,
                                     repeat_until=self.repeat_until.data, today=clinic_today())
        for name, message in problems:
            getattr(self, name).errors.append(message)
        return not problems


class CancelTaskForm(FlaskForm):
    reason = StringField("Reason for cancelling", filters=[_strip], validators=[
        DataRequired("Say why the task is cancelled."), Length(max=500)])
