"""Stage 1: the intention of a dosing session (clinician view)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.core.access import allow, record_or_404
from tracker.core.audit.service import record_event
from tracker.core.saving import Attempt, Outcome, save
from tracker.core.sessions import DosingSession
from tracker.core.users import CLINICIAN
from tracker.extensions import db
from tracker.intention import services
from tracker.intention.forms import BLANK_GOAL_ROWS, MAX_GOALS, IntentionForm
from tracker.intention.models import CHECKLIST_ITEMS, CONCOMITANT_MEDICATIONS
from tracker.intention.queries import (
    goals_to_carry_forward,
    intention_for_session,
    session_page_options,
)

bp = Blueprint("intention", __name__)


_YES_NO = {True: "yes", False: "no"}


def _initial(intention, carried=()) -> dict:
    """The form's data from a saved intention, with blank rows for new goals. A new intention
    starts from the goals of the patient's previous one (`carried`), each row linked to the
    goal it carries forward: clearing a row drops that goal."""
    if intention is not None:
        goals = [{"goal_id": g.id, "text": g.text, "carried_from": ""} for g in intention.goals]
    else:
        goals = [{"goal_id": "", "text": g.text, "carried_from": g.id}
                 for g in carried][:MAX_GOALS]
    goals += ([{"goal_id": "", "text": "", "carried_from": ""}]
              * min(BLANK_GOAL_ROWS, MAX_GOALS - len(goals)))
    if intention is None:
        return {"goals": goals, "version": ""}
    data = {column: getattr(intention, column) for column, _ in CHECKLIST_ITEMS}
    data.update({column: _YES_NO.get(getattr(intention, column))
                 for column, _ in CONCOMITANT_MEDICATIONS})
    data.update(
        focus_areas=[f.area for f in intention.focus_areas], focus_other=intention.focus_other,
        intention_text=intention.intention_text, preparation_notes=intention.preparation_notes,
        escort_name=intention.escort_name, escort_phone=intention.escort_phone,
        goals=goals, version=str(intention.version))
    return data


def _draft(form: IntentionForm) -> services.IntentionDraft:
    goals = []
    for entry in form.goals.entries:
        raw_id = (entry.form.goal_id.data or "").strip()
        raw_from = (entry.form.carried_from.data or "").strip()
        goals.append((int(raw_id) if raw_id.isdigit() else None, entry.form.text.data or "",
                      int(raw_from) if raw_from.isdigit() else None))
    return services.IntentionDraft(
        focus_areas=form.focus_areas.data or [], focus_other=form.focus_other.data,
        intention_text=form.intention_text.data, goals=goals,
        preparation_notes=form.preparation_notes.data,
        checklist={column: form[column].data for column, _ in CHECKLIST_ITEMS},
        escort_name=form.escort_name.data, escort_phone=form.escort_phone.data,
        concomitant={column: {"yes": True, "no": False}.get(form[column].data)
                     for column, _ in CONCOMITANT_MEDICATIONS})


@bp.route("/sessions/<int:session_id>/intention", methods=["GET", "POST"])
@allow(CLINICIAN)
def edit(session_id: int):
    """Record or edit the intention, goals, preparation notes and readiness checklist."""
    session = record_or_404(DosingSession, session_id, options=session_page_options(),
                            audit_action=None)
    intention = db.session.scalar(intention_for_session(session.id))
    audit = Attempt("update" if intention else "create", "intention",
                    intention.id if intention else None, session.patient_id)
    refused = services.editing_refused(session)
    if request.method == "GET":
        record_event("read", "intention" if intention else "dosing_session",
                     intention.id if intention else session.id, patient_id=session.patient_id)
        db.session.commit()
        carried = ([] if intention is not None or refused
                   else db.session.scalars(goals_to_carry_forward(session)).all())
        form = IntentionForm(data=_initial(intention, carried))
        outcome = Outcome(saved=False, problem=refused)
    else:
        form = IntentionForm()
        # A started session refuses any change (409) whatever was typed: the service says so
        # before the form's own checks could answer 422.
        outcome = save(None if refused else form,
                       lambda: services.save_intention(session, _draft(form),
                                                       expected_version=form.version.data,
                                                       by=current_user), audit=audit)
    if outcome.saved:
        flash("The intention is saved.", "success")
        return redirect(url_for("patients.chart", patient_id=session.patient_id))
    if outcome.status == 409 and not refused:
        current = db.session.scalar(intention_for_session(session.id))
        form.version.data = str(current.version) if current else ""
    return render_template("intention/edit.html", form=form, session=session,
                           patient=session.patient, intention=intention, problem=outcome.problem,
                           read_only=bool(refused)), outcome.status
