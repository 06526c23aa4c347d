"""Addenda: the one way to correct a signed dosing session or debrief, shown beside it."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from tracker.core.access import allow, record_or_404
from tracker.core.saving import Attempt, save
from tracker.core.sessions import DosingSession
from tracker.core.signing.forms import AddendumForm
from tracker.core.signing.service import add_addendum as append_addendum
from tracker.core.users import CLINICIAN
from tracker.extensions import db
from tracker.integration.models import Debrief

bp = Blueprint("signing", __name__)

# record type (as stored on Addendum) -> (model, what a clinician calls it)
SIGNED_RECORDS = {"dosing_session": (DosingSession, "in-session record"),
                  "debrief": (Debrief, "debrief")}


def _signed_record_or_404(record_type: str, record_id, *, audit_action: str | None):
    if record_type not in SIGNED_RECORDS:
        abort(404)
    model, _ = SIGNED_RECORDS[record_type]
    return record_or_404(model, record_id, audit_action=audit_action, record_type=record_type)


def _record_url(record_type: str, record) -> str:
    if record_type == "dosing_session":
        return url_for("dosing.session", session_id=record.id, _anchor="signature")
    return url_for("integration.debrief", session_id=record.session_id, _anchor="signature")


def _page(record_type: str, record, form, status: int = 200, problem: str | None = None):
    return render_template("signing/addendum.html", record=record, record_type=record_type,
                           what=SIGNED_RECORDS[record_type][1], form=form, problem=problem,
                           back_url=_record_url(record_type, record)), status


@bp.get("/records/<record_type>/<record_id>/addenda")
@allow(CLINICIAN)
def new_addendum(record_type, record_id):
    record = _signed_record_or_404(record_type, record_id, audit_action="read")
    db.session.commit()
    return _page(record_type, record, AddendumForm(prefix="addendum", formdata=None))


@bp.post("/records/<record_type>/<record_id>/addenda")
@allow(CLINICIAN)
def add_addendum(record_type, record_id):
    record = _signed_record_or_404(record_type, record_id, audit_action=None)
    form = AddendumForm(prefix="addendum")
    outcome = save(form, lambda: append_addendum(record, record_type, reason=form.reason.data,
                                                 text=form.text.data, user=current_user),
                   audit=Attempt("addendum", record_type, record.id, record.patient_id))
    if not outcome.saved:  # a record not signed refuses (409): its draft is edited instead
        return _page(record_type, record, form, outcome.status, problem=outcome.problem)
    flash("The addendum is added beside the signed record.", "success")
    return redirect(_record_url(record_type, record))
