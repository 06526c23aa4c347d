"""My questionnaires: what is due, a phone-sized form, the result, my scores over time."""
from __future__ import annotations

from flask import abort, redirect, url_for
from flask_login import current_user

from tracker.care.models import QuestionnaireResponse
from tracker.care.scoring import INSTRUMENTS, PHQ9_SAFETY_ITEM, InvalidAnswers
from tracker.core.access import allow, record_or_404
from tracker.core.audit.service import record_event
from tracker.core.clinic import crisis_numbers
from tracker.core.saving import Attempt, save
from tracker.core.users import PATIENT
from tracker.db import utcnow
from tracker.portal import pages, services
from tracker.portal.forms import item_fields, questionnaire_form
from tracker.portal.routes import bp, own_patient, show
from tracker.rules import Refused

SAFETY_ITEM_NUMBER = PHQ9_SAFETY_ITEM + 1


@bp.route("/questionnaires")
@allow(PATIENT)
def questionnaires():
    patient = own_patient()
    page = pages.questionnaires(patient, current_user.clinic, utcnow())
    record_event("read", "questionnaire_list", patient.id, patient_id=patient.id)
    return show("portal/questionnaires.html", band_words=pages.band_words,
                always_open=services.ALWAYS_OPEN, **page)


@bp.route("/questionnaires/<code>/new", methods=["GET", "POST"])
@allow(PATIENT)
def answer_questionnaire(code: str):
    patient = own_patient()
    if code not in INSTRUMENTS or code not in services.offered_instruments(patient):
        abort(404)
    form = questionnaire_form(code)
    outcome = save(form, lambda: _submit(patient, code, form),
                   audit=Attempt("create", "questionnaire_response", None, patient.id))
    if outcome.saved:
        response, _flag = outcome.value
        return redirect(url_for("portal.questionnaire_result", response_id=response.id))
    return show("portal/answer.html", outcome.status, form=form, items=item_fields(form),
                instrument=form.instrument, problem=outcome.problem)


def _submit(patient, code: str, form):
    """Answers the scoring module cannot score are refused like any rule (422)."""
    answers = [f.data for f in item_fields(form)]
    try:
        return services.submit_questionnaire(patient, code, answers, user=current_user)
    except InvalidAnswers as error:
        raise Refused(str(error)) from error


@bp.route("/questionnaires/responses/<int:response_id>")
@allow(PATIENT)
def questionnaire_result(response_id: int):
    own_patient()
    response = record_or_404(QuestionnaireResponse, response_id)
    crisis, told_at = False, None
    if response.instrument == "phq9":
        crisis = (pages.answered_item(response.id, SAFETY_ITEM_NUMBER) or 0) > 0
        told_at = pages.care_team_notified_at(response.id) if crisis else None
    crisis_text = current_user.clinic.crisis_text
    return show("portal/result.html", response=response, instrument=INSTRUMENTS[response.instrument],
                band_words=pages.band_words(response), crisis=crisis, care_team_told_at=told_at,
                crisis_text=crisis_text, crisis_numbers=crisis_numbers(crisis_text))
