"""PostgreSQL: TRUNCATE of the audit trail is refused, and the app can run as a role that may
only INSERT and SELECT on it (migrations run as the owner). Skipped on SQLite, run in CI on
PostgreSQL (.ci/run)."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, ProgrammingError

from tests import factories as make
from tracker.core.audit.roles import grant_app_role
from tracker.core.audit.service import record_event, verify_chain
from tracker.extensions import db


@pytest.fixture
def postgresql_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("database roles and the TRUNCATE trigger exist on PostgreSQL only")


@pytest.fixture
def app_role(postgresql_only):
    name = f"tracker_app_{uuid.uuid4().hex[:8]}"
    db.session.execute(sa.text(f'CREATE ROLE "{name}" LOGIN'))
    db.session.commit()
    grant_app_role(name)
    db.session.commit()
    engine = sa.create_engine(db.engine.url.set(username=name, password=None))
    yield name, engine
    engine.dispose()
    db.session.execute(sa.text(f'DROP OWNED BY "{name}"'))
    db.session.execute(sa.text(f'DROP ROLE "{name}"'))
    db.session.commit()


@pytest.fixture
def event_id(clinic):
    event = record_event("read", "patient", 1, user=make.user(clinic, "lead"))
    db.session.commit()
    return event.id


def test_truncate_is_refused_even_for_the_owner(postgresql_only, event_id):
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(sa.text("TRUNCATE audit_event CASCADE"))
    db.session.rollback()
    assert verify_chain().checked == 1


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET action = 'create' WHERE id = :i",
    "DELETE FROM audit_event WHERE id = :i",
    "TRUNCATE audit_event",
    "ALTER TABLE audit_event DISABLE TRIGGER USER",
])
def test_the_app_role_cannot_change_the_trail(app_role, event_id, statement):
    _name, engine = app_role
    with engine.connect() as conn:
        with pytest.raises(ProgrammingError, match=r"permission denied|must be owner"):
            conn.execute(sa.text(statement), {"i": event_id})
    assert verify_chain().ok and verify_chain().checked == 1


def test_the_app_role_reads_appends_and_works_on_other_tables(app_role, event_id, clinic):
    _name, engine = app_role
    with engine.begin() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM audit_event")).scalar() == 1
        conn.execute(sa.text(
            "INSERT INTO audit_event (seq, occurred_at, action, record_type, outcome, prev_hash, hash) "
            "VALUES (2, now(), 'read', 'patient', 'success', 'x', 'y')"))
        conn.execute(sa.text("UPDATE audit_chain_head SET last_seq = last_seq WHERE id = 1"))
        conn.execute(sa.text("UPDATE clinic SET name = name WHERE id = :c"), {"c": clinic.id})
        with pytest.raises(ProgrammingError, match="permission denied"):
            conn.execute(sa.text("DELETE FROM alembic_version"))


def test_the_command_refuses_an_unknown_role_and_a_bad_name(postgresql_only, runner):
    result = runner.invoke(args=["audit", "grant-app-role", "no_such_role_here"])
    assert result.exit_code != 0 and "There is no role" in result.output
    result = runner.invoke(args=["audit", "grant-app-role", 'x"; DROP TABLE clinic; --'])
    assert result.exit_code != 0 and "plain role name" in result.output


def test_the_command_refuses_on_sqlite(app, runner):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    result = runner.invoke(args=["audit", "grant-app-role", "tracker_app"])
    assert result.exit_code != 0 and "PostgreSQL only" in result.output
