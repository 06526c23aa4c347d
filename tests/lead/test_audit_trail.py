"""The access audit trail page and its CSV export: leads only, scoped to the clinic, filters,
keyset paging, the chain's state, a bounded number of queries."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tests import factories as make
from tests.conftest import page_text
from tracker.core.audit.models import AuditEvent
from tracker.core.audit.service import record_event
from tracker.core.users import User
from tracker.db import utcnow
from tracker.extensions import db


def _event_ids(response) -> list[int]:
    """The event ids in the table, top to bottom."""
    body = response.get_data(as_text=True).split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [int(n) for n in re.findall(r"<tr>\s*<td>(\d+)</td>", body)]


@pytest.fixture
def trail(clinic, lead, clinician, clinician2, patient, patient2, intruder):
    """A few events of each kind, for this clinic and for the intruder's."""
    record_event("read", "patient", patient.id, patient_id=patient.id, user=clinician)
    record_event("create", "session_note", 7, patient_id=patient.id, user=clinician)
    record_event("read", "patient", patient2.id, patient_id=patient2.id, user=clinician2)
    record_event("read", "dosing_session", 3, patient_id=patient.id, user=clinician2, outcome="denied")
    record_event("sign_in", "user", lead.id, user=lead)
    record_event("read", "patient", 999, user=intruder, outcome="denied")
    db.session.commit()


ROUTES = ["/lead/audit", "/lead/audit/export.csv"]


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize("role, status", [("lead", 200), ("clinician", 403), ("patient_user", 403),
                                          ("intruder", 200)])
def test_only_leads_see_the_audit_trail(request, client_for, trail, role, status, path):
    response = client_for(request.getfixturevalue(role)).get(path)
    assert response.status_code == status


@pytest.mark.parametrize("path", ROUTES)
def test_a_lead_sees_only_their_clinics_events(client_for, trail, intruder, clinician, path):
    text = client_for(intruder).get(path).get_data(as_text=True)
    assert "clin@test.example" not in text and "Casey Clinician" not in text
    assert "intruder@other.example" in text


def test_reads_and_changes_are_listed_newest_first_with_who_and_whose(client_for, trail, lead):
    response = client_for(lead).get("/lead/audit")
    text = page_text(response)
    # readable names, not codes: "session_note" reads "In-session note", "read" reads "Viewed"
    assert "Casey Clinician" in text and "In-session note #7" in text and "Denied" in text
    assert "Viewed" in text and "session_note" not in text
    assert "Alex Patient" in text and "Ivy Intruder" not in text
    ids = _event_ids(response)
    assert ids == sorted(ids, reverse=True) and len(ids) >= 5


@pytest.mark.parametrize("query, expected", [
    ("user=clin@test.example", {("read", "patient"), ("create", "session_note")}),
    ("user=CLIN2@test.example&outcome=denied", {("read", "dosing_session")}),
    ("action=sign_in", {("sign_in", "user")}),
    ("record_type=session_note", {("create", "session_note")}),
])
def test_filters(client_for, trail, lead, query, expected):
    response = client_for(lead).get(f"/lead/audit?{query}")
    ids = _event_ids(response)
    got = {(e.action, e.record_type) for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.id.in_(ids)))}
    assert got == expected


def test_filter_by_patient_record_number(client_for, trail, lead, patient):
    ids = _event_ids(client_for(lead).get(f"/lead/audit?patient={patient.record_number}"))
    patients = set(db.session.scalars(sa.select(AuditEvent.patient_id).where(AuditEvent.id.in_(ids))))
    assert patients == {patient.id} and len(ids) == 3


def test_filter_by_date_range_in_the_clinic_zone(monkeypatch, client_for, trail, lead, clinician, patient):
    then = utcnow() - timedelta(days=10)
    monkeypatch.setattr("tracker.core.audit.service.utcnow", lambda: then)  # an event written 10 days ago
    old = record_event("update", "patient", patient.id, patient_id=patient.id, user=clinician)
    db.session.commit()
    monkeypatch.undo()
    day = then.astimezone(ZoneInfo("America/New_York")).date()
    client = client_for(lead)
    assert _event_ids(client.get(f"/lead/audit?since={day}&until={day}")) == [old.id]
    assert _event_ids(client.get(f"/lead/audit?until={day - timedelta(days=1)}")) == []
    recent = _event_ids(client.get(f"/lead/audit?since={day + timedelta(days=1)}"))
    assert old.id not in recent and len(recent) >= 5


@pytest.mark.parametrize("query, message", [
    ("since=2026-05-10&until=2026-05-01", "end date is before the start date"),
    ("since=1899-01-01", "between 2000 and 2100"),
    ("until=9999-12-31", "between 2000 and 2100"),
    ("since=12/31/2026", "There is no such day"),
    ("since=2026-02-30", "There is no such day"),
])
def test_bad_dates_get_a_clear_message_not_a_500(client_for, trail, lead, query, message):
    response = client_for(lead).get(f"/lead/audit?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and _event_ids(response) == []
    value = query.split("=", 1)[1].split("&")[0]
    # what was typed stays; a date read without fault (the start before a wrong end) is shown
    # the clinic's way (day/month/year here)
    value = {"2026-05-10": "10/05/2026"}.get(value, value)
    assert f'value="{value}"' in html
    assert client_for(lead).get(f"/lead/audit/export.csv?{query}").status_code == 400


@pytest.mark.parametrize("query, message", [
    ("user=nobody@test.example", "No account of this clinic"),
    ("user=intruder@other.example", "No account of this clinic"),
    ("patient=NOPE-1", "No patient of this clinic"),
])
def test_unknown_user_or_patient_says_so(client_for, trail, lead, query, message):
    response = client_for(lead).get(f"/lead/audit?{query}")
    assert response.status_code == 200 and message in page_text(response)
    assert _event_ids(response) == []


def _many_events(lead, clinician, patient, n):
    for _i in range(n):
        record_event("read", "patient", patient.id, patient_id=patient.id, user=clinician)
    db.session.commit()


def test_keyset_pages_walk_the_whole_trail_without_gaps_or_repeats(app, client_for, lead, clinician, patient):
    _many_events(lead, clinician, patient, 60)
    client = client_for(lead)
    size = app.config["PAGE_SIZE"]
    all_ids = set(db.session.scalars(sa.select(AuditEvent.id).where(
        AuditEvent.clinic_id == lead.clinic_id)))
    seen, url, pages = [], "/lead/audit?user=clin@test.example", []
    while url:
        response = client.get(url)
        ids = _event_ids(response)
        pages.append(ids)
        seen += ids
        older = re.search(r'href="([^"]*before=\d+[^"]*)"', response.get_data(as_text=True))
        url = older.group(1).replace("&amp;", "&") if older else None
    assert [len(p) for p in pages] == [size, size, 60 - 2 * size]
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == 60
    assert set(seen) <= all_ids
    # and back: "Newer" from the last page shows the page before it
    newer = re.search(r'href="([^"]*after=\d+[^"]*)"', client.get(
        f"/lead/audit?user=clin@test.example&before={pages[1][-1]}").get_data(as_text=True))
    assert _event_ids(client.get(newer.group(1).replace("&amp;", "&"))) == pages[1]


def test_the_page_query_count_does_not_grow_with_the_trail(client_for, lead, clinician, patient,
                                                           count_queries):
    client = client_for(lead)
    url = f"/lead/audit?patient={patient.record_number}"
    _many_events(lead, clinician, patient, 30)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    _many_events(lead, clinician, patient, 90)
    with count_queries() as many:
        assert client.get(url).status_code == 200
    # the user (with the navbar's unread-notifications count), the patient's record number, the
    # page, the chain's window and head, and the page's own read event (lock the head, insert,
    # move the head)
    assert few.count == many.count == 8
    with count_queries() as paged:
        client.get(f"{url}&before=40")
    assert paged.count == many.count + 1  # the cursor's time


def test_the_chain_state_is_on_the_page(client_for, trail, lead):
    last = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
    text = page_text(client_for(lead).get("/lead/audit"))
    # the page's own sign-in event is newer than `last`
    assert re.search(r"Hash chain verified up to event (\d+)", text)
    assert int(re.search(r"verified up to event (\d+)", text).group(1)) > last


def test_a_tampered_event_shows_on_the_page(app, client_for, trail, lead):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL refuses the UPDATE (see tests/audit)")
    target = db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.action == "create"))
    db.session.execute(sa.text("UPDATE audit_event SET action = 'read' WHERE id = :i"), {"i": target})
    db.session.commit()
    text = page_text(client_for(lead).get("/lead/audit"))
    assert f"BROKEN at event {target}" in text and "this event was changed" in text


def test_the_export_is_filtered_streamed_audited_and_spreadsheet_safe(client_for, trail, lead,
                                                                     clinician, clinic):
    # a name that a spreadsheet would run as a formula
    make.user(clinic, "clinician", email="formula@test.example", name="=HYPERLINK(\"x\")")
    db.session.commit()
    response = client_for(lead).get("/lead/audit/export.csv?user=clin@test.example")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {r["user_email"] for r in rows} == {"clin@test.example"}
    assert {(r["action"], r["record_type"]) for r in rows} == {("read", "patient"), ("create", "session_note")}
    assert all(r["hash"] and r["occurred_at_utc"].endswith("+00:00") for r in rows)
    [export] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert (export.record_type, export.user_id) == ("audit_trail", lead.id)
    formula = client_for(lead).get("/lead/audit/export.csv?user=formula@test.example&action=sign")
    assert formula.status_code == 200  # no rows, header only
    record_event("sign_in", "user", None, user=db.session.scalar(
        sa.select(User).where(User.email == "formula@test.example")))
    db.session.commit()
    text = client_for(lead).get("/lead/audit/export.csv?user=formula@test.example").get_data(as_text=True)
    assert "'=HYPERLINK" in text  # not run as a formula by a spreadsheet


def test_the_filters_offer_readable_choices_and_refuse_an_unknown_code(client_for, trail, lead):
    html = client_for(lead).get("/lead/audit").get_data(as_text=True)
    assert '<option value="raise_flag">Raised a safety flag</option>' in html
    assert '<option value="session_note">In-session note</option>' in html
    refused = client_for(lead).get("/lead/audit?action=drop_table")
    assert refused.status_code == 400
    assert "Not a valid choice" in page_text(refused)
