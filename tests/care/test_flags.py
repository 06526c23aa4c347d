"""Safety flags: listed with source and summary, acknowledged with a note, kept in history."""
from __future__ import annotations

import html

import pytest
import sqlalchemy as sa

from tests.care import builders
from tests.conftest import page_text as _page_text
from tracker.care import services
from tracker.core.audit.models import AuditEvent
from tracker.core.flags import SafetyFlag, raise_flag
from tracker.extensions import db
from tracker.rules import Refused


def page_text(response) -> str:
    return html.unescape(_page_text(response))


def test_flags_list_shows_source_and_summary(login_as, lead, care):
    text = page_text(login_as(lead).get(f"/patients/{care.patient.id}/flags"))
    assert "PHQ-9 item 9 above 0" in text
    assert care.flag.summary in text
    assert "1 open" in text and "Waiting for a clinician" in text
    assert "Acknowledge" not in text.replace("Acknowledgement", "")  # leads do not acknowledge


def test_acknowledging_requires_a_note(login_as, clinician, care):
    client = login_as(clinician)
    for note in ("", "   "):
        response = client.post(f"/flags/{care.flag.id}/acknowledge", data={"note": note})
        assert response.status_code == 422
        assert "Write a note: what you did or decided about this flag." in page_text(response)
    db.session.expire_all()
    assert db.session.get(SafetyFlag, care.flag.id).acknowledged_at is None


def test_an_over_long_note_is_refused_and_kept(login_as, clinician, care):
    note = "Called the patient. " * 300
    response = login_as(clinician).post(f"/flags/{care.flag.id}/acknowledge", data={"note": note})
    assert response.status_code == 422
    assert "Keep this under 4,000 characters" in page_text(response)
    assert note.strip() in html.unescape(response.get_data(as_text=True))


def test_acknowledged_flags_stay_in_history(login_as, clinician, care):
    client = login_as(clinician)
    response = client.post(f"/flags/{care.flag.id}/acknowledge",
                           data={"note": "Called; safety plan reviewed."})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/patients/{care.patient.id}/flags")
    db.session.expire_all()
    flag = db.session.get(SafetyFlag, care.flag.id)
    assert (flag.acknowledged_by_id, flag.acknowledgement_note) == \
        (clinician.id, "Called; safety plan reviewed.")
    assert flag.acknowledged_at is not None
    text = page_text(client.get(f"/patients/{care.patient.id}/flags"))
    assert f"{clinician.full_name}: Called; safety plan reviewed." in text
    assert "No open safety flags" in text and "Acknowledged" in text
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "acknowledge"))
    assert (event.record_type, event.record_id, event.user_id) == \
        ("safety_flag", care.flag.id, clinician.id)


def test_a_second_acknowledgement_is_refused_and_the_first_kept(login_as, clinician, care):
    client = login_as(clinician)
    client.post(f"/flags/{care.flag.id}/acknowledge", data={"note": "First."})
    response = client.post(f"/flags/{care.flag.id}/acknowledge", data={"note": "Second."})
    assert response.status_code == 409
    assert "already acknowledged" in page_text(response)
    db.session.expire_all()
    assert db.session.get(SafetyFlag, care.flag.id).acknowledgement_note == "First."


def test_the_service_refuses_a_flag_acknowledged_under_it(clinician, clinician2, care):
    # Two clinicians opened the same open flag; the one who saves second is refused.
    stale = db.session.get(SafetyFlag, care.flag.id)
    db.session.execute(sa.update(SafetyFlag).where(SafetyFlag.id == stale.id).values(
        acknowledged_at=sa.func.current_timestamp(), acknowledged_by_id=clinician2.id,
        acknowledgement_note="Colleague's note."))
    with pytest.raises(Refused) as conflict:
        services.acknowledge_flag(stale, note="Mine.", by=clinician)
    assert conflict.value.status == 409
    assert db.session.scalar(sa.select(SafetyFlag.acknowledgement_note)) == "Colleague's note."


def test_flags_from_every_source_are_listed_open_first(login_as, clinician, care):
    session = care.session
    other = raise_flag(patient_id=care.patient.id, source="vital_alert", source_id=77,
                       summary="BP 186/112 before discharge", session_id=session.id, user=clinician)
    services.acknowledge_flag(other, note="Rechecked: 150/90.", by=clinician)
    raise_flag(patient_id=care.patient.id, source="adverse_event", source_id=5,
               summary="Severe emergence reaction", session_id=session.id, user=clinician)
    db.session.commit()
    text = page_text(login_as(clinician).get(f"/patients/{care.patient.id}/flags"))
    assert "2 open" in text
    assert text.index("Severe adverse event") < text.index("PHQ-9 item 9 above 0") \
        < text.index("Alert-level vital sign")
    assert "Rechecked: 150/90." in text


def test_flags_page_query_count_does_not_grow(login_as, clinician, patient, count_queries):
    client = login_as(clinician)

    def add(n, start):
        for i in range(n):
            flag = raise_flag(patient_id=patient.id, source="vital_alert", source_id=start + i,
                              summary="alert", user=clinician)
            if i % 2:
                services.acknowledge_flag(flag, note="ok", by=clinician)
        db.session.commit()

    add(3, 0)
    with count_queries() as few:
        assert client.get(f"/patients/{patient.id}/flags").status_code == 200
    add(6, 100)
    with count_queries() as many:
        assert client.get(f"/patients/{patient.id}/flags").status_code == 200
    assert few.count == many.count, "\n".join(s[:120] for s in many.statements)


def test_a_lead_reads_the_acknowledge_page_without_a_form(login_as, lead, care):
    response = login_as(lead).get(f"/flags/{care.flag.id}/acknowledge")
    assert response.status_code == 200
    assert "Clinicians on the care team acknowledge safety flags" in page_text(response)
    assert 'name="note"' not in response.get_data(as_text=True)
    assert login_as(lead).post(f"/flags/{care.flag.id}/acknowledge",
                               data={"note": "lead"}).status_code == 403


def test_flag_builder_sanity(clinician, patient):
    response = builders.response(patient, clinician, "phq9", 5, item9=1)
    assert db.session.scalar(sa.select(SafetyFlag.source_id)) == response.id
