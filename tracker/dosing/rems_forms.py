"""The REMS monitoring form's two posts: the evaluation answer, and "mark as submitted"."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from tracker.core.forms import VersionField


class EvaluationForm(FlaskForm):
    ready_to_leave_minutes = IntegerField(
        "When would the patient have been ready to leave? (minutes from the start of "
        "administration)",
        validators=[InputRequired("Give a number of minutes."),
                    NumberRange(0, 1440, "Give the minutes from the start (0 to 1440).")],
        description="The REMS evaluation question, answered by the monitoring clinician.",
        render_kw={"inputmode": "numeric", "min": 0, "max": 1440})
    version = VersionField()


class SubmitForm(FlaskForm):
    version = VersionField()
