"""Migration 0009 re-signs the existing SHA-256 chain with the audit key, after checking it:
a chain already broken stops the upgrade (re-signing it would launder the tampering)."""
from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from tests.test_migrations import empty_database_url  # noqa: F401  (the fixture)
from tracker import create_app
from tracker.extensions import db

OLD_FIELDS = ("occurred_at", "clinic_id", "user_id", "role", "action", "record_type",
              "record_id", "patient_id", "ip_address", "outcome")


def _old_chain(n: int):
    prev, rows, start = "0" * 64, [], datetime(2026, 11, 1, tzinfo=UTC)
    for i in range(1, n + 1):
        fields = {"occurred_at": start + timedelta(minutes=i), "clinic_id": None, "user_id": None,
                  "role": None, "action": "sign_in", "record_type": "user", "record_id": None,
                  "patient_id": None, "ip_address": "192.0.2.1", "outcome": "failure"}
        canonical = json.dumps({k: (v.isoformat() if k == "occurred_at" else v)
                                for k, v in fields.items()}, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256((prev + canonical).encode()).hexdigest()
        rows.append({**fields, "occurred_at": fields["occurred_at"].replace(tzinfo=None),
                     "id": i, "prev_hash": prev, "hash": digest})
        prev = digest
    return rows, prev


def _app(url):
    from config import TestingConfig

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
    return create_app(Config)


def _seed_old(rows, head):
    columns = ", ".join(rows[0])
    values = ", ".join(f":{k}" for k in rows[0])
    for row in rows:
        db.session.execute(sa.text(f"INSERT INTO audit_event ({columns}) VALUES ({values})"), row)
    db.session.execute(sa.text("UPDATE audit_chain_head SET last_hash = :h, last_event_id = :i"),
                       {"h": head, "i": rows[-1]["id"]})
    db.session.commit()


@pytest.mark.db
def test_an_intact_chain_is_re_signed(empty_database_url):  # noqa: F811
    from tracker.core.audit.service import verify_chain

    app = _app(empty_database_url)
    with app.app_context():
        upgrade(revision="0003_same_patient_keys")
        _seed_old(*_old_chain(12))
        db.session.execute(sa.text(
            "INSERT INTO clinic (id, name, timezone, crisis_text, settings, version, created_at, "
            "updated_at) VALUES (1, 'Existing', 'UTC', 'x', '{\"phq9_every_days\": 20}', 1, "
            ":t, :t)"), {"t": datetime(2026, 11, 1)})
        db.session.commit()
        upgrade()
        report = verify_chain()
        assert report.ok and report.checked == 12 and report.last_seq == 12
        # a clinic that existed keeps signing in as before; a new one requires a second factor
        from tracker.core.clinic import Clinic
        existing = db.session.get(Clinic, 1)
        assert existing.settings == {"require_2fa_leads": 0, "phq9_every_days": 20}
        db.session.remove()
        db.engine.dispose()


@pytest.mark.db
def test_a_broken_chain_stops_the_upgrade(empty_database_url, capfd):  # noqa: F811
    rows, head = _old_chain(5)
    rows[2]["action"] = "read"  # edited after the fact, hash not recomputed
    app = _app(empty_database_url)
    with app.app_context():
        upgrade(revision="0003_same_patient_keys")
        _seed_old(rows, head)
        with pytest.raises((RuntimeError, SystemExit)):  # Flask-Migrate logs, then exits 1
            upgrade()
        assert "broken at event 3" in capfd.readouterr().err
        db.session.remove()
        db.engine.dispose()
