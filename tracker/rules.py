"""The one way a change is refused, shared by every stage's services and by the save helper.

A service raises `Refused` with a message in plain words, the form field it belongs beside (or
none: the page shows it as a page-level problem) and the HTTP status the view answers:

- 422 (the default): a rule of the clinic or the journey is not met; the user can change what
  they typed and try again.
- 409: the record's state conflicts with the change. `Stale` is the usual case: someone else
  saved the record since the form was opened; nothing of the user's was saved and their text is
  kept in the form. A signed record is also a 409 (see tracker.core.signing): no input could
  make the change acceptable, the record itself must be corrected by an addendum.

Input that fails a form's own validation is not a refusal (the form reports it), nor are the
scoring module's InvalidAnswers or sign-in problems (tracker.auth.services.AuthError).
"""
from __future__ import annotations

STALE_MESSAGE = ("Someone else saved this {what} since you opened it. Nothing of yours was "
                 "saved: your text is below. Compare it with the saved record, then save again.")


class Refused(Exception):
    """A change the rules refuse: a message safe to show, the field it belongs beside, and the
    status the view answers (422 for a rule, 409 for a conflict with the record's state)."""

    status: int = 422

    def __init__(self, message: str, *, field: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return self.message


class Stale(Refused):
    """A stale save: the record changed since the form was opened (409, the user's text kept).
    A SQLAlchemy StaleDataError caught at save time is turned into this."""

    status = 409

    def __init__(self, message: str | None = None, *, what: str = "record",
                 field: str | None = None):
        super().__init__(message or STALE_MESSAGE.format(what=what), field=field)


def check_version(record, expected, what: str = "record") -> None:
    """Refuse (Stale) a save made from a form that showed another version of `record`."""
    try:
        expected = int(expected)
    except (TypeError, ValueError):
        raise Stale(what=what) from None
    if expected != record.version:
        raise Stale(what=what)
