"""Form fields and validators shared by every stage's forms."""
from __future__ import annotations

from datetime import datetime, timedelta

from wtforms import DateTimeLocalField, TextAreaField
from wtforms.validators import Length, ValidationError

from tracker.db import utcnow
from tracker.timezones import from_local, to_local

LONG_TEXT = 10000


class LocalDateTimeField(DateTimeLocalField):
    """A datetime typed in the clinic's time zone; `.data` is aware UTC."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"])
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            self.data = from_local(self.data)

    def process_data(self, value):
        super().process_data(to_local(value) if isinstance(value, datetime) else value)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        if isinstance(self.data, datetime):
            return to_local(self.data).strftime("%Y-%m-%dT%H:%M")
        return ""


def ClinicalText(label, validators=None, max_length: int = LONG_TEXT, **kwargs):  # noqa: N802
    """A free-text box with an upper bound that says how long it may be."""
    validators = list(validators or []) + [Length(max=max_length, message=(
        f"Keep this under {max_length:,} characters (it is %(length)s); split it into two entries "
        "if you need more room."))]
    return TextAreaField(label, validators, **kwargs)


def not_in_future(form, field):
    if field.data and field.data > utcnow() + timedelta(minutes=5):
        raise ValidationError("This time is in the future.")
