"""A request whose transaction only read ends with COMMIT (psycopg keeps its prepared
statements); one that wrote, holds unsent changes or unwritten audit events, or failed, ends
with the ROLLBACK as before (tracker/read_only.py)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests import factories as make
from tracker.core.access import public
from tracker.core.audit.models import AuditEvent
from tracker.core.clinic import Clinic
from tracker.extensions import db
from tracker.read_only import is_read


@pytest.mark.parametrize("statement, read", [
    ("SELECT 1", True),
    ("  select id FROM patient WHERE id = %(id)s FOR UPDATE", True),
    ("WITH RECURSIVE days(d) AS (SELECT 1) SELECT d FROM days", True),
    ("WITH ins AS (INSERT INTO clinic (name) VALUES ('x') RETURNING id) SELECT id FROM ins", False),
    ("WITH gone AS (DELETE FROM reflection RETURNING id) SELECT count(*) FROM gone", False),
    ("WITH t AS (SELECT updated_at FROM patient) SELECT updated_at FROM t", True),
    ("INSERT INTO clinic (name) VALUES ('x')", False),
    ("UPDATE patient SET status = 'paused'", False),
    ("DELETE FROM clinic", False),
    ("SAVEPOINT sa_savepoint_1", False),
    ("SET LOCAL statement_timeout = 1000", False),
    ("LOCK TABLE continuity_day", False),
])
def test_what_counts_as_a_read(statement, read):
    assert is_read(statement) is read


@pytest.fixture
def ends(app):
    """How each transaction of the test ended: a list of 'commit' and 'rollback'."""
    seen: list[str] = []

    def commit(conn):
        seen.append("commit")

    def rollback(conn):
        seen.append("rollback")

    sa.event.listen(sa.engine.Engine, "commit", commit)
    sa.event.listen(sa.engine.Engine, "rollback", rollback)
    yield seen
    sa.event.remove(sa.engine.Engine, "commit", commit)
    sa.event.remove(sa.engine.Engine, "rollback", rollback)


def _clinic_names() -> set[str]:
    return set(db.session.scalars(sa.select(Clinic.name)))


def test_a_request_that_only_read_commits(probe_app, ends):
    @probe_app.get("/probe/read")
    @public
    def read():
        return str(db.session.scalar(sa.select(sa.func.count(Clinic.id))))

    assert probe_app.test_client().get("/probe/read").status_code == 200
    assert ends == ["commit"]


def test_a_request_that_flushed_a_change_without_committing_rolls_it_back(probe_app, ends):
    @probe_app.get("/probe/flushed")
    @public
    def flushed():
        make.clinic(name="flushed, never committed")  # the factory flushes
        db.session.scalar(sa.select(sa.func.count(Clinic.id)))  # a read after the write
        return "ok"

    assert probe_app.test_client().get("/probe/flushed").status_code == 200
    assert ends == ["rollback"]
    assert "flushed, never committed" not in _clinic_names()


def test_unsent_changes_and_unwritten_audit_events_are_rolled_back(probe_app, ends):
    from tracker.core.audit.service import record_event

    @probe_app.get("/probe/unsent")
    @public
    def unsent():
        db.session.scalar(sa.select(sa.func.count(Clinic.id)))
        db.session.add(Clinic(name="added, never flushed", timezone="UTC", settings={}))
        return "ok"

    @probe_app.get("/probe/unwritten-event")
    @public
    def unwritten_event():
        db.session.scalar(sa.select(sa.func.count(Clinic.id)))
        record_event("read", "patient", 1, clinic_id=None)
        return "ok"

    client = probe_app.test_client()
    events_before = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    db.session.commit()
    ends.clear()
    assert client.get("/probe/unsent").status_code == 200
    assert client.get("/probe/unwritten-event").status_code == 200
    assert ends == ["rollback", "rollback"]
    assert "added, never flushed" not in _clinic_names()
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == events_before


def test_a_failed_request_rolls_back(probe_app, ends):
    @probe_app.get("/probe/fails")
    @public
    def fails():
        db.session.scalar(sa.select(sa.func.count(Clinic.id)))
        raise RuntimeError("deliberate failure after a read")

    assert probe_app.test_client().get("/probe/fails").status_code == 500
    assert "commit" not in ends


def test_postgresql_keeps_the_statements_it_prepared(probe_app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("prepared statements are psycopg's (PostgreSQL)")

    @probe_app.get("/probe/prepared")
    @public
    def prepared():
        db.session.scalar(sa.select(sa.func.count(Clinic.id)).where(Clinic.name != "probe"))
        names = db.session.scalars(sa.text("SELECT statement FROM pg_prepared_statements"))
        return "\n".join(names)

    client = probe_app.test_client()
    answers = [client.get("/probe/prepared").get_data(as_text=True) for _ in range(8)]
    assert "clinic.name !=" in answers[-1]   # prepared after five runs, and kept since
