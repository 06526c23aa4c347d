"""The addendum form: a correction to a signed record, with its reason."""
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from tracker.fields import ClinicalText


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class AddendumForm(FlaskForm):
    reason = StringField("Reason for the addendum", filters=[_strip], validators=[
        DataRequired("Say why the record needs an addendum."), Length(max=500)],
        description="For example: a late entry, a correction of the dose time.")
    text = ClinicalText("Addendum", filters=[_strip],
                        validators=[DataRequired("Type the addendum.")])
