"""flask bench-seed: a large synthetic clinic network for the benchmark (scripts/benchmark.py).

    flask bench-seed --clinicians 100 --patients 10000 --sessions 100000

Builds, in the configured database (DATABASE_URL), clinics with a lead, clinicians and patients
whose journeys cover all four stages with realistic gaps, in batches of bulk inserts
(`db.session.execute(sa.insert(Model.__table__), rows)`), with a progress bar. Synthetic
records get no audit events; the audit chain is left as it is, so it stays valid. Refuses to run in
production, and on a database that already holds data unless --force.

Sign in as bench-lead1@bench.example (clinic 1) or bench-clinician1@bench.example, password
BENCH_PASSWORD.
"""
from __future__ import annotations

import random
import time
from collections import Counter

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from tracker.bench.journeys import INSERT_ORDER, Ids, JourneyMaker, Rows
from tracker.core.clinic import Clinic
from tracker.core.users import CLINICIAN, LEAD, User
from tracker.db import utcnow
from tracker.extensions import db

BENCH_PASSWORD = "bench-journey-2026"
BENCH_DOMAIN = "bench.example"
BATCH_PATIENTS = 200
BATCH_PATIENTS_COPY = 1000   # about 240,000 rows per batch


def lead_email(clinic_no: int) -> str:
    return f"bench-lead{clinic_no}@{BENCH_DOMAIN}"


def clinician_email(n: int) -> str:
    return f"bench-clinician{n}@{BENCH_DOMAIN}"


@click.command("bench-seed")
@click.option("--clinicians", default=100, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--patients", default=10_000, show_default=True, type=click.IntRange(1, 10_000_000))
@click.option("--sessions", default=100_000, show_default=True, type=click.IntRange(0, 100_000_000))
@click.option("--clinics", default=1, show_default=True, type=click.IntRange(1, 1000),
              help="Clinics of the network; 1 puts everyone in one clinic "
                   "(the heaviest dashboard).")
@click.option("--seed", default=2026, show_default=True, help="Random seed (same seed, same data).")
@click.option("--force", is_flag=True, help="Add to a database that already holds data.")
@with_appcontext
def bench_seed(clinicians, patients, sessions, clinics, seed, force):
    """Fill the database with a large synthetic clinic network for benchmarking."""
    config = current_app.config
    if config.get("ENV_NAME") == "production" or config.get("SESSION_COOKIE_SECURE"):
        raise click.ClickException("bench-seed refuses to run in production.")
    if not force and db.session.scalar(sa.select(sa.func.count(User.id))):
        raise click.ClickException("The database already holds data; use --force to add to it.")
    if clinicians < clinics:
        raise click.ClickException("Give each clinic at least one clinician.")
    started = time.perf_counter()
    rng = random.Random(seed)
    now = utcnow().replace(microsecond=0)
    ids = Ids({model: _next_id(model) for model in [*INSERT_ORDER, Clinic, User]})
    staff = _staff(ids, clinics, clinicians, now)
    per_patient = _sessions_per_patient(rng, patients, sessions)
    total_rows = 0
    postgres = db.engine.dialect.name == "postgresql"
    # An empty database is loaded without per-row foreign-key triggers, then every reference
    # is checked in one pass per constraint (below); a database with data keeps its triggers.
    deferred_checks = postgres and not force and _may_skip_triggers()
    write = (lambda rows: _copy(rows, skip_triggers=deferred_checks)) if postgres else _insert
    batch_size = BATCH_PATIENTS_COPY if postgres else BATCH_PATIENTS
    with click.progressbar(length=patients, label="Patients", show_pos=True) as bar:
        for start in range(0, patients, batch_size):
            rows = Rows()
            for n in range(start, min(start + batch_size, patients)):
                clinic_id, clinician_ids = staff[n % clinics]
                maker = JourneyMaker(rng=rng, now=now, ids=ids, clinic_id=clinic_id,
                                     clinicians=clinician_ids)
                maker.patient(rows, per_patient[n])
            total_rows += write(rows)
            db.session.commit()
            bar.update(min(batch_size, patients - start))
    _reset_sequences()
    db.session.commit()
    if deferred_checks:
        _check_references()
    loaded = time.perf_counter()
    _analyze()
    elapsed = time.perf_counter() - started
    click.echo(f"Inserted {total_rows:,} rows ({patients:,} patients, {sum(per_patient):,} dosing "
               f"sessions, {clinicians} clinicians in {clinics} clinic(s)) in {elapsed:.0f} s "
               f"({loaded - started:.0f} s loading and checking, {elapsed - (loaded - started):.0f} s "
               f"for statistics).")
    click.echo(f"Sign in as {lead_email(1)} or {clinician_email(1)}, password {BENCH_PASSWORD}.")


def _next_id(model) -> int:
    return (db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1


def _staff(ids: Ids, clinics: int, clinicians: int, now) -> list[tuple[int, list[int]]]:
    """Clinics, one lead each, clinicians shared out; returns (clinic id, clinician ids)."""
    from tracker.auth.passwords import hash_password

    password = hash_password(BENCH_PASSWORD)
    staff, users = [], []
    for c in range(clinics):
        clinic_id = ids(Clinic)
        db.session.execute(sa.insert(Clinic), [{
            "id": clinic_id, "name": f"Bench Clinic {c + 1}", "timezone": "America/New_York",
            "settings": {"require_2fa_leads": 0}, "version": 1, "created_at": now, "updated_at": now}])
        users.append(_user(ids(User), clinic_id, lead_email(c + 1), f"Bench Lead {c + 1}", LEAD,
                           password, now))
        staff.append((clinic_id, []))
    for n in range(clinicians):
        clinic_id, clinician_ids = staff[n % clinics]
        uid = ids(User)
        users.append(_user(uid, clinic_id, clinician_email(n + 1), f"Clinician {n + 1:03d}",
                           CLINICIAN, password, now))
        clinician_ids.append(uid)
    db.session.execute(sa.insert(User), users)
    return staff


def _user(uid, clinic_id, email, name, role, password, now) -> dict:
    return {"id": uid, "clinic_id": clinic_id, "email": email, "full_name": name, "role": role,
            "password_hash": password, "active": True, "failed_logins": 0, "session_epoch": 0,
            "created_at": now, "updated_at": now}


def _sessions_per_patient(rng: random.Random, patients: int, sessions: int) -> list[int]:
    """Each patient at least one session, the rest spread unevenly (some long journeys)."""
    if sessions < patients:
        return [1 if n < sessions else 0 for n in range(patients)]
    weights = [rng.lognormvariate(0, 0.6) for _ in range(patients)]
    extra = Counter(rng.choices(range(patients), weights, k=sessions - patients))
    return [1 + extra[n] for n in range(patients)]


def _insert(rows: Rows) -> int:
    """One executemany per table (the table's insert: the ORM's bulk path would split rows
    into many small groups by which values are NULL)."""
    for model in INSERT_ORDER:
        batch = rows.by_model.get(model)
        if batch:
            db.session.execute(sa.insert(model.__table__), batch)
    return rows.count()


def _copy(rows: Rows, *, skip_triggers: bool) -> int:
    """PostgreSQL: one COPY per table (psycopg 3's copy protocol, rows adapted in C), in the
    session's transaction. Columns a journey leaves out are NULL (they have no default).

    With skip_triggers, the transaction runs as a replica (`SET LOCAL session_replication_role`)
    so the foreign-key triggers do not fire per row: they were two thirds of the server's CPU.
    The caller then checks every reference with _check_references()."""
    from psycopg import sql

    driver = db.session.connection().connection.driver_connection
    with driver.cursor() as cursor:
        if skip_triggers:
            cursor.execute("SET LOCAL session_replication_role = replica")
        for model in INSERT_ORDER:
            batch = rows.by_model.get(model)
            if not batch:
                continue
            columns = [column.name for column in model.__table__.columns]
            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(model.__tablename__), sql.SQL(", ").join(map(sql.Identifier, columns)))
            with cursor.copy(statement) as copy:
                write_row = copy.write_row
                for row in batch:
                    get = row.get
                    write_row([get(column) for column in columns])
    return rows.count()


def _may_skip_triggers() -> bool:
    """Only a superuser may load as a replica; others keep the per-row checks."""
    return bool(db.session.scalar(sa.text(
        "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")))


def _check_references() -> None:
    """Every foreign key of the loaded tables, read from PostgreSQL's catalog (composite keys
    included), checked in one anti-join each, as ALTER TABLE ... VALIDATE CONSTRAINT would:
    a row whose parent is missing stops the seed."""
    tables = [model.__tablename__ for model in INSERT_ORDER]
    constraints = db.session.execute(sa.text("""
        SELECT c.conname, child.relname, parent.relname,
               ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n
                     ORDER BY k.i),
               ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                     JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n
                     ORDER BY k.i)
        FROM pg_constraint c
        JOIN pg_class child ON child.oid = c.conrelid
        JOIN pg_class parent ON parent.oid = c.confrelid
        WHERE c.contype = 'f' AND child.relname = ANY(:tables)
          AND child.relnamespace = current_schema()::regnamespace
    """), {"tables": tables}).all()
    broken = []
    for name, child, parent, columns, referred in constraints:
        present = " AND ".join(f'c."{column}" IS NOT NULL' for column in columns)
        match = " AND ".join(f'p."{r}" = c."{column}"' for column, r in zip(columns, referred, strict=True))
        orphans = db.session.scalar(sa.text(
            f'SELECT count(*) FROM "{child}" c WHERE {present} '
            f'AND NOT EXISTS (SELECT 1 FROM "{parent}" p WHERE {match})'))
        if orphans:
            broken.append(f"{name}: {orphans:,} rows of {child}")
    db.session.rollback()
    if broken:
        raise click.ClickException("References to missing rows: " + "; ".join(broken))
    click.echo(f"Checked {len(constraints)} foreign keys: every reference has its row.")


def _analyze() -> None:
    """Give the query planner statistics, as a database in use has (autovacuum on PostgreSQL;
    SQLite only has them after ANALYZE). On PostgreSQL also VACUUM, as autovacuum would soon
    after a bulk load: it sets the visibility map (index-only scans) and hint bits, so the
    benchmark neither pays for that on its first reads nor runs beside autovacuum."""
    statement = "VACUUM (ANALYZE)" if db.engine.dialect.name == "postgresql" else "ANALYZE"
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(statement)


def _reset_sequences() -> None:
    """Ids were given explicitly: move PostgreSQL's sequences past them."""
    if db.engine.dialect.name != "postgresql":
        return
    for model in [*INSERT_ORDER, Clinic, User]:
        table = model.__tablename__
        db.session.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"))
