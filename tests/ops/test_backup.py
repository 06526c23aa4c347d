"""A backup restores: every table's rows come back and the audit chain verifies on the copy.

Runs on the suite's own database: SQLite through the online backup API, PostgreSQL (in CI)
through pg_dump and pg_restore."""
from __future__ import annotations

import shutil
import uuid

import pytest
import sqlalchemy as sa

from tests.patients import builders
from tracker.core.audit.models import AuditEvent
from tracker.core.audit.service import record_event
from tracker.extensions import db
from tracker.ops.backup import BackupError, compare, restore_backup, row_counts


@pytest.fixture
def scratch_url(app, tmp_path):
    """A new, empty database of the suite's own kind, dropped after the test."""
    source = app.config["SQLALCHEMY_DATABASE_URI"]
    if source.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    if shutil.which("pg_dump") is None:
        pytest.skip("PostgreSQL client tools are not installed")
    name = f"restore_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(source, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield source.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def a_clinic_with_history(patient, clinician):
    builders.journey(patient, clinician, 2)
    for _ in range(3):
        record_event("read", "patient", patient.id, user=clinician, patient_id=patient.id)
    db.session.commit()


def test_a_backup_round_trips_with_every_row_and_an_intact_audit_chain(
        app, runner, scratch_url, a_clinic_with_history, tmp_path):
    source = row_counts(app.config["SQLALCHEMY_DATABASE_URI"])
    result = runner.invoke(args=["backup", "round-trip", "--scratch-url", scratch_url,
                                 "--out", str(tmp_path / "nightly.dump")])
    assert result.exit_code == 0, result.output
    assert "Round trip OK." in result.output
    events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    assert f"Audit chain intact: {events} events verified." in result.output
    restored = row_counts(scratch_url)
    assert restored == source
    assert restored["dosing_session"] == 2 and restored["alembic_version"] == 1
    assert (tmp_path / "nightly.dump").stat().st_size > 0


def test_a_restore_refuses_a_database_that_holds_tables(app, tmp_path, runner, clinician):
    dump = tmp_path / "backup.dump"
    assert runner.invoke(args=["backup", "create", str(dump)]).exit_code == 0
    with pytest.raises(BackupError, match="not empty"):
        restore_backup(dump, app.config["SQLALCHEMY_DATABASE_URI"])


def test_a_tampered_restored_audit_chain_fails_the_round_trip_check(
        app, runner, scratch_url, a_clinic_with_history, tmp_path):
    dump = tmp_path / "backup.dump"
    assert runner.invoke(args=["backup", "create", str(dump)]).exit_code == 0
    restore_backup(dump, scratch_url)
    engine = sa.create_engine(scratch_url)
    with engine.begin() as connection:
        if scratch_url.startswith("postgresql"):  # the append-only trigger guards the table
            connection.execute(sa.text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
        connection.execute(sa.text("UPDATE audit_event SET action = 'update' WHERE id = "
                                   "(SELECT min(id) FROM audit_event)"))
    engine.dispose()
    from tracker.cli import _verify_audit_at
    with app.app_context():
        ok, detail = _verify_audit_at(scratch_url)
    assert not ok and "BROKEN" in detail


def test_counts_taken_around_a_live_backup_bound_what_must_come_back():
    before = {"audit_event": 10, "patient": 3}
    after = {"audit_event": 12, "patient": 3}
    assert compare(before, after, {"audit_event": 11, "patient": 3}) == {}
    assert compare(before, after, {"audit_event": 9, "patient": 3}) == {"audit_event": (12, 9)}
    assert compare(before, after, {"audit_event": 12}) == {"patient": (3, None)}


def test_the_round_trip_checks_the_copy_against_the_sources_checkpoint(
        app, runner, scratch_url, a_clinic_with_history, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_FILE", str(tmp_path / "checkpoints.jsonl"))
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    result = runner.invoke(args=["backup", "round-trip", "--scratch-url", scratch_url,
                                 "--out", str(tmp_path / "nightly.dump")])
    assert result.exit_code == 0, result.output
    assert "matching the checkpoint of" in result.output
    copied = tmp_path / "nightly.dump.audit-checkpoints.jsonl"
    assert copied.read_bytes() == (tmp_path / "checkpoints.jsonl").read_bytes()
