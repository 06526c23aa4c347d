"""Who may use which route, and who may see which patient's records. Decided here only.

Every view declares its rule with @allow(...) or @public; a view without one is refused
(default deny; tests walk app.url_map to prove every endpoint declares one). Patient-scoped
data is reached only through visible_patients() / record_or_404(), which apply the same rule
as a SQL filter: lead = the whole clinic, clinician = their care team, patient = themself.
"""
from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import abort, current_app, g, request
from flask_login import current_user

from tracker.core.audit.service import record_event
from tracker.core.patients import CareTeamMember, Patient
from tracker.core.users import CLINICIAN, LEAD, PATIENT
from tracker.extensions import db, login_manager

PUBLIC = "public"
STAFF = (LEAD, CLINICIAN)
ANY_ROLE = (LEAD, CLINICIAN, PATIENT)


def allow(*roles: str) -> Callable:
    """Declare the roles that may use a view (signed in, role in `roles`)."""
    unknown = set(roles) - set(ANY_ROLE)
    if not roles or unknown:
        raise ValueError(f"allow() needs known roles, got {roles!r}")

    def mark(view):
        view.access_roles = frozenset(roles)
        return view
    return mark


def public(view):
    """Declare a view open to anyone (sign-in, invitation links, static files)."""
    view.access_roles = PUBLIC
    return view


def declared_rule(endpoint: str):
    if endpoint == "static":
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access_roles", None)


def enforce_route_rule():
    """before_request: apply the declared rule of the matched endpoint; no rule, no entry."""
    if request.endpoint is None:  # no route matched: let the 404/405 handlers answer
        return None
    rule = declared_rule(request.endpoint)
    if rule is None:
        abort(403)
    if rule == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in rule:
        abort(403)
    return None


# --- patients -------------------------------------------------------------------------------

def visible_patient_ids(user) -> sa.Select:
    """The ids of the patients `user` may see, as a subquery for IN (...) filters."""
    stmt = sa.select(Patient.id)
    return stmt.where(_patient_visibility(user))


def _patient_visibility(user) -> sa.ColumnElement[bool]:
    if user.role == LEAD:
        return Patient.clinic_id == user.clinic_id
    if user.role == CLINICIAN:
        return sa.and_(
            Patient.clinic_id == user.clinic_id,
            Patient.id.in_(sa.select(CareTeamMember.patient_id)
                           .where(CareTeamMember.clinician_id == user.id)),
        )
    if user.role == PATIENT:
        return Patient.user_id == user.id
    return sa.false()


def visible_patients(user) -> sa.Select:
    """SELECT of the Patient rows `user` may see; lists build on this."""
    return sa.select(Patient).where(_patient_visibility(user))


def patient_is_visible(patient_id_column) -> sa.ColumnElement[bool]:
    """Filter for any clinical table by its patient_id column, for the current user."""
    return patient_id_column.in_(visible_patient_ids(current_user))


def can_change_clinical(user) -> bool:
    """Clinical records are written by clinicians; leads audit, they do not chart."""
    return user.role == CLINICIAN


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def attempted_action() -> str:
    """What a refused request tried: "read" for a safe method, else the view's name ("sign",
    "start", "edit", ...), so a refused change is never audited as a read."""
    if request.method in SAFE_METHODS or not request.endpoint:
        return "read"
    return request.endpoint.rsplit(".", 1)[-1][:40]


def _own_clinic_patient(model, record_id: int | None) -> int | None:
    """The patient the refused record belongs to, when the user is staff and that patient is of
    their own clinic (a clinician outside the care team, say): the lead then sees whose record
    was tried. Another clinic's patient is never named in this clinic's trail."""
    if record_id is None or model is None or current_user.role not in STAFF:
        return None  # a patient's guessed id names nobody
    pid = record_id if model is Patient else db.session.scalar(
        sa.select(model.patient_id).where(model.id == record_id))
    if pid is None:
        return None
    same_clinic = db.session.scalar(sa.select(Patient.id).where(
        Patient.id == pid, Patient.clinic_id == current_user.clinic_id))
    return same_clinic


def _deny(record_type: str, record_id, model=None) -> None:
    rid = parse_id(record_id)
    record_event(attempted_action(), record_type, rid, outcome="denied",
                 patient_id=_own_clinic_patient(model, rid))
    db.session.commit()
    g.refusal_audited = True
    abort(404)


def audit_refusal(code: int) -> None:
    """Leave a "denied" event for a 403 or 404 not audited already (errors handler): a role
    refused a route, a record outside the user's reach, a URL that names nothing.

    Whatever the view had pending is rolled back first: a refusal commits nothing else.
    Anonymous requests for unknown paths (scanners, a missing favicon) go to the log only: they
    concern no account and no record, and writing each would let anyone fill the trail."""
    if g.get("refusal_audited") or code not in (403, 404):
        return
    signed_in = current_user and current_user.is_authenticated
    if not signed_in and request.endpoint in (None, "static"):
        current_app.logger.info("Refused %s %s with %s", request.method, request.path, code)
        return
    db.session.rollback()
    ids = [parse_id(v) for v in (request.view_args or {}).values()]
    try:
        record_event(attempted_action(), (request.endpoint or "page")[:40],
                     next((i for i in ids if i is not None), None), outcome="denied")
        db.session.commit()
    except Exception:  # the refusal page must still be shown; the failure is logged
        db.session.rollback()
        current_app.logger.exception("Could not audit a refused request to %s", request.path)
    g.refusal_audited = True


def parse_id(value) -> int | None:
    """A record id from a URL or a form: a positive integer that fits a BIGINT, else None."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def patient_or_404(patient_id, *, audit_action: str | None = "read",
                   record_type: str = "patient") -> Patient:
    """The patient if the current user may see them, else 404 (and a denied audit event).

    A successful look-up records `audit_action` on the patient unless it is None (the caller
    then records a more specific event itself)."""
    pid = parse_id(patient_id)
    patient = None
    if pid is not None:
        patient = db.session.scalar(visible_patients(current_user).where(Patient.id == pid))
    if patient is None:
        _deny(record_type, patient_id, Patient)
    if audit_action:
        record_event(audit_action, record_type, patient.id, patient_id=patient.id)
    return patient


def record_or_404(model, record_id, *, options=(), audit_action: str | None = "read",
                  record_type: str | None = None, of_patient: int | None = None):
    """A clinical record (any model with patient_id) if its patient is visible, else 404.

    `of_patient`: the patient the URL names. A visible record of another patient is also 404,
    with nothing recorded (nothing was shown), and the read is recorded only after this check:
    a read flushed before an abort would be rendered over, then silently rolled back."""
    rtype = record_type or model.__tablename__
    rid = parse_id(record_id)
    record = None
    if rid is not None:
        record = db.session.scalar(
            sa.select(model).where(model.id == rid, patient_is_visible(model.patient_id))
            .options(*options)
        )
    if record is None:
        _deny(rtype, record_id, model)
    if of_patient is not None and record.patient_id != of_patient:
        abort(404)
    if audit_action:
        record_event(audit_action, rtype, record.id, patient_id=record.patient_id)
    return record
