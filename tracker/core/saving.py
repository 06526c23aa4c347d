"""The one way a view saves a form: validate, call one service, commit once.

    outcome = save(form, lambda: services.do_it(...),
                   audit=Attempt("update", "patient", patient.id, patient.id))
    if outcome.saved:
        return redirect(...)
    return render_template(..., form=form, problem=outcome.problem), outcome.status

On invalid input (422) or a refused change (`tracker.rules.Refused`: 422 for a rule, 409 for a
stale save or a signed record) the transaction is rolled back, the message is put beside its
field (or returned as the page-level `problem`), what the user typed stays in the form, and the
failed attempt is audited and committed: so every view renders after its transaction has ended.

The audit rule for refused attempts lives here so no view can forget it: one event with the
action the successful path records ("create", "update", "sign", ...), the record type and id
(None for a record not created yet), the patient the record belongs to, and outcome "failure".
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from tracker.core.audit.service import record_event
from tracker.extensions import db
from tracker.rules import Refused, Stale


@dataclass(frozen=True)
class Attempt:
    """What a refused attempt is audited as: the real action, the record, its patient."""
    action: str
    record_type: str
    record_id: int | None = None
    patient_id: int | None = None

    def __post_init__(self):
        if self.action == "read":
            raise ValueError("A change is audited with the action it attempts, never 'read'.")


@dataclass(frozen=True)
class Outcome:
    """What happened to a post: `saved`, or the status to answer and a page-level problem."""
    saved: bool
    status: int = 200
    problem: str | None = None
    refusal: Refused | None = None
    value: Any = None   # what the service returned, when saved


NOT_SUBMITTED = Outcome(saved=False)


def _refused(audit: Attempt) -> None:
    """End the failed transaction and keep only the audit event of the attempt."""
    db.session.rollback()
    record_event(audit.action, audit.record_type, audit.record_id, patient_id=audit.patient_id,
                 outcome="failure")
    db.session.commit()


def _beside_field(form, refusal: Refused) -> bool:
    if form is None or not refusal.field:
        return False
    field = getattr(form, refusal.field, None)
    if field is None or not hasattr(field, "errors"):
        return False
    field.errors = [*field.errors, str(refusal)]
    return True


def save(form, change: Callable[[], Any], *, audit: Attempt) -> Outcome:
    """Save a posted form with one service call (see the module's docstring).

    `form` is None for a button that posts no fields. A GET (form not submitted) commits what
    the request has recorded so far (its read audit event) and returns NOT_SUBMITTED: in every
    case the transaction has ended when the view renders. A concurrent save caught by a version column
    (StaleDataError) or by a unique key (IntegrityError: two people creating the one debrief of
    a session, say) is the same stale save as `Stale`."""
    if form is not None:
        if not form.is_submitted():
            db.session.commit()
            return NOT_SUBMITTED
        if not form.validate():
            _refused(audit)
            return Outcome(saved=False, status=422)
    try:
        value = change()
        db.session.commit()
    except (StaleDataError, IntegrityError):
        refusal: Refused = Stale(what=audit.record_type.replace("_", " "))
    except Refused as error:
        refusal = error
    else:
        return Outcome(saved=True, value=value)
    _refused(audit)
    placed = _beside_field(form, refusal)
    return Outcome(saved=False, status=refusal.status, refusal=refusal,
                   problem=None if placed else str(refusal))
