"""Form fields and validators shared by every stage's forms."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from markupsafe import Markup
from wtforms import Field, TextAreaField
from wtforms.utils import unset_value
from wtforms.validators import Length, ValidationError
from wtforms.widgets import TextInput

from tracker.datetext import (
    date_hint,
    datetime_hint,
    input_date,
    input_datetime,
    parse_date,
    parse_datetime,
)
from tracker.db import utcnow
from tracker.timezones import clinic_style, clinic_zone, to_local

LONG_TEXT = 10000
SHOWN = "-shown"  # suffix of the hidden input that carries the value the form was filled with


def local_to_utc(wall: datetime, zone) -> datetime:
    """A naive wall-clock time in `zone` as aware UTC.

    A time the clocks skip (spring forward) does not exist and raises ValueError with a message
    for the user; a time the clocks repeat (fall back) means its first occurrence (fold=0)."""
    if wall.tzinfo is not None:
        return wall.astimezone(UTC)
    wall = wall.replace(fold=0)  # whatever fold a caller set: the first occurrence
    instant = wall.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall:
        raise ValueError(f"{wall:%H:%M} on {wall:%d %b %Y} does not exist in {zone.key}: the "
                         "clocks moved forward. Enter the time as the clock showed it.")
    return instant


class _WithShownValue(TextInput):
    """A text box for a date and time in the clinic's pattern, plus a hidden input holding the
    value it was filled with. A text box, not <input type=datetime-local>: browsers write that
    one in their own language's pattern, whatever the clinic's (tracker.datetext)."""

    def __call__(self, field, **kwargs):
        style = clinic_style()
        kwargs.setdefault("autocomplete", "off")
        kwargs.setdefault("spellcheck", "false")
        kwargs.setdefault("data-datetime", f"{style.order} {style.clock}")
        shown = field.shown_value()
        companion = Markup('<input type="hidden" name="{}" value="{}">').format(
            field.name + SHOWN, shown)
        return super().__call__(field, **kwargs) + companion


class LocalDateTimeField(Field):
    """A datetime typed in the clinic's time zone and pattern; `.data` is aware UTC.

    Typed as the clinic writes dates ("30/11/2026 14:05", "11/30/2026 2:05 PM", ISO always
    accepted: tracker.datetext.parse_datetime). The form shows minutes, but the instant is kept:
    when the submitted value is the one the form was filled with, `.data` is the field's own
    value at submission (its object data or default) rather than the minute shown. So a form
    filled with "now" (default=utcnow) and sent unchanged records the instant it was sent,
    seconds included, and a stored time sent back unchanged keeps its seconds. A time the user
    changed is used as typed."""

    widget = _WithShownValue()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self._shown: str | None = None

    @property
    def format_hint(self) -> str:
        return datetime_hint(clinic_style())

    def process(self, formdata, data=unset_value, extra_filters=None):
        self._shown = None
        if formdata is not None and self.name + SHOWN in formdata:
            self._shown = formdata.get(self.name + SHOWN)
        super().process(formdata, data, extra_filters)

    def process_formdata(self, valuelist):
        text = " ".join(valuelist).strip() if valuelist else ""
        if not text:
            self.data = None
            return
        try:
            wall = parse_datetime(text, clinic_style())
        except ValueError:
            self.data = None
            raise
        if isinstance(self.object_data, datetime) and wall == _parse(self._shown):
            self.data = self.object_data  # sent as it was filled: the real instant
            return
        try:
            self.data = local_to_utc(wall, clinic_zone())
        except ValueError:
            self.data = None  # validators must not see a naive time
            raise

    def process_data(self, value):
        self.data = to_local(value) if isinstance(value, datetime) else value

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        if isinstance(self.data, datetime):
            return input_datetime(to_local(self.data), clinic_style())
        return ""

    def shown_value(self) -> str:
        """The value the form was first filled with, carried through a re-shown form."""
        if self._shown is not None:
            return self._shown
        return "" if self.raw_data else self._value()


def _parse(text: str | None) -> datetime | None:
    try:
        return parse_datetime(text or "", clinic_style())
    except ValueError:
        return None


class LocalDateField(Field):
    """A calendar day typed in the clinic's pattern ("30/11/2026", "11/30/2026", ISO always
    accepted: tracker.datetext.parse_date); `.data` is a `date`. A text box, for the reason
    LocalDateTimeField is one."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"autocomplete": "off", "spellcheck": "false", **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    @property
    def format_hint(self) -> str:
        return date_hint(clinic_style())

    def process_formdata(self, valuelist):
        text = " ".join(valuelist).strip() if valuelist else ""
        if not text:
            self.data = None
            return
        try:
            self.data = parse_date(text, clinic_style())
        except ValueError:
            self.data = None
            raise

    def _value(self):
        if self.raw_data and (self.errors or self.data is None):
            return " ".join(self.raw_data)  # refused: shown again as typed
        if isinstance(self.data, date):  # read: shown the clinic's way ("2026-01-05" -> 05/01/2026)
            return input_date(self.data, clinic_style())
        return ""


def ClinicalText(label, validators=None, max_length: int = LONG_TEXT, **kwargs):
    """A free-text box with an upper bound that says how long it may be."""
    validators = [*(validators or []), Length(max=max_length, message=(
        f"Keep this under {max_length:,} characters (it is %(length)s); split it into two entries "
        "if you need more room."))]
    return TextAreaField(label, validators, **kwargs)


def not_in_future(form, field):
    if field.data and field.data > utcnow() + timedelta(minutes=5):
        raise ValidationError("This time is in the future.")


# Domains a closed clinic network uses for its own mail: mDNS-style .local and the reserved
# .test (the demo clinic's addresses). email-validator refuses every special-use name; these two
# are names a real install may use. .invalid, .localhost, .onion and .arpa stay refused.
CLOSED_NETWORK_DOMAINS = ("local", "test")


class EmailAddress:
    """An email address as clinics use them: well formed, and on a closed network too.

    Clinics run on closed networks whose mail domains are often names a validator for the
    public internet refuses (.local, a dotless intranet host, the demo's .test). So the address
    must be well formed, but its domain need not be deliverable on the internet; nothing here
    looks up DNS."""

    def __init__(self, message: str = "This does not look like an email address."):
        self.message = message

    def __call__(self, form, field) -> None:
        if field.data and not is_email_address(field.data):
            raise ValidationError(self.message)


def is_email_address(value: str) -> bool:
    from email_validator import EmailNotValidError, validate_email

    address, _, domain = value.rpartition("@")
    tld = domain.rsplit(".", 1)[-1].lower()
    if tld in CLOSED_NETWORK_DOMAINS:
        # Checked as if under an ordinary top-level domain: the same syntax rules otherwise.
        value = f"{address}@{domain[: len(domain) - len(tld)]}example"
    try:
        validate_email(value, check_deliverability=False, globally_deliverable=False)
    except EmailNotValidError:
        return False
    return True
