"""The dashboard's period and filters (a GET form: bookmarkable, no CSRF token needed)."""
from __future__ import annotations

from datetime import date, timedelta

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from tracker.continuity.scope import NO_CLINICIAN
from tracker.core.patients import COURSE_STATUSES
from tracker.fields import LocalDateField

DEFAULT_DAYS = 30
MAX_DAYS = 2 * 366          # two years, leap day included
OLDEST_YEARS = 10           # nothing older is in scope of a continuity audit


def _optional_int(value):
    if value in (None, ""):
        return None
    return int(value)


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False

    start = LocalDateField("From", validators=[Optional()])
    end = LocalDateField("To", validators=[Optional()])
    clinician = SelectField("Clinician", coerce=_optional_int, validators=[Optional()])
    course = SelectField("Course status", validators=[Optional()],
                         choices=[SelectChoice("", "Any")]
                         + [SelectChoice(s, s.capitalize()) for s in COURSE_STATUSES])

    def __init__(self, formdata, *, clinicians: dict[int, str], today: date):
        super().__init__(formdata=formdata)
        self.today = today
        self.clinician.choices = (
            [SelectChoice("", "Any clinician")]
            + [SelectChoice(cid, name) for cid, name in clinicians.items()]
            + [SelectChoice(NO_CLINICIAN, "No clinician recorded")])
        if not self.start.raw_data and not self.end.raw_data:
            # Neither date typed: show the period in effect (the last 30 days) in the fields,
            # rather than empty boxes beside figures for a period nobody can see.
            self.start.data, self.end.data = self.period

    @property
    def period(self) -> tuple[date, date]:
        """The chosen days, first and last (inclusive); the last 30 days by default."""
        if self.start.data and self.end.data:
            return self.start.data, self.end.data
        return self.today - timedelta(days=DEFAULT_DAYS - 1), self.today

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then the period as a whole: both dates or neither, in order, not in
        the future, at most two years, within the last ten years."""
        ok = super().validate(extra_validators)
        if self.start.errors or self.end.errors:
            return False
        problem = self._period_problem()
        if problem:
            self.end.errors = [*self.end.errors, problem]
            return False
        return ok

    def _period_problem(self) -> str | None:
        start, end = self.start.data, self.end.data
        if (start is None) != (end is None):
            return "Enter both dates, or neither for the last 30 days."
        if start is None:
            return None
        if end < start:
            return "The end of the period is before its start."
        if end > self.today:
            return "The period cannot end after today."
        if (end - start).days + 1 > MAX_DAYS:
            return "Choose a period of at most two years."
        if start < self.today.replace(year=self.today.year - OLDEST_YEARS, day=1):
            return f"Choose a period within the last {OLDEST_YEARS} years."
        return None

    def filter_args(self) -> dict:
        """The query-string arguments that reproduce this period and these filters."""
        first, last = self.period
        args = {"start": first.isoformat(), "end": last.isoformat()}
        if self.clinician.data is not None:
            args["clinician"] = self.clinician.data
        if self.course.data:
            args["course"] = self.course.data
        return args
