"""The audit trail's hash chain: an edited, removed or truncated event is found by the full
verification (`flask audit verify`) and by the page's check of the newest window; on
PostgreSQL the database itself refuses to change or delete an event."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from tests import factories as make
from tracker.core.audit.models import AuditChainHead, AuditEvent
from tracker.core.audit.queries import verify_recent_window
from tracker.core.audit.service import record_event, verify_chain
from tracker.extensions import db


@pytest.fixture
def events(clinic):
    user = make.user(clinic, "clinician")
    recorded = [record_event("read", "patient", n, user=user) for n in range(1, 21)]
    db.session.commit()  # events are numbered, chained and given their ids at the commit
    return [event.id for event in recorded]


@pytest.fixture
def sqlite_only():
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL refuses to change audit rows (tested below)")


@pytest.fixture
def postgresql_only():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")


def _raw(sql, **params):
    db.session.execute(sa.text(sql), params)
    db.session.commit()


def test_an_untouched_chain_verifies_in_full_and_in_the_window(events):
    full = verify_chain()
    assert full.ok and full.checked == 20 and full.verified_up_to == events[-1]
    window = verify_recent_window()
    assert window.ok and window.whole_chain and window.verified_up_to == events[-1]
    short = verify_recent_window(5)
    assert short.ok and not short.whole_chain and short.checked == 5
    assert (short.first_id, short.last_id) == (events[-5], events[-1])


def test_the_cli_reports_an_intact_chain(runner, events):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "20 events verified" in result.output


def test_an_edited_event_is_found(sqlite_only, runner, events):
    _raw("UPDATE audit_event SET record_id = 999 WHERE id = :i", i=events[7])
    full = verify_chain()
    assert not full.ok and full.broken_at == events[7] and full.verified_up_to == events[6]
    assert full.reason == "this event was changed"
    window = verify_recent_window()
    assert not window.ok and window.broken_at == events[7]
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"BROKEN at event {events[7]}" in result.output


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(sqlite_only, events):
    # whoever edits a row and recomputes its hash still breaks the row after it
    _raw("UPDATE audit_event SET hash = :h WHERE id = :i", h="f" * 64, i=events[3])
    report = verify_chain()
    assert not report.ok and report.broken_at == events[3]
    _raw("UPDATE audit_event SET prev_hash = :h WHERE id = :i", h="f" * 64, i=events[4])
    report = verify_chain()
    assert not report.ok and report.broken_at == events[3]


def test_a_removed_event_is_found(sqlite_only, events):
    _raw("DELETE FROM audit_event WHERE id = :i", i=events[10])
    report = verify_chain()
    assert not report.ok and report.broken_at == events[11]
    assert report.reason == "an event before this one was changed or removed"
    assert verify_recent_window().broken_at == events[11]


def test_removing_the_newest_events_is_found(sqlite_only, events):
    _raw("DELETE FROM audit_event WHERE id >= :i", i=events[-2])
    report = verify_chain()
    assert not report.ok and report.reason == "the newest events were removed"
    window = verify_recent_window()
    assert not window.ok and window.reason == "the newest events were removed"


def test_an_edit_older_than_the_window_needs_the_full_check(sqlite_only, events):
    """Why the page says "for the newest N events": the window trusts the event before it."""
    _raw("UPDATE audit_event SET action = 'create' WHERE id = :i", i=events[2])
    assert verify_recent_window(5).ok
    assert not verify_chain().ok


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET action = 'create' WHERE id = :i",
    "DELETE FROM audit_event WHERE id = :i",
])
def test_postgresql_refuses_to_change_or_delete_an_event(postgresql_only, events, statement):
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(sa.text(statement), {"i": events[5]})
    db.session.rollback()
    assert verify_chain().ok
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == 20


def test_the_window_checks_the_chain_head(events):
    _raw("UPDATE audit_chain_head SET last_hash = :h WHERE id = 1", h="0" * 64)
    assert db.session.get(AuditChainHead, 1).last_hash == "0" * 64
    assert not verify_recent_window().ok
