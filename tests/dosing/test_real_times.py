"""Times entered through a form keep the instant: a pre-filled "now" sent unchanged is the moment
of the submission (seconds included), a stored time sent back unchanged keeps its seconds, and a
time the clinician typed is kept as typed. What was scheduled carries over to the start."""
from __future__ import annotations

import html
import re
from datetime import date, timedelta

import sqlalchemy as sa

from tests import factories as make
from tests.dosing.builders import dosed_session, local, scheduled_session
from tracker.continuity import queries
from tracker.continuity.rules import RULES
from tracker.continuity.scope import Scope
from tracker.core.sessions import DosingSession
from tracker.db import utcnow
from tracker.dosing.models import SessionNote
from tracker.extensions import db
from tracker.intention.models import Intention
from tracker.patients.journey import journey_rows, session_journeys


def fresh(session_id) -> DosingSession:
    return db.session.get(DosingSession, session_id)


def input_value(page: str, name: str) -> str:
    """The value an <input name=...> of the page was filled with."""
    tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    assert tag, f"no input {name}"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else ""


def selected_option(page: str, name: str) -> str:
    select = re.search(rf'<select[^>]*\bname="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no select {name}"
    chosen = re.search(r'<option[^>]*\bselected[^>]*\bvalue="([^"]*)"|'
                       r'<option[^>]*\bvalue="([^"]*)"[^>]*\bselected', select.group(1))
    assert chosen, f"nothing selected in {name}"
    return chosen.group(1) or chosen.group(2)


def as_shown(page: str, prefix: str, *names: str) -> dict:
    """A prefixed form's fields (and their shown-value companions) sent as the page filled them."""
    data = {}
    for name in names:
        data[f"{prefix}-{name}"] = input_value(page, f"{prefix}-{name}")
        if f'name="{prefix}-{name}-shown"' in page:
            data[f"{prefix}-{name}-shown"] = input_value(page, f"{prefix}-{name}-shown")
    return data


def _intention_state(session, clinic) -> str:
    scope = Scope.for_clinic(clinic, utcnow(), date.today() - timedelta(days=7),
                             date.today() + timedelta(days=1))
    rows = db.session.execute(queries.rule_items(RULES["intention_before_start"], scope)).all()
    return {row.item_id: row.state for row in rows}[session.id]


def test_intention_then_start_within_the_minute_is_on_time(login_as, clinic, clinician, patient):
    session = scheduled_session(patient, clinician)
    intention = db.session.scalar(sa.select(Intention).where(Intention.session_id == session.id))
    # Saved a moment after the minute began: a start cut to the minute would come before it.
    intention.created_at = utcnow().replace(second=0, microsecond=0) + timedelta(microseconds=1)
    db.session.commit()
    client = login_as(clinician)
    page = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    data = as_shown(page, "start", "started_at")
    assert data["start-started_at"] == data["start-started_at-shown"] != ""
    data.update({"start-clinician_id": str(clinician.id), "start-room": "Room 2"})
    before = utcnow()
    assert client.post(f"/sessions/{session.id}/start", data=data).status_code == 302
    started = fresh(session.id).started_at
    assert before <= started <= utcnow()  # the instant of "Start the session", not the minute
    assert started >= intention.created_at

    assert _intention_state(session, clinic) == "compliant"
    rows = db.session.execute(journey_rows(patient.id, clinic=clinic, now=utcnow(),
                                           today=date.today())).all()
    assert session_journeys(rows, clinic=clinic)[0].state("intention") == "compliant"
    chart = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    intention_row = re.search(r'<span class="stage-name">1\. Intention</span>\s*'
                              r'<span class="state-badge [^"]*" data-state="([a-z_]+)">(.*?)'
                              r'<span class="stage-detail', chart, re.S)
    assert intention_row.group(1) == "compliant"
    assert re.sub(r"<[^>]+>", "", intention_row.group(2)).strip() == "On time"


def test_a_start_time_typed_by_the_clinician_is_kept(login_as, clinician, scheduled):
    client = login_as(clinician)
    page = client.get(f"/sessions/{scheduled.id}").get_data(as_text=True)
    data = as_shown(page, "start", "started_at")
    typed = (utcnow() - timedelta(minutes=25)).replace(second=0, microsecond=0)
    data.update({"start-started_at": local(typed), "start-clinician_id": str(clinician.id)})
    assert client.post(f"/sessions/{scheduled.id}/start", data=data).status_code == 302
    assert fresh(scheduled.id).started_at == typed


def test_corrections_keep_the_seconds_of_times_sent_back_unchanged(login_as, clinician, patient):
    session = dosed_session(patient, clinician)
    started, ended = session.started_at, session.ended_at
    # A precondition, genuinely either: the builder takes the clock's instant, and which of its
    # parts is not zero depends on when the test runs; a round minute would prove nothing below.
    assert started.second or started.microsecond
    db.session.commit()
    client = login_as(clinician)
    page = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    data = as_shown(page, "details", "started_at", "ended_at", "room", "version")
    data.update({"details-clinician_id": str(clinician.id), "details-room": "Room 3"})
    assert client.post(f"/sessions/{session.id}/details", data=data).status_code == 302
    stored = fresh(session.id)
    assert (stored.started_at, stored.ended_at, stored.room) == (started, ended, "Room 3")


def test_a_note_time_left_as_filled_is_the_moment_it_was_saved(login_as, clinician, patient):
    session = dosed_session(patient, clinician, ended=False, notes=0)
    db.session.commit()
    client = login_as(clinician)
    page = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    data = as_shown(page, "note", "noted_at")
    data.update({"note-kind": "observation", "note-text": "Settled, eyes closed."})
    before = utcnow()
    assert client.post(f"/sessions/{session.id}/notes", data=data).status_code == 302
    noted = db.session.scalar(sa.select(SessionNote.noted_at)
                              .where(SessionNote.session_id == session.id))
    assert before <= noted <= utcnow()


def test_a_time_the_clocks_skip_is_refused_with_a_reason(login_as, clinician, scheduled):
    client = login_as(clinician)
    response = client.post(f"/sessions/{scheduled.id}/start", data={
        "start-started_at": "2024-03-10T02:30", "start-clinician_id": str(clinician.id)})
    assert response.status_code == 422
    assert "does not exist in America/New_York" in response.get_data(as_text=True)
    assert fresh(scheduled.id).started_at is None


# --- what was scheduled carries over --------------------------------------------------------

def test_the_scheduled_room_and_guide_fill_the_start_form(login_as, clinic, clinician, patient):
    colleague = make.user(clinic, "clinician", name="Robin Colleague")
    patient_team = make.patient(clinic, clinicians=[clinician, colleague])
    session = scheduled_session(patient_team, colleague)
    session.room = "Room 2"
    db.session.commit()
    client = login_as(clinician)
    page = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert input_value(page, "start-room") == "Room 2"
    assert selected_option(page, "start-clinician_id") == str(colleague.id)

    data = as_shown(page, "start", "started_at", "room")
    data["start-clinician_id"] = selected_option(page, "start-clinician_id")
    assert client.post(f"/sessions/{session.id}/start", data=data).status_code == 302
    stored = fresh(session.id)
    assert (stored.room, stored.clinician_id) == ("Room 2", colleague.id)
    assert "Room 2" in client.get(f"/sessions/{session.id}").get_data(as_text=True)
