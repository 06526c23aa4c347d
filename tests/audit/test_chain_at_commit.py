"""Audit events are numbered, chained and written when their transaction commits
(tracker.core.audit.service._chain_pending): the chain head's lock is held for the commit
only. What a rollback or a savepoint undoes is not in the trail; concurrent writers of two
clinics still leave one gapless chain that verifies."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from tests import factories as make
from tracker.core.audit.models import AuditChainHead, AuditEvent
from tracker.core.audit.service import record_event, verify_chain
from tracker.extensions import db


def _trail() -> list[tuple[int, str, int | None]]:
    return [tuple(row) for row in db.session.execute(
        sa.select(AuditEvent.seq, AuditEvent.action, AuditEvent.record_id)
        .order_by(AuditEvent.seq))]


@pytest.fixture
def reader(clinic):
    user = make.user(clinic, "clinician")
    db.session.commit()
    return user


def test_recording_runs_no_sql_and_the_commit_writes_the_chain(reader, count_queries):
    with count_queries() as recording:
        first = record_event("read", "patient", 1, user=reader)
        second = record_event("read", "patient", 2, user=reader)
    assert recording.count == 0 and first.id is None
    with count_queries() as committing:
        db.session.commit()
    assert any("audit_chain_head" in s for s in committing.statements)
    assert (first.seq, second.seq) == (1, 2) and first.id < second.id
    assert second.prev_hash == first.hash
    assert _trail() == [(1, "read", 1), (2, "read", 2)]
    head = db.session.get(AuditChainHead, 1)
    assert (head.last_seq, head.last_hash, head.last_event_id) == (2, second.hash, second.id)
    assert verify_chain().ok


def test_a_rollback_leaves_nothing_in_the_trail(reader):
    record_event("read", "patient", 1, user=reader)
    db.session.rollback()
    record_event("read", "patient", 2, user=reader)
    db.session.commit()
    assert _trail() == [(1, "read", 2)]
    assert verify_chain().ok and verify_chain().checked == 1


def test_a_savepoint_rolled_back_drops_only_its_own_events(reader):
    record_event("read", "patient", 1, user=reader)
    savepoint = db.session.begin_nested()
    record_event("update", "patient", 2, user=reader)
    savepoint.rollback()
    record_event("read", "patient", 3, user=reader)
    db.session.commit()
    assert _trail() == [(1, "read", 1), (2, "read", 3)]
    assert verify_chain().ok


def test_a_savepoint_released_keeps_its_events_until_the_commit(reader):
    record_event("read", "patient", 1, user=reader)
    with db.session.begin_nested():
        record_event("update", "patient", 2, user=reader)
    assert _trail() == []   # a savepoint's release is not the transaction's commit
    db.session.commit()
    assert _trail() == [(1, "read", 1), (2, "update", 2)]
    assert verify_chain().ok


def test_two_clinics_writing_at_once_leave_one_chain_that_verifies(app, clinic):
    other = make.clinic("Other Clinic")
    users = [make.user(clinic, "clinician"), make.user(other, "clinician")]
    db.session.commit()
    user_ids = [u.id for u in users]
    rounds, errors = 15, []
    start = threading.Barrier(2)

    def write(user_id: int) -> None:
        try:
            with app.app_context():
                from tracker.core.users import User
                user = db.session.get(User, user_id)
                start.wait(timeout=30)
                for n in range(rounds):
                    record_event("read", "patient", n, user=user)
                    record_event("list", "patient", None, user=user)
                    db.session.commit()
                db.session.remove()
        except Exception as error:  # reported below, in the test's own thread
            errors.append(error)

    threads = [threading.Thread(target=write, args=(uid,)) for uid in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    report = verify_chain()
    assert report.ok and report.checked == 2 * 2 * rounds
    seqs = db.session.scalars(sa.select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
    assert seqs == list(range(1, 4 * rounds + 1))
    by_clinic = dict(db.session.execute(sa.select(AuditEvent.clinic_id, sa.func.count())
                                        .group_by(AuditEvent.clinic_id)).all())
    assert by_clinic == {clinic.id: 2 * rounds, other.id: 2 * rounds}


def test_tampering_with_an_event_written_at_commit_is_found(reader):
    for n in range(5):
        record_event("read", "patient", n, user=reader)
    db.session.commit()
    target = db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.seq == 3))
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
    db.session.execute(sa.text("UPDATE audit_event SET record_id = 99 WHERE id = :i"),
                       {"i": target})
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("ALTER TABLE audit_event ENABLE TRIGGER USER"))
    db.session.commit()
    report = verify_chain()
    assert not report.ok and report.broken_at == target and report.reason == "this event was changed"
