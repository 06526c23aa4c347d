"""Who may use each route of the dosing session: role x route, and foreign ids."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests import factories as make
from tests.dosing.builders import dosed_session, first_note, form, local, ready_for_discharge
from tracker.core.audit.models import AuditEvent
from tracker.core.sessions import DosingSession
from tracker.db import utcnow
from tracker.dosing.models import SessionNote
from tracker.extensions import db


def _now():
    return local(utcnow() - timedelta(minutes=1))


def start_data(s, clinician):
    return form("start", started_at=_now(), clinician_id=clinician.id, room="Room 2")


def details_data(s, clinician):
    return form("details", started_at=local(s.started_at), ended_at=local(s.ended_at),
                clinician_id=clinician.id, room="Room 3", version=s.version)


def medication_data(s, clinician):
    return form("medication", medication="ketamine", route="iv", dose_mg="35", weight_kg="70",
                weighed_on=make.RECENT_WEIGHING.isoformat(), infusion_minutes="40",
                lot_number="L1", version=s.version)


ROUTES = [
    # (method, path, data builder, which session)
    ("GET", "/sessions/{sid}", None, "dosed"),
    ("POST", "/sessions/{sid}/start", start_data, "scheduled"),
    ("POST", "/sessions/{sid}/end", lambda s, c: form("end", ended_at=_now()), "dosed"),
    ("POST", "/sessions/{sid}/details", details_data, "dosed"),
    ("POST", "/sessions/{sid}/medication", medication_data, "dosed"),
    ("POST", "/sessions/{sid}/notes",
     lambda s, c: form("note", noted_at=_now(), kind="observation", text="Calm."), "dosed"),
    ("POST", "/sessions/{sid}/vitals",
     lambda s, c: form("vitals", measured_at=_now(), phase="during", systolic="120",
                       diastolic="80"), "dosed"),
    ("POST", "/sessions/{sid}/sedation",
     lambda s, c: form("sedation", rated_at=_now(), moaas="4"), "dosed"),
    ("POST", "/sessions/{sid}/adverse-events",
     lambda s, c: form("event", occurred_at=_now(), kind="nausea", severity="mild"), "dosed"),
    ("POST", "/sessions/{sid}/discharge",
     lambda s, c: ready_for_discharge(s, c) and form(
         "discharge", discharged_at=_now(), escort_name="Sam", no_driving_acknowledged="y"),
     "dosed"),
    ("POST", "/sessions/{sid}/sign", lambda s, c: {}, "dosed"),
    ("GET", "/sessions/{sid}/notes/{nid}/edit", None, "dosed"),
    ("POST", "/sessions/{sid}/notes/{nid}/edit",
     lambda s, c: form("note", noted_at=_now(), kind="intervention", text="Hand held."), "dosed"),
    ("POST", "/sessions/{sid}/notes/{nid}/share", lambda s, c: {}, "dosed"),
    ("POST", "/sessions/{sid}/notes/{nid}/unshare", lambda s, c: {}, "dosed"),
]
IDS = [f"{m} {p.replace('/sessions/{sid}', '') or '/'}" for m, p, _, _ in ROUTES]


def expected_status(role, method, path):
    """The access rule: clinicians on the team change; leads read the session page only."""
    if role == "clinician":
        return 200 if method == "GET" else 302
    if role == "clinician2":
        return 404                       # a clinician, but not on this patient's team
    if role in ("patient_user", "patient2_user"):
        return 403                       # the role never reaches these pages
    reads_page = method == "GET" and path == "/sessions/{sid}"
    if role == "lead":
        return 200 if reads_page else 403
    if role == "intruder":               # a lead of another clinic
        return 404 if reads_page else 403
    raise AssertionError(role)


@pytest.mark.parametrize("role", ["clinician", "lead", "clinician2", "patient_user",
                                  "patient2_user", "intruder"])
@pytest.mark.parametrize("method, path, data, which", ROUTES, ids=IDS)
def test_role_by_route(request, login_as, clinician, scheduled, dosed, patient2, role, method,
                       path, data, which):
    session = scheduled if which == "scheduled" else dosed
    url = path.format(sid=session.id, nid=first_note(dosed).id)
    payload = data(session, clinician) if data else None
    client = login_as(request.getfixturevalue(role))
    response = client.get(url) if method == "GET" else client.post(url, data=payload)
    assert response.status_code == expected_status(role, method, path), response.get_data(as_text=True)[:800]


def test_a_clinician_cannot_reach_another_teams_session(login_as, clinician, clinician2, patient2):
    foreign = dosed_session(patient2, clinician2)
    client = login_as(clinician)
    assert client.get(f"/sessions/{foreign.id}").status_code == 404
    response = client.post(f"/sessions/{foreign.id}/notes",
                           data=form("note", noted_at=_now(), kind="observation", text="x"))
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(SessionNote.id))
                             .where(SessionNote.text == "x")) == 0
    denied = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.outcome == "denied")).all()
    assert {(e.record_type, e.record_id) for e in denied} == {("dosing_session", foreign.id)}


@pytest.mark.parametrize("bad_id", ["999999", "abc", str(2**70), "-1"])
def test_unknown_and_malformed_ids_are_404(login_as, clinician, bad_id):
    client = login_as(clinician)
    assert client.get(f"/sessions/{bad_id}").status_code == 404
    assert client.post(f"/sessions/{bad_id}/notes", data={}).status_code == 404


def test_a_note_of_another_session_is_404_under_this_one(login_as, clinician, patient, dosed):
    other = dosed_session(patient, clinician)
    client = login_as(clinician)
    url = f"/sessions/{dosed.id}/notes/{first_note(other).id}/edit"
    assert client.get(url).status_code == 404
    assert client.post(url, data=form("note", noted_at=_now(), kind="observation",
                                      text="moved")).status_code == 404
    assert first_note(other).text == "Observation 0"


def test_each_read_of_the_session_page_is_audited(login_as, clinician, lead, dosed):
    for user in (clinician, lead):
        client = login_as(user)
        assert client.get(f"/sessions/{dosed.id}").status_code == 200
        client.post("/logout")
    reads = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "read", AuditEvent.record_type == "dosing_session")).all()
    assert {(e.user_id, e.record_id, e.patient_id) for e in reads} == {
        (clinician.id, dosed.id, dosed.patient_id), (lead.id, dosed.id, dosed.patient_id)}


def test_lead_sees_the_record_without_any_form(login_as, lead, dosed):
    html = login_as(lead).get(f"/sessions/{dosed.id}").get_data(as_text=True)
    assert "Observation 0" in html
    assert "<form method=\"post\" action=\"/sessions" not in html
    assert db.session.get(DosingSession, dosed.id).signed_at is None
