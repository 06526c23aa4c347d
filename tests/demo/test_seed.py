"""The demo clinic: `flask seed-demo` fills an empty database once, never in production, and
the clinic it builds holds every stage of the journey at the points DESIGN.md describes."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import login
from tracker import create_app
from tracker.auth.passwords import verify_password
from tracker.care.models import (
    FollowUp,
    QuestionnaireAnswer,
    QuestionnaireAssignment,
    QuestionnaireResponse,
)
from tracker.care.scoring import band_for, change_from_baseline
from tracker.core.audit.service import verify_chain
from tracker.core.clinic import DEFAULT_CRISIS_TEXT, Clinic
from tracker.core.flags import SafetyFlag
from tracker.core.patients import CareTeamMember, Patient, TreatmentCourse
from tracker.core.sessions import DosingSession
from tracker.core.signing.models import Addendum
from tracker.core.users import User
from tracker.db import utcnow
from tracker.demo.seed import DEMO_LOGINS, SeedRefused, refuse_in_production, seed_demo_clinic
from tracker.dosing.models import AdverseEvent, Discharge, SedationRating, SessionNote, VitalSign
from tracker.extensions import db
from tracker.integration.models import (
    Debrief,
    GoalProgress,
    IntegrationTask,
    Reflection,
    ReflectionRevision,
    TaskCompletion,
)
from tracker.intention.models import Goal, Intention, IntentionFocus


@pytest.fixture
def seeded(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _user(email) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _patient_ids(clinician) -> set[int]:
    return set(db.session.scalars(sa.select(CareTeamMember.patient_id)
                                  .where(CareTeamMember.clinician_id == clinician.id)))


# --- the command ------------------------------------------------------------------------------

def test_seeding_an_empty_database_says_what_it_made(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "12 patients" in result.output and "lead@demo.test" in result.output


def test_a_second_run_is_refused_and_if_empty_is_a_quiet_no_op(seeded, runner):
    users = _count(User)
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code != 0
    assert "already holds data" in again.output
    quiet = runner.invoke(args=["seed-demo", "--if-empty"])
    assert quiet.exit_code == 0 and quiet.output == ""
    assert _count(User) == users


def test_the_seed_refuses_in_production_settings(app):
    from config import ProductionConfig

    class ProductionLike(ProductionConfig):
        SECRET_KEY = "p" * 40
        AUDIT_KEY = "9c4e1b7a2f6d8e0c3a5b7d9f1e3c5a7b"
        SQLALCHEMY_DATABASE_URI = "sqlite://"

        @classmethod
        def validate(cls):
            return None

    prod = create_app(ProductionLike)
    try:
        with prod.app_context():
            result = prod.test_cli_runner().invoke(args=["seed-demo"])
            assert result.exit_code != 0
            assert "No such command 'seed-demo'" in result.output  # not registered there
            with pytest.raises(SeedRefused):
                seed_demo_clinic()
            refuse_in_production(app)  # the testing app is not production: no error
    finally:
        with prod.app_context():
            db.engine.dispose()
    assert _count(User) == 0


def test_the_build_is_deterministic(app):
    def fingerprint():
        seed_demo_clinic()
        rows = db.session.execute(
            sa.select(Patient.record_number, sa.func.count(TaskCompletion.id))
            .outerjoin(TaskCompletion, TaskCompletion.patient_id == Patient.id)
            .group_by(Patient.record_number).order_by(Patient.record_number)).all()
        answers = db.session.scalars(sa.select(QuestionnaireAnswer.value)
                                     .order_by(QuestionnaireAnswer.id)).all()
        lots = db.session.scalars(sa.select(DosingSession.lot_number).order_by(DosingSession.id)).all()
        db.session.rollback()
        return rows, answers, lots

    assert fingerprint() == fingerprint()


# --- the logins -------------------------------------------------------------------------------

def test_the_five_demo_logins_sign_in_with_the_demo_password(seeded, app, client):
    password = app.config["DEMO_PASSWORD"]
    roles = {}
    for email in DEMO_LOGINS:
        user = _user(email)
        assert user is not None and user.active, email
        assert verify_password(user.password_hash, password)
        roles[email] = user.role
        response = login(client, email, password)
        assert response.status_code == 302, email
        # the password alone: the demo clinic does not require two-factor sign-in
        assert not response.location.endswith("/login/second-factor"), email
        assert client.get("/").status_code == 302 and "two-factor" not in client.get("/").location
        client.post("/logout")
    assert roles == {"lead@demo.test": "lead", "therapist@demo.test": "clinician",
                     "therapist2@demo.test": "clinician", "patient@demo.test": "patient",
                     "patient2@demo.test": "patient"}
    # One argon2 hash, reused: hashing is slow, and every demo account has the same password.
    hashes = set(db.session.scalars(sa.select(User.password_hash).where(User.password_hash.is_not(None))))
    assert len(hashes) == 1


def test_the_demo_shows_sessions_that_end_and_throttled_guessing(seeded, app, client):
    """Issue 11 in the demo: therapist2 is told of yesterday's guesses at sign-in; the lead's
    audit trail holds the alert and the nurse's ended sessions."""
    from tracker.core.audit.models import AuditEvent

    response = login(client, "therapist2@demo.test", app.config["DEMO_PASSWORD"], follow=True)
    assert "There were 6 failed sign-in attempts on your account" in response.get_data(as_text=True)
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"failed_sign_in_alert", "end_sessions", "sign_out"} <= actions


# --- the clinic and its care teams -------------------------------------------------------------

def test_the_clinic_and_care_teams(seeded):
    clinic = db.session.scalar(sa.select(Clinic))
    assert clinic.timezone == "America/New_York" and clinic.crisis_text == DEFAULT_CRISIS_TEXT
    assert _count(Patient) >= 8
    therapist, therapist2 = _user("therapist@demo.test"), _user("therapist2@demo.test")
    mine, theirs = _patient_ids(therapist), _patient_ids(therapist2)
    for email in ("patient@demo.test", "patient2@demo.test"):
        assert db.session.scalar(sa.select(Patient.id).join(User, User.id == Patient.user_id)
                                 .where(User.email == email)) in mine
    assert mine.isdisjoint(theirs) and len(theirs) >= 3
    assert _count(User, User.active.is_(False)) == 1  # a deactivated former clinician
    # every patient has exactly one primary clinician
    primaries = db.session.execute(sa.select(CareTeamMember.patient_id, sa.func.count())
                                   .where(CareTeamMember.is_primary).group_by(CareTeamMember.patient_id)).all()
    assert len(primaries) == _count(Patient) and all(n == 1 for _, n in primaries)


# --- the journeys -----------------------------------------------------------------------------

def test_one_patient_prepares_for_a_first_session_with_an_intention(seeded):
    now = utcnow()
    held = sa.select(DosingSession.patient_id).where(DosingSession.status == "completed")
    upcoming = db.session.scalars(
        sa.select(Intention).join(DosingSession, DosingSession.id == Intention.session_id)
        .where(DosingSession.scheduled_at > now, DosingSession.patient_id.not_in(held))).all()
    assert upcoming
    intention = upcoming[0]
    assert intention.goals and intention.focus_areas and intention.intention_text
    assert not intention.checklist_complete  # preparation under way


def test_one_patient_mid_course_has_a_late_debrief(seeded):
    late = db.session.execute(
        sa.select(Debrief, DosingSession).join(DosingSession, DosingSession.id == Debrief.session_id)
        .join(TreatmentCourse, TreatmentCourse.id == DosingSession.course_id)
        .where(TreatmentCourse.status == "active")).all()
    assert any(d.held_at - s.ended_at > timedelta(hours=72) for d, s in late)


def test_one_patient_has_integration_tasks_overdue_by_more_than_a_week(seeded):
    today = utcnow().date()
    done = sa.select(TaskCompletion.task_id)
    overdue = _count(IntegrationTask, IntegrationTask.repeat == "none",
                     IntegrationTask.due_on < today - timedelta(days=7), IntegrationTask.id.not_in(done))
    assert overdue >= 2


def test_one_active_patient_is_lost_to_follow_up(seeded):
    now = utcnow()
    contact = sa.func.max(FollowUp.completed_at)
    last = dict(db.session.execute(
        sa.select(Patient.id, contact).join(FollowUp, FollowUp.patient_id == Patient.id, isouter=True)
        .where(Patient.status == "active").group_by(Patient.id)).all())
    last_session = dict(db.session.execute(
        sa.select(DosingSession.patient_id, sa.func.max(DosingSession.ended_at))
        .group_by(DosingSession.patient_id)).all())
    lost = [pid for pid, at in last.items()
            if at is not None and now - at > timedelta(days=30)
            and (last_session.get(pid) is None or now - last_session[pid] > timedelta(days=30))]
    assert len(lost) == 1
    assert _count(FollowUp, FollowUp.patient_id == lost[0], FollowUp.outcome == "missed") >= 1


def test_one_patient_finished_a_course_with_phq9_falling_into_remission(seeded):
    finished = db.session.scalars(sa.select(TreatmentCourse.patient_id)
                                  .where(TreatmentCourse.status == "completed")).all()
    found = False
    for pid in finished:
        totals = db.session.scalars(
            sa.select(QuestionnaireResponse.total).where(QuestionnaireResponse.patient_id == pid,
                                                         QuestionnaireResponse.instrument == "phq9")
            .order_by(QuestionnaireResponse.completed_at)).all()
        if totals and totals[0] >= 18 and totals[-1] <= 5:
            change = change_from_baseline("phq9", totals[0], totals[-1])
            found = change.response and change.remission
    assert found


def test_every_stage_is_filled_in(seeded):
    assert _count(IntentionFocus) and _count(Goal) and _count(GoalProgress)
    assert _count(Intention, Intention.checklist_completed_at.is_not(None))
    assert _count(DosingSession, DosingSession.checklist_override_reason.is_not(None)) == 1
    complete = (DosingSession.medication.is_not(None), DosingSession.route.is_not(None),
                DosingSession.dose_mg.is_not(None), DosingSession.weight_kg.is_not(None),
                DosingSession.lot_number.is_not(None))
    held = _count(DosingSession, DosingSession.status == "completed")
    assert held >= 30 and _count(DosingSession, DosingSession.status == "completed", *complete) == held
    assert {m for m in db.session.scalars(sa.select(DosingSession.route).distinct()) if m} >= {"iv", "im", "intranasal"}
    assert _count(SessionNote, SessionNote.shared_with_patient.is_(True)) >= 1
    assert _count(SessionNote, SessionNote.kind == "adverse_event") >= 1
    assert _count(VitalSign, VitalSign.systolic >= 160) >= 2  # one flag-level, one alert-level
    assert _count(SedationRating) and _count(AdverseEvent) >= 2
    assert _count(Discharge) == held
    signed = db.session.scalars(sa.select(DosingSession).where(DosingSession.signed_at.is_not(None))).all()
    assert signed and all(len(s.content_hash) == 64 and s.signed_by_id for s in signed)
    assert len(signed) < held  # some are awaiting a signature
    assert _count(Debrief, Debrief.signed_at.is_not(None)) >= 20
    assert _count(Addendum) == 1
    assert set(db.session.scalars(sa.select(IntegrationTask.repeat).distinct())) == {"none", "daily", "weekly"}
    assert _count(TaskCompletion, TaskCompletion.outcome == "done") >= 50
    assert _count(TaskCompletion, TaskCompletion.outcome == "skipped") >= 1
    assert _count(Reflection) >= 4 and _count(ReflectionRevision) == 1
    edited = db.session.scalar(sa.select(Reflection).join(ReflectionRevision))
    assert edited.version == 2
    outcomes = set(db.session.scalars(sa.select(FollowUp.outcome).distinct()))
    assert {"completed", "missed", "scheduled"} <= outcomes
    assert _count(FollowUp, FollowUp.outcome == "scheduled", FollowUp.scheduled_at > utcnow()) >= 5
    assert _count(QuestionnaireAssignment, QuestionnaireAssignment.instrument == "pcl5",
                  QuestionnaireAssignment.response_id.is_(None)) == 1
    assert _count(SafetyFlag, SafetyFlag.acknowledged_at.is_(None)) >= 1
    assert _count(SafetyFlag, SafetyFlag.acknowledged_at.is_not(None)) >= 1


def test_questionnaire_totals_match_their_answers(seeded):
    responses = db.session.scalars(sa.select(QuestionnaireResponse)).all()
    sums = dict(db.session.execute(sa.select(QuestionnaireAnswer.response_id,
                                             sa.func.sum(QuestionnaireAnswer.value))
                                   .group_by(QuestionnaireAnswer.response_id)).all())
    assert {r.instrument for r in responses} == {"phq9", "gad7", "pcl5"}
    for r in responses:
        assert sums[r.id] == r.total and r.band == band_for(r.instrument, r.total)
    item9 = db.session.scalars(sa.select(QuestionnaireAnswer.response_id)
                               .where(QuestionnaireAnswer.instrument == "phq9",
                                      QuestionnaireAnswer.item == 9, QuestionnaireAnswer.value > 0)).all()
    flagged = set(db.session.scalars(sa.select(SafetyFlag.source_id).where(SafetyFlag.source == "phq9_item9")))
    assert set(item9) == flagged and flagged


def test_history_is_relative_to_now(seeded):
    now = utcnow()
    first = db.session.scalar(sa.select(sa.func.min(DosingSession.scheduled_at)))
    latest = db.session.scalar(sa.select(sa.func.max(DosingSession.ended_at)))
    assert timedelta(days=28) < now - first < timedelta(days=120)
    assert now - latest < timedelta(days=7)
    assert latest.tzinfo is not None and latest.utcoffset() == timedelta(0)
    assert _count(DosingSession, DosingSession.scheduled_at > now) >= 3


def test_the_seeded_audit_trail_is_a_valid_chain(seeded):
    report = verify_chain()
    assert report.ok and report.checked > 500


def test_every_demo_flag_has_its_delivered_emails_and_notices(seeded):
    from tracker.core.notices import StaffNotice
    from tracker.core.outbox import Message

    flags = db.session.scalars(sa.select(SafetyFlag)).all()
    told = set(db.session.scalars(sa.select(Message.flag_id).where(Message.kind == "safety_flag")))
    assert told == {f.id for f in flags}
    assert _count(Message, Message.status != "sent") == 0  # nothing old is sent by the worker
    lead = _user("lead@demo.test")
    assert _count(StaffNotice, StaffNotice.user_id == lead.id, StaffNotice.kind == "escalation") >= 1
    therapist = _user("therapist@demo.test")
    assert _count(StaffNotice, StaffNotice.user_id == therapist.id, StaffNotice.read_at.is_(None)) >= 1


def test_the_demo_patient_has_chosen_reminders(seeded):
    from tracker.core.reminders import ReminderPreference

    pref = db.session.scalars(sa.select(ReminderPreference)).one()
    patient = db.session.get(Patient, pref.patient_id)
    assert patient.user_id == _user("patient@demo.test").id
    assert (pref.enabled, pref.hour, pref.quiet_start, pref.quiet_end) == (True, 18, 22, 7)


def test_the_lead_sees_refusals_and_unknown_email_sign_ins(seeded, app, client):
    from tests.conftest import page_text

    login(client, "lead@demo.test", app.config["DEMO_PASSWORD"])
    text = page_text(client.get("/lead/audit?outcome=denied"))
    assert "Page lead.settings" in text and "Dr. Ravi Singh" in text
    text = page_text(client.get("/lead/audit?action=sign_in&outcome=failure"))
    assert text.count("203.0.113.77") == 4


def test_an_esketamine_session_has_a_complete_submitted_rems_form(seeded, app):
    from flask_login import login_user

    from tracker.dosing import queries as dosing_queries
    from tracker.dosing.rems import RemsForm, missing_fields, rems_fields
    forms = db.session.scalars(sa.select(RemsForm).order_by(RemsForm.id)).all()
    assert len(forms) == 3
    submitted = [f for f in forms if f.submitted_at is not None]
    assert len(submitted) == 1 and submitted[0].content_hash
    with app.test_request_context():
        login_user(_user("therapist2@demo.test"))
        for form in forms:
            record = db.session.scalar(dosing_queries.session_page(form.session_id))
            assert record.medication == "esketamine"
            clinic = db.session.get(Clinic, _user("lead@demo.test").clinic_id)
            assert missing_fields(rems_fields(record, form, clinic)) == []


def test_the_leads_dashboard_shows_the_rems_rule(seeded, app):
    client = app.test_client()
    login(client, "lead@demo.test", app.config["DEMO_PASSWORD"])
    html = client.get("/lead/continuity").get_data(as_text=True)
    assert "REMS monitoring form submitted in time" in html
    assert "/lead/continuity/rems_submitted/" in html
