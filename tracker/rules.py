"""The refusals business rules raise, shared by every stage's services.

A service raises RuleRefused with a message in plain words and, where it belongs beside one,
the name of the form field; the view shows it there and keeps what the user typed.
"""
from __future__ import annotations


class RuleRefused(ValueError):
    """A change the rules refuse; `field` is the form field the message belongs beside."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class StaleRecord(RuleRefused):
    """Someone else saved the record since the form was opened (the view answers 409)."""

    def __init__(self, what: str = "record"):
        super().__init__(f"Someone else saved this {what} since you opened it. Nothing of yours "
                         "was saved: your text is below. Compare it with the saved record, then "
                         "save again.")


def check_version(record, expected, what: str = "record") -> None:
    """Refuse a save made from a form that showed another version of `record`."""
    try:
        expected = int(expected)
    except (TypeError, ValueError):
        raise StaleRecord(what) from None
    if expected != record.version:
        raise StaleRecord(what)
