"""Who has seen my record: the audit trail's events about me, in plain words."""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, request
from flask_login import current_user

from tracker.core.access import allow
from tracker.core.audit.service import record_event
from tracker.core.audit.vocabulary import patient_words
from tracker.core.users import PATIENT, ROLE_LABELS, User
from tracker.extensions import db
from tracker.paging import paginate
from tracker.portal import queries
from tracker.portal.routes import bp, own_patient, show

# Only what did not go as usual is said; "Done" on every row said nothing.
OUTCOME_WORDS = {"denied": "Refused: they had no access", "failure": "It did not go through"}


def describe(event) -> str:
    """'Looked at your record', 'Added a reflection': the event in plain words."""
    return patient_words(event.action, event.record_type)


def who(event, names: dict[int, str]) -> str:
    if event.user_id is not None and event.user_id == current_user.id:
        return "You"
    if event.role is None:
        return "The tracker itself"
    label = ROLE_LABELS.get(event.role, event.role)
    if event.role == PATIENT or event.user_id not in names:
        return label
    return f"{names[event.user_id]} ({label})"


@bp.route("/record-access")
@allow(PATIENT)
def access_log():
    patient = own_patient()
    include_mine = request.args.get("mine") == "1"
    record_event("read", "access_log", patient.id, patient_id=patient.id)
    stmt = (queries.record_access(patient.id) if include_mine
            else queries.record_access_by_others(patient.id, current_user.id))
    page = paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    staff_ids = {e.user_id for e in page.items if e.user_id and e.user_id != current_user.id}
    names = dict(db.session.execute(sa.select(User.id, User.full_name).where(User.id.in_(staff_ids))).all()) \
        if staff_ids else {}
    return show("portal/access_log.html", page=page, include_mine=include_mine,
                describe=describe, who=lambda e: who(e, names), outcome_words=OUTCOME_WORDS)

