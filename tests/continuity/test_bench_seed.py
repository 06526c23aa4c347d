"""flask bench-seed: builds a consistent network, refuses production and non-empty databases."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests import factories as make
from tracker.continuity import queries
from tracker.continuity.rules import RULES
from tracker.continuity.scope import Scope
from tracker.core.audit.service import verify_chain
from tracker.core.patients import Patient
from tracker.core.sessions import DosingSession
from tracker.core.users import User
from tracker.db import utcnow
from tracker.extensions import db

ARGS = ["bench-seed", "--clinicians", "4", "--patients", "60", "--sessions", "600", "--clinics", "2"]


def test_builds_the_network_with_every_stage_and_a_valid_audit_chain(app, runner):
    result = runner.invoke(args=ARGS)
    assert result.exit_code == 0, result.output
    assert "Inserted" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Patient.id))) == 60
    assert db.session.scalar(sa.select(sa.func.count(DosingSession.id))) == 600
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 4 + 2
    assert verify_chain().ok
    make.clinic(name="After the seed")   # ids continue after the seeded ones (sequences)
    db.session.flush()
    lead = db.session.scalar(sa.select(User).where(User.email == "bench-lead1@bench.example"))
    today = utcnow().date()
    scope = Scope.for_clinic(lead.clinic, utcnow(), today - timedelta(days=365), today)
    totals = queries.summary(scope).totals
    assert all(totals[key].due > 0 for key in RULES), {k: c.as_dict() for k, c in totals.items()}
    assert sum(c.late + c.missing for c in totals.values()) > 0   # realistic gaps


def test_the_seeded_lead_can_sign_in_and_open_the_dashboard(app, runner, client):
    assert runner.invoke(args=ARGS).exit_code == 0
    from tracker.bench.bench_seed import BENCH_PASSWORD
    response = client.post("/login", data={"email": "bench-lead1@bench.example",
                                           "password": BENCH_PASSWORD})
    assert response.status_code == 302
    assert client.get("/lead/continuity").status_code == 200


def test_refuses_a_database_with_data_unless_forced(app, runner, clinic, lead):
    result = runner.invoke(args=ARGS)
    assert result.exit_code != 0 and "already holds data" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Patient.id))) == 0
    assert runner.invoke(args=[*ARGS, "--force"]).exit_code == 0


def test_refuses_production(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    result = runner.invoke(args=ARGS)
    assert result.exit_code != 0 and "production" in result.output
