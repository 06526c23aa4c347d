"""The patient portal: a patient's own journey, tasks, questionnaires and record access.

Every view is for the PATIENT role only and works on the signed-in patient's own Patient row;
any id in a URL is loaded through access.record_or_404, which for a patient is scoped to
themself, so another patient's id answers 404.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, render_template
from flask_login import current_user

from tracker.core.patients import Patient
from tracker.extensions import db
from tracker.integration.models import TASK_KINDS
from tracker.portal import pages, queries
from tracker.templating import local_date

bp = Blueprint("portal", __name__, url_prefix="/me")


def own_patient() -> Patient:
    """The signed-in patient's own record (404 for an account not linked to one)."""
    patient = db.session.scalar(queries.own_patient(current_user))
    if patient is None:
        abort(404)
    return patient


@bp.context_processor
def portal_words() -> dict:
    """Plain-language labels the portal's templates and macros use."""
    return {"follow_up_kind": pages.follow_up_kind, "follow_up_outcome": pages.follow_up_outcome,
            "task_kind": lambda kind: TASK_KINDS.get(kind, kind), "schedule_words": schedule_words}


def schedule_words(task) -> str:
    if task.repeat == "none":
        return f"due {local_date(task.due_on)}"
    every = "every day" if task.repeat == "daily" else "every week"
    return f"{every} from {local_date(task.starts_on)} until {local_date(task.repeat_until)}"


def show(template: str, status: int = 200, **context):
    """Commit (the read's audit event), then render: loaded rows stay loaded after a commit
    (expire_on_commit is off), and a template never runs inside an open transaction."""
    db.session.commit()
    return render_template(template, **context), status


def day_or_404(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        abort(404)


from tracker.portal.routes import (  # noqa: E402,F401  (the views register on bp)
    goals,
    journey,
    questionnaires,
    record_access,
    record_copy,
    reminders,
    tasks,
)
