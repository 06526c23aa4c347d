"""Who has seen my record: the audit events about me, in plain words, paginated."""
import sqlalchemy as sa

from tests.conftest import page_text
from tracker.core.audit.models import AuditEvent
from tracker.core.audit.service import record_event
from tracker.extensions import db


def _staff_reads(patient, user, n=1, action="read", record_type="patient", outcome="success"):
    for _ in range(n):
        record_event(action, record_type, patient.id, patient_id=patient.id, user=user, outcome=outcome)
    db.session.commit()


def test_staff_reads_show_when_who_and_what_in_plain_words(login_as, patient_user, patient, clinician, lead):
    _staff_reads(patient, clinician)
    _staff_reads(patient, lead, action="update", record_type="follow_up")
    text = page_text(login_as(patient_user).get("/me/record-access"))
    assert "Casey Clinician (Clinician)" in text and "Looked at your record" in text
    assert "Lee Lead (Clinic lead)" in text and "Changed a follow-up" in text
    assert text.index("Lee Lead") < text.index("Casey Clinician")  # newest first
    assert "Done" not in text  # only an outcome out of the ordinary is said


def test_no_ip_addresses(login_as, patient_user, patient):
    client = login_as(patient_user)
    client.get("/me/")
    body = client.get("/me/record-access?mine=1").get_data(as_text=True)
    ips = set(db.session.scalars(sa.select(AuditEvent.ip_address).where(
        AuditEvent.patient_id == patient.id, AuditEvent.ip_address.is_not(None))))
    assert ips and "Looked at your journey page" in page_text(client.get("/me/record-access?mine=1"))
    assert not any(ip in body for ip in ips)


def test_my_own_events_are_hidden_unless_asked_for(login_as, patient_user, patient, clinician):
    client = login_as(patient_user)
    client.get("/me/")
    assert "Looked at your journey page" not in page_text(client.get("/me/record-access"))
    text = page_text(client.get("/me/record-access?mine=1"))
    assert "You Looked at your journey page" in text


def test_another_patients_events_never_show(login_as, patient_user, patient, patient2, clinician2):
    _staff_reads(patient2, clinician2, 3)
    text = page_text(login_as(patient_user).get("/me/record-access?mine=1"))
    assert "Dana Otherclinician" not in text and "Blair" not in text


def test_the_list_is_paginated(login_as, patient_user, patient, clinician, app):
    per_page = app.config["PAGE_SIZE"]
    _staff_reads(patient, clinician, per_page + 3)
    client = login_as(patient_user)
    first = page_text(client.get("/me/record-access"))
    assert first.count("Casey Clinician (Clinician)") == per_page and "Page 1 of 2" in first
    second = page_text(client.get("/me/record-access?page=2"))
    assert second.count("Casey Clinician (Clinician)") == 3
    assert client.get("/me/record-access?page=99").status_code == 200


def test_refused_and_unknown_actions_still_read_plainly(login_as, patient_user, patient, clinician):
    _staff_reads(patient, clinician, action="frobnicate_widget", record_type="strange_thing",
                 outcome="denied")
    text = page_text(login_as(patient_user).get("/me/record-access"))
    assert "Frobnicate widget strange thing" in text and "Refused: they had no access" in text


def test_the_access_log_runs_the_same_number_of_queries_for_n_and_3n_events(
        login_as, patient_user, patient, clinician, lead, count_queries):
    client = login_as(patient_user)

    def count():
        with count_queries() as q:
            assert client.get("/me/record-access").status_code == 200
        return q.count
    _staff_reads(patient, clinician, 3)
    small = count()
    _staff_reads(patient, lead, 9)
    assert count() == small
