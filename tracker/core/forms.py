"""Form pieces every stage's forms share: select options, the hidden version field of a
stale-save check, a multi-checkbox field. Validation only."""
from __future__ import annotations

from wtforms import IntegerField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

PHONE_PATTERN = r"^[0-9+()./ -]{3,40}$"


def choices(labels: dict, placeholder: str | None = None) -> list[SelectChoice]:
    """Options for a select from a {value: label} mapping, optionally after an empty one."""
    options = [SelectChoice("", placeholder)] if placeholder else []
    return options + [SelectChoice(value, label) for value, label in labels.items()]


class VersionField(IntegerField):
    """The version the form was opened at (stale-save check), carried in a hidden input."""

    widget = HiddenInput()

    def __init__(self, **kwargs):
        super().__init__("Version", validators=[InputRequired("The form is incomplete; "
                                                              "reload the page.")], **kwargs)

    def renew(self, version: int) -> None:
        """Carry `version` from now on (after a stale save, the user's next save is deliberate)."""
        self.data, self.raw_data = version, [str(version)]


class MultiCheckboxField(SelectMultipleField):
    """Several checkboxes for one multi-choice answer (macros/forms.html renders it as a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
