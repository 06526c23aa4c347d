"""How a view saves a form: validate, call one service, commit once; on refusal keep the input.

Used by the patients and intention views (any stage's views may use it)."""
from __future__ import annotations

from sqlalchemy.orm.exc import StaleDataError

from tracker.core.audit.service import record_event
from tracker.extensions import db
from tracker.rules import RuleRefused as ChangeRefused, StaleRecord


def record_failure(audit: tuple) -> None:
    """Record (and commit) a refused attempt: audit = action, record type, record id, patient id."""
    action, record_type, record_id, patient_id = audit
    record_event(action, record_type, record_id, patient_id=patient_id, outcome="failure")
    db.session.commit()


def attempt(change, *, audit: tuple) -> ChangeRefused | None:
    """Run one service and commit. A refusal (or a concurrent save caught by the version
    column) rolls the change back, records the failed attempt and is returned; else None."""
    try:
        change()
        db.session.commit()
        return None
    except (ChangeRefused, StaleDataError) as error:
        db.session.rollback()
        record_failure(audit)
        return error if isinstance(error, ChangeRefused) else StaleRecord()


def status_of(error: ChangeRefused) -> int:
    return 409 if isinstance(error, StaleRecord) else 422


def submit(form, change, *, audit: tuple) -> tuple[bool, str | None, int]:
    """Handle a form post: (saved?, page-level problem, status code).

    Invalid input: 422, messages beside the fields. A refused change: its message beside its
    field (or for the page); 409 for a stale save, else 422. What was typed stays in the form."""
    if not form.is_submitted():
        return False, None, 200
    if not form.validate():
        record_failure(audit)
        return False, None, 422
    error = attempt(change, audit=audit)
    if error is None:
        return True, None, 200
    if error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, str(error)]
        return False, None, status_of(error)
    return False, str(error), status_of(error)
