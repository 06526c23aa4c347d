"""Signing the in-session record; signed content is refused by the server; addenda."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import page_text
from tests.dosing.builders import dosed_session, first_note, form, full_record, local
from tracker.core.audit.models import AuditEvent
from tracker.core.sessions import DosingSession
from tracker.core.signing.models import Addendum
from tracker.core.signing.service import content_hash
from tracker.db import utcnow
from tracker.dosing import queries, recording, services
from tracker.dosing.models import AdverseEvent, Discharge, SessionNote, VitalSign
from tracker.extensions import db
from tracker.rules import Refused


def reloaded(session_id) -> DosingSession:
    db.session.expire_all()
    return db.session.scalar(queries.session_record(session_id))


def snapshot(session_id):
    """Everything the signature covers, as the database holds it now."""
    return services.session_record_content(reloaded(session_id))


def test_signing_records_signer_time_and_a_hash_of_everything(login_as, clinician, patient):
    session = full_record(dosed_session(patient, clinician), clinician)
    response = login_as(clinician).post(f"/sessions/{session.id}/sign")
    assert response.status_code == 302 and response.headers["Location"].endswith("#signature")
    stored = reloaded(session.id)
    assert stored.signed_by_id == clinician.id and stored.signed_at is not None
    content = services.session_record_content(stored)
    assert stored.content_hash == content_hash(content)
    # 1 note from dosed_session + 3 of each from full_record
    assert [len(content[k]) for k in ("notes", "vitals", "sedation_ratings", "adverse_events")] == [4, 3, 3, 3]
    assert content["discharge"]["escort_name"] == "Sam Escort"
    [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "sign")).all()
    assert (event.record_type, event.record_id, event.user_id) == ("dosing_session", session.id, clinician.id)


def test_the_page_shows_the_hash_and_that_it_still_matches(login_as, clinician, signed):
    page = page_text(login_as(clinician).get(f"/sessions/{signed.id}"))
    assert reloaded(signed.id).content_hash in page
    assert "still matches this hash" in page and "Signed by Casey Clinician" in page


@pytest.mark.parametrize("table, column, value", [
    (SessionNote.__table__, "text", "rewritten"),
    (VitalSign.__table__, "systolic", 119),
    (AdverseEvent.__table__, "severity", "severe"),
    (Discharge.__table__, "observation_minutes", 30),
    (DosingSession.__table__, "lot_number", "FORGED"),
])
def test_a_change_behind_the_apps_back_shows_as_a_mismatch(login_as, clinician, signed, table,
                                                          column, value):
    db.session.execute(sa.update(table).values({column: value}))
    db.session.commit()
    response = login_as(clinician).get(f"/sessions/{signed.id}")
    assert "does not match the hash taken at signing" in page_text(response)


def test_signing_needs_the_end_and_the_medication(login_as, clinician, patient):
    session = dosed_session(patient, clinician, ended=False)
    response = login_as(clinician).post(f"/sessions/{session.id}/sign")
    assert response.status_code == 422 and "Record the end of the session" in page_text(response)
    assert reloaded(session.id).signed_at is None


def _now():
    return local(utcnow() - timedelta(minutes=1))


EDITS = [
    ("start", lambda s, c: form("start", started_at=_now(), clinician_id=c.id,
                                override_reason="x")),
    ("end", lambda s, c: form("end", ended_at=_now())),
    ("details", lambda s, c: form("details", started_at=local(s.started_at), ended_at=_now(),
                                  clinician_id=c.id, room="Moved", version=s.version)),
    ("medication", lambda s, c: form("medication", medication="ketamine", route="iv",
                                     dose_mg="50", weight_kg="70", infusion_minutes="40",
                                     version=s.version)),
    ("notes", lambda s, c: form("note", noted_at=_now(), kind="observation", text="Late note")),
    ("vitals", lambda s, c: form("vitals", measured_at=_now(), phase="other", systolic="190")),
    ("sedation", lambda s, c: form("sedation", rated_at=_now(), moaas="2")),
    ("adverse-events", lambda s, c: form("event", occurred_at=_now(), kind="vomiting",
                                         severity="severe")),
    ("discharge", lambda s, c: form("discharge", discharged_at=_now(), escort_name="Sam",
                                    no_driving_acknowledged="y")),
    ("sign", lambda s, c: {}),
    ("notes/{nid}/edit", lambda s, c: form("note", noted_at=_now(), kind="observation",
                                           text="Rewritten")),
    ("notes/{nid}/share", lambda s, c: {}),
    ("notes/{nid}/unshare", lambda s, c: {}),
    # Invalid input to a signed record is refused as signed, not as mistyped.
    ("notes", lambda s, c: form("note", noted_at=_now(), kind="observation", text="")),
]
# The action each edit's successful path records, which its refusal is audited as.
ACTIONS = {"start": "start", "end": "end", "details": "update", "medication": "record_medication",
           "notes": "create", "vitals": "create", "sedation": "create", "adverse-events": "create",
           "discharge": "update", "sign": "sign", "notes/{nid}/edit": "update",
           "notes/{nid}/share": "share", "notes/{nid}/unshare": "unshare"}


@pytest.mark.parametrize("path, data", EDITS, ids=[p for p, _ in EDITS])
def test_every_edit_route_refuses_a_signed_record(login_as, clinician, signed, path, data):
    before = snapshot(signed.id)
    hash_before = reloaded(signed.id).content_hash
    url = f"/sessions/{signed.id}/" + path.format(nid=first_note(signed).id)
    response = login_as(clinician).post(url, data=data(reloaded(signed.id), clinician))
    assert response.status_code == 409
    assert "is signed and can no longer be edited. Add an addendum instead." in page_text(response)
    assert snapshot(signed.id) == before
    assert reloaded(signed.id).content_hash == hash_before
    # the refused attempt: one event, its real action (never "read"), the patient, "failure"
    refused = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.outcome != "success")).all()
    assert [(e.outcome, e.patient_id) for e in refused] == [("failure", signed.patient_id)]
    assert refused[0].action == ACTIONS[path]


def test_the_edit_page_of_a_signed_note_offers_no_form(login_as, clinician, signed):
    response = login_as(clinician).get(f"/sessions/{signed.id}/notes/{first_note(signed).id}/edit")
    assert response.status_code == 200
    assert "can no longer be edited" in page_text(response)
    assert "<textarea" not in response.get_data(as_text=True)


def test_the_signed_page_offers_no_edit_form(login_as, clinician, signed):
    html = login_as(clinician).get(f"/sessions/{signed.id}").get_data(as_text=True)
    for action in ("start", "end", "details", "medication", "notes", "vitals", "sedation",
                   "adverse-events", "discharge", "sign"):
        assert f'action="/sessions/{signed.id}/{action}"' not in html
    assert f'action="/records/dosing_session/{signed.id}/addenda"' in html


def test_services_refuse_a_signed_record_whoever_calls_them(app, clinician, signed):
    session = reloaded(signed.id)
    note = first_note(signed)
    now = utcnow()
    calls = [
        lambda: services.start_session(session, started_at=now, clinician_id=clinician.id,
                                       room=None, override_reason="x", user=clinician),
        lambda: services.end_session(session, ended_at=now, user=clinician),
        lambda: services.record_discharge(session, discharged_at=now, escort_name="Sam",
                                          no_driving_acknowledged=True,
                                          vitals_override_reason=None, user=clinician),
        lambda: services.sign_session_record(session, clinician),
        lambda: recording.add_session_note(session, noted_at=now, kind="observation",
                                           text="x", user=clinician),
        lambda: recording.update_session_note(session, note, noted_at=now, kind="observation",
                                              text="x", user=clinician),
        lambda: recording.share_session_note(session, note, shared=True, user=clinician),
        lambda: recording.record_sedation(session, rated_at=now, moaas=1, dissociation=None,
                                          user=clinician),
    ]
    for call in calls:
        with pytest.raises(Refused, match="is signed"):
            call()


# --- addenda ----------------------------------------------------------------------------------

def _addendum(client, session, **values):
    data = dict(reason="Late entry", text="Patient reported mild headache at 14:10, resolved.")
    data.update(values)
    return client.post(f"/records/dosing_session/{session.id}/addenda",
                       data=form("addendum", **data))


def test_an_addendum_is_shown_beside_the_signed_record(login_as, clinician, signed):
    client = login_as(clinician)
    response = _addendum(client, signed)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sessions/{signed.id}#signature")
    [addendum] = db.session.scalars(sa.select(Addendum)).all()
    assert (addendum.record_type, addendum.record_id, addendum.author_id) == (
        "dosing_session", signed.id, clinician.id)
    page = page_text(client.get(f"/sessions/{signed.id}"))
    assert "Reason: Late entry" in page and "mild headache at 14:10" in page
    assert "Casey Clinician" in page
    # The addendum sits beside the record: the signed content and its hash are unchanged.
    assert "still matches this hash" in page


def test_an_unsigned_record_takes_no_addendum(login_as, clinician, dosed):
    response = _addendum(login_as(clinician), dosed)
    assert response.status_code == 409
    assert "Only a signed record takes an addendum" in page_text(response)
    assert db.session.scalars(sa.select(Addendum)).all() == []


@pytest.mark.parametrize("values, message", [
    ({"reason": ""}, "Say why the record needs an addendum."),
    ({"text": "  "}, "Type the addendum."),
    ({"text": "y" * 100_000}, "Keep this under 10,000 characters"),
    ({"reason": "r" * 501}, "Field cannot be longer than 500 characters."),
])
def test_bad_addenda_are_refused_and_the_text_kept(login_as, clinician, signed, values, message):
    response = _addendum(login_as(clinician), signed, **values)
    assert response.status_code == 422
    assert message in page_text(response)
    typed = values.get("text", "Patient reported mild headache")
    if typed.strip():
        assert typed[:1000] in response.get_data(as_text=True)
    assert db.session.scalars(sa.select(Addendum)).all() == []
