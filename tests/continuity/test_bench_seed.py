"""flask bench-seed: builds a consistent network, refuses production and non-empty databases."""
from __future__ import annotations

from datetime import timedelta

import pytest
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
from tracker.integration.models import Debrief


@pytest.fixture(autouse=True)
def _copied_tables_are_cleaned(app):
    """On PostgreSQL the seed writes with COPY on the driver's connection, which SQLAlchemy's
    events (and so the cleaning between tests) do not see: mark every table as written."""
    yield
    from tests.conftest import _write_log
    _write_log.written |= set(db.metadata.tables)


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


def _cross_clinic_references() -> dict[str, int]:
    """For every table that belongs to a patient (its own patient_id, or its parent's): rows
    whose user columns (clinician, recorder, signer, ...) name a user of another clinic, and rows
    whose parent belongs to another patient. Read from the tables' foreign keys, so a new
    table is covered without changing this test."""
    tables = db.metadata.tables
    patient_table, user_table = tables["patient"], tables["user_account"]

    def parent_value(table, constraint, column):
        """The parent row's `column`, for the row of `table` in the outer query."""
        match = sa.and_(*(element.column == element.parent for element in constraint.elements))
        return (sa.select(column).where(match).correlate(table).scalar_subquery())

    found = {}
    for table in tables.values():
        if table is patient_table:
            continue
        constraints = [(c, c.referred_table) for c in table.foreign_key_constraints]
        owner = table.c.get("patient_id")
        for constraint, parent in constraints:
            if owner is None and "patient_id" in parent.c and parent is not patient_table:
                owner = parent_value(table, constraint, parent.c.patient_id)
        if owner is None:
            continue
        clinic = (sa.select(patient_table.c.clinic_id).where(patient_table.c.id == owner)
                  .correlate(table).scalar_subquery())
        for constraint, parent in constraints:
            columns = [element.parent for element in constraint.elements]
            if parent is user_table:
                bad = parent_value(table, constraint, user_table.c.clinic_id) != clinic
            elif "patient_id" in parent.c and parent is not patient_table:
                bad = parent_value(table, constraint, parent.c.patient_id) != owner
            else:
                continue
            name = f"{table.name}.{'+'.join(column.name for column in columns)}"
            found[name] = db.session.scalar(sa.select(sa.func.count()).select_from(table).where(
                *(column.is_not(None) for column in columns), bad))
    return found


def test_a_network_keeps_each_clinic_to_itself(app, runner):
    """Three clinics: the counts add up, each clinic has its own lead, clinicians and patients,
    and no row of one clinic names another clinic's patient or staff (on PostgreSQL this is
    the COPY path, on SQLite the bulk inserts)."""
    args = ["bench-seed", "--clinicians", "6", "--patients", "90", "--sessions", "900",
            "--clinics", "3"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    per_clinic = db.session.execute(
        sa.select(Patient.clinic_id, sa.func.count()).group_by(Patient.clinic_id)).all()
    assert sorted(count for _, count in per_clinic) == [30, 30, 30]
    assert db.session.scalar(sa.select(sa.func.count(DosingSession.id))) == 900
    staff = db.session.execute(
        sa.select(User.clinic_id, User.role, sa.func.count()).group_by(User.clinic_id, User.role)
    ).all()
    assert sorted((role, count) for _, role, count in staff) == [
        ("clinician", 2), ("clinician", 2), ("clinician", 2), ("lead", 1), ("lead", 1), ("lead", 1)]
    lead = db.session.scalar(sa.select(User).where(User.email == "bench-lead1@bench.example"))
    clinician = db.session.scalar(
        sa.select(User).where(User.email == "bench-clinician1@bench.example"))
    assert lead.clinic_id == clinician.clinic_id     # the benchmark's two users share clinic 1
    crossing = _cross_clinic_references()
    assert len(crossing) > 20, crossing              # the check reached the journey tables
    assert {name: n for name, n in crossing.items() if n} == {}
    assert verify_chain().ok
    # The check sees a crossing: one debrief signed by a clinician of another clinic.
    outsider = db.session.scalar(sa.select(User.id).where(User.clinic_id != lead.clinic_id,
                                                          User.role == "clinician").limit(1))
    debrief = db.session.scalar(sa.select(Debrief).join(Patient, Patient.id == Debrief.patient_id)
                                .where(Patient.clinic_id == lead.clinic_id).limit(1))
    debrief.clinician_id = outsider
    db.session.flush()
    assert {name: n for name, n in _cross_clinic_references().items() if n} == {
        "debrief.clinician_id": 1}


def test_on_postgresql_a_reference_to_a_missing_row_stops_the_seed(app, runner):
    """The COPY path loads without per-row foreign-key triggers, so it checks every reference
    afterwards: a row pointing at no parent is reported by constraint."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the trigger-free load and its check are PostgreSQL's")
    import click

    from tracker.bench.bench_seed import _check_references
    assert runner.invoke(args=ARGS).exit_code == 0
    _check_references()                               # the seed's own rows pass
    db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    db.session.execute(sa.text("UPDATE debrief SET session_id = -1 "
                               "WHERE id = (SELECT min(id) FROM debrief)"))
    db.session.commit()
    with pytest.raises(click.ClickException, match="debrief"):
        _check_references()
