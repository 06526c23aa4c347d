"""record_questionnaire() and assign_questionnaire(): the services the portal calls too; and the
database's own checks on responses and answers (run these on PostgreSQL as well)."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.care import builders
from tracker.care import services
from tracker.care.models import QuestionnaireAnswer, QuestionnaireAssignment, QuestionnaireResponse
from tracker.care.scoring import InvalidAnswers
from tracker.core.audit.models import AuditEvent
from tracker.core.flags import SafetyFlag
from tracker.db import utcnow
from tracker.extensions import db
from tracker.rules import Refused


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_answers_are_stored_in_item_order(clinician, patient):
    values = [0, 1, 2, 3, 0, 1, 2, 3, 0]
    when = utcnow() - timedelta(days=1)
    response, flag = services.record_questionnaire(patient, "phq9", values, source="clinician",
                                                   entered_by=clinician, completed_at=when)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.execute(sa.select(QuestionnaireAnswer.item, QuestionnaireAnswer.value,
                                          QuestionnaireAnswer.instrument)
                                .where(QuestionnaireAnswer.response_id == response.id)
                                .order_by(QuestionnaireAnswer.item)).all()
    assert stored == [(n, v, "phq9") for n, v in enumerate(values, start=1)]
    response = db.session.get(QuestionnaireResponse, response.id)
    assert (response.total, response.band, response.source, response.completed_at) == \
        (12, "moderate", "clinician", when)
    assert flag is None


def test_form_strings_are_accepted_and_time_defaults_to_now(patient, patient_user):
    response, _ = services.record_questionnaire(patient, "gad7", ["3"] * 7, source="patient",
                                                entered_by=patient_user)
    assert (response.total, response.band, response.entered_by_id) == (21, "severe", patient_user.id)
    assert abs(response.completed_at - utcnow()) < timedelta(seconds=5)


def test_item9_raises_one_flag_and_it_is_returned(clinician, patient):
    session = builders.ended_session(patient, clinician, ended_days_ago=1)
    response, flag = services.record_questionnaire(
        patient, "phq9", [0] * 8 + [3], source="clinician", entered_by=clinician,
        session_id=session.id)
    assert flag is not None
    assert (flag.source, flag.source_id, flag.patient_id, flag.session_id) == \
        ("phq9_item9", response.id, patient.id, session.id)
    assert "Nearly every day" in flag.summary
    assert _count(SafetyFlag) == 1
    db.session.commit()  # as the view does: the audit events are written at the commit
    actions = db.session.execute(sa.select(AuditEvent.action, AuditEvent.record_type)
                                 .order_by(AuditEvent.id)).all()
    assert actions == [("create", "questionnaire_response"), ("raise_flag", "safety_flag")]


def test_each_positive_phq9_raises_its_own_flag(clinician, patient):
    for _ in range(2):
        services.record_questionnaire(patient, "phq9", [0] * 8 + [1], source="clinician",
                                      entered_by=clinician)
    assert _count(SafetyFlag) == 2


@pytest.mark.parametrize("instrument, answers, message", [
    ("phq9", [0] * 8, "PHQ-9 needs 9 answers, got 8."),
    ("phq9", [0] * 8 + [4], "Question 9: 4 is not a valid answer (0-3)."),
    ("pcl5", [None] + [0] * 19, "Question 1 needs an answer."),
    ("madrs", [0] * 10, "Unknown questionnaire"),
])
def test_invalid_answers_store_nothing(clinician, patient, instrument, answers, message):
    with pytest.raises(InvalidAnswers, match=message.replace("(", r"\(").replace(")", r"\)")):
        services.record_questionnaire(patient, instrument, answers, source="clinician",
                                      entered_by=clinician)
    assert _count(QuestionnaireResponse) == _count(QuestionnaireAnswer) == _count(AuditEvent) == 0


@pytest.mark.parametrize("kwargs, field", [
    ({"source": "robot"}, "source"),
    ({"completed_at": utcnow() + timedelta(days=1)}, "completed_at"),
    ({"session_id": 999999}, "session_id"),
])
def test_bad_source_time_or_session_store_nothing(clinician, patient, kwargs, field):
    args = {"source": "clinician"} | kwargs
    with pytest.raises(Refused) as error:
        services.record_questionnaire(patient, "gad7", [0] * 7, entered_by=clinician, **args)
    assert error.value.field == field
    assert _count(QuestionnaireResponse) == 0


def test_another_patients_session_is_refused(clinician, clinician2, patient, patient2):
    foreign = builders.ended_session(patient2, clinician2, ended_days_ago=1)
    with pytest.raises(Refused, match="dosing sessions"):
        services.record_questionnaire(patient, "gad7", [0] * 7, source="clinician",
                                      entered_by=clinician, session_id=foreign.id)


def test_a_response_completes_the_oldest_open_assignment_of_its_instrument(clinician, patient,
                                                                           patient_user):
    pcl5 = services.assign_questionnaire(patient, "pcl5", clinician)
    gad7 = services.assign_questionnaire(patient, "gad7", clinician)
    response, _ = services.record_questionnaire(patient, "pcl5", [2] * 20, source="patient",
                                                entered_by=patient_user)
    assert pcl5.response_id == response.id and gad7.response_id is None
    # once completed, the same instrument may be assigned again
    again = services.assign_questionnaire(patient, "pcl5", clinician, due_on=utcnow().date())
    assert again.id != pcl5.id
    cancelled = services.assign_questionnaire(patient, "phq9", clinician)
    cancelled.cancelled_at = utcnow()
    response, _ = services.record_questionnaire(patient, "phq9", [0] * 9, source="patient",
                                                entered_by=patient_user)
    assert cancelled.response_id is None  # a cancelled assignment is not completed


def test_assign_refuses_unknown_and_duplicate(clinician, patient):
    with pytest.raises(Refused) as error:
        services.assign_questionnaire(patient, "madrs", clinician)
    assert error.value.field == "instrument"
    services.assign_questionnaire(patient, "pcl5", clinician)
    with pytest.raises(Refused, match="already assigned"):
        services.assign_questionnaire(patient, "pcl5", clinician)
    assert _count(QuestionnaireAssignment) == 1


# --- the database's own checks -------------------------------------------------------------------

def _response(patient, clinician, instrument="phq9", total=0):
    r = QuestionnaireResponse(patient_id=patient.id, instrument=instrument, completed_at=utcnow(),
                              total=total, band="minimal", source="clinician",
                              entered_by_id=clinician.id)
    db.session.add(r)
    db.session.flush()
    return r


@pytest.mark.parametrize("instrument, total", [("phq9", 28), ("gad7", 22), ("pcl5", 81), ("phq9", -1)])
def test_the_database_refuses_an_impossible_total(clinician, patient, instrument, total):
    with pytest.raises(sa.exc.IntegrityError):
        _response(patient, clinician, instrument, total)
    db.session.rollback()


@pytest.mark.parametrize("instrument, item, value", [
    ("phq9", 10, 0), ("phq9", 0, 0), ("phq9", 1, 4), ("gad7", 8, 0), ("gad7", 1, -1),
    ("pcl5", 21, 0), ("pcl5", 1, 5)])
def test_the_database_refuses_an_impossible_answer(clinician, patient, instrument, item, value):
    r = _response(patient, clinician, instrument)
    db.session.add(QuestionnaireAnswer(response_id=r.id, instrument=instrument, item=item,
                                       value=value))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_database_refuses_an_answer_of_another_instrument(clinician, patient):
    r = _response(patient, clinician, "gad7")
    # a PCL-5-sized answer on a GAD-7 response: the composite key ties the answer's instrument
    db.session.add(QuestionnaireAnswer(response_id=r.id, instrument="pcl5", item=20, value=4))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_database_refuses_two_answers_to_one_item(clinician, patient):
    r = _response(patient, clinician, "gad7")
    db.session.add_all([QuestionnaireAnswer(response_id=r.id, instrument="gad7", item=1, value=0),
                        QuestionnaireAnswer(response_id=r.id, instrument="gad7", item=1, value=1)])
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_database_refuses_a_second_flag_for_one_source(clinician, patient):
    response, _flag = services.record_questionnaire(patient, "phq9", [0] * 8 + [1],
                                                   source="clinician", entered_by=clinician)
    db.session.add(SafetyFlag(patient_id=patient.id, source="phq9_item9", source_id=response.id,
                              summary="again"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
