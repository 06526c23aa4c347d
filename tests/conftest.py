"""Fixtures: one app per test session, a clean database per test, a user per role.

The database is built by the real migrations (so tests run on the schema production gets),
on SQLite by default or on TEST_DATABASE_URL (PostgreSQL). Between tests, every table a test
wrote to is emptied: a listener on the Engine class (so it hears every app's engine, the
browser tests' server thread and raw SQL alike) records the tables named by INSERT, UPDATE
and DELETE statements. tests/test_isolation.py fails if rows leak from one test to the next,
and the last teardown of the run checks that every table is empty.
"""
from __future__ import annotations

import os
import re
from contextlib import contextmanager
from datetime import timedelta
from functools import cache

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from tests import factories as make
from tracker import create_app
from tracker.core.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from tracker.db import utcnow
from tracker.extensions import db, limiter

# Render after commit: fail a test whose views render over uncommitted work.
pytest_plugins = ["tests.render_guard", "tests.mail_server"]


def _database_url(tmp_path_factory) -> str:
    """SQLite in the run's temporary folder (one per xdist worker, as that folder is), or
    TEST_DATABASE_URL: that database itself, or under xdist a database of each worker's own
    beside it, created here and dropped by _drop_worker_database."""
    url = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url and worker:
        return _worker_database(url, worker)
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def _worker_database(url: str, worker: str) -> str:
    name = f"{url.rsplit('/', 1)[1]}_{worker}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.rsplit("/", 1)[0] + "/" + name


def _drop_worker_database(url: str) -> None:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base or not os.environ.get("PYTEST_XDIST_WORKER") or url == base:
        return
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def _reset_schema(url: str) -> None:
    if url.startswith("postgresql"):
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()


class FreshContextClient(FlaskClient):
    """Each request runs in its own app context, as in production: its own `g` and its own
    database session. The test's session is committed first (so the request sees the test's
    rows) and expired after (so the test then reads what the request stored). A view that
    forgets to commit therefore fails its tests instead of passing on a shared session."""

    def open(self, *args, **kwargs):
        db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from flask_migrate import upgrade

    from config import TestingConfig

    url = _database_url(tmp_path_factory)
    _reset_schema(url)

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url

    Config.TEST_CONFIG_CLASS = Config

    app = create_app(Config)
    app.test_client_class = FreshContextClient
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        # A write the listener missed would leave rows behind: fail the run's last teardown.
        leftover = leftover_rows()
        db.session.remove()
        db.engine.dispose()
    _drop_worker_database(url)
    assert not leftover, f"rows left behind by the tests (not cleaned between tests): {leftover}"


@pytest.fixture
def probe_app(app):
    """A second app on the same database, not yet serving: tests may add probe routes to it."""
    probe = create_app(app.config["TEST_CONFIG_CLASS"])
    probe.test_client_class = FreshContextClient
    return probe


@pytest.fixture
def csrf_client(app):
    """A client of an app with CSRF protection on, as in production, on the same database."""
    from config import TestingConfig

    class Config(TestingConfig):
        WTF_CSRF_ENABLED = True
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
    csrf_app = create_app(Config)
    csrf_app.test_client_class = FreshContextClient
    db.session.commit()
    yield csrf_app.test_client()
    with csrf_app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def course(patient):
    """A treatment course of `patient`."""
    return make.course(patient)


@pytest.fixture
def upcoming_session(course, clinician):
    """A dosing session of `patient`, scheduled in two days, guided by `clinician`."""
    return make.dosing_session(course, clinician=clinician, scheduled_at=utcnow() + timedelta(days=2))


@pytest.fixture
def outsider(intruder):
    """A clinician of another clinic: the intruder's colleague."""
    return make.user(intruder.clinic, "clinician", email="outsider@other.example", name="Otto Outsider")


# --- cleaning between tests -------------------------------------------------------------------

# Any table named after a writing keyword. Over-matching is harmless (a clean table is emptied
# again), so "FOR UPDATE OF", "DO UPDATE SET" and the like need no special case: names that are
# not tables are dropped.
_WRITES = re.compile(r'\b(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)'
                     r'\s+(?:ONLY\s+)?"?(\w+)"?', re.IGNORECASE)
# Statements that never write a table; anything else that names no table (DDL, COPY, ...)
# marks every table as written, to stay safe.
_READS = re.compile(r"\s*(?:SELECT|WITH|PRAGMA|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT|SET|SHOW|"
                    r"EXPLAIN|ANALYZE|VALUES)\b", re.IGNORECASE)


class WriteLog:
    """The tables written since the last cleaning, by any engine of this process."""

    def __init__(self, metadata: sa.MetaData):
        self.tables = metadata.tables  # live: models are imported after this module
        self.written: set[str] = set()

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        names = {name.lower() for name in _WRITES.findall(statement)}
        if names:
            self.written |= names & self.tables.keys()
        elif not _READS.match(statement):
            self.written |= self.tables.keys()

    def take(self) -> set[str]:
        written, self.written = self.written, set()
        return written


_write_log = WriteLog(db.metadata)


@pytest.fixture(scope="session", autouse=True)
def _listen_for_writes():
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", _write_log)
    yield
    sa.event.remove(sa.engine.Engine, "before_cursor_execute", _write_log)


def _empty_tables(names: set[str]) -> None:
    """Empty the named tables, children first, and put back the audit chain's genesis row.
    Identities restart (PostgreSQL's sequences; SQLite reuses rowids), as on a fresh database."""
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name in names]
    if not tables:
        return
    postgresql = db.engine.dialect.name == "postgresql"
    # DELETE, not TRUNCATE: TRUNCATE ... CASCADE reaches every table that references a named
    # one (clinic, user_account: nearly all), and on these few-row tables it cost about 0.6 s
    # per test against 10 ms for DELETE. audit_event's append-only trigger is switched off
    # for the DELETE, inside this transaction only.
    audit = postgresql and AuditEvent.__tablename__ in names
    if audit:
        db.session.execute(sa.text(f"ALTER TABLE {AuditEvent.__tablename__} DISABLE TRIGGER USER"))
    for table in tables:
        db.session.execute(table.delete())
    if audit:
        db.session.execute(sa.text(f"ALTER TABLE {AuditEvent.__tablename__} ENABLE TRIGGER USER"))
    if postgresql:
        sequences = [seq for name, seq in _sequences().items() if name in names]
        if sequences:
            db.session.execute(sa.text("SELECT setval(seq, 1, false) FROM unnest(CAST(:s AS text[])) seq"),
                               {"s": sequences})
    if AuditChainHead.__tablename__ in names:
        db.session.execute(sa.insert(AuditChainHead).values(id=1, last_hash=GENESIS_HASH))
    db.session.commit()


@cache
def _sequences() -> dict[str, str]:
    """PostgreSQL: each table's id sequence, by table name."""
    found = {}
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key:
            seq = db.session.scalar(sa.select(sa.func.pg_get_serial_sequence(table.name, "id")))
            if seq:
                found[table.name] = seq
    return found


def leftover_rows() -> dict[str, int]:
    """Tables holding rows a fresh database would not (none, but the audit chain's genesis)."""
    counts = {}
    for table in db.metadata.sorted_tables:
        n = db.session.scalar(sa.select(sa.func.count()).select_from(table))
        if table.name == AuditChainHead.__tablename__:
            genesis = db.session.scalar(sa.select(sa.func.count()).select_from(table).where(
                AuditChainHead.id == 1, AuditChainHead.last_hash == GENESIS_HASH,
                AuditChainHead.last_event_id.is_(None)))
            n = 0 if (n, genesis) == (1, 1) else n
        if n:
            counts[table.name] = n
    return counts


@pytest.fixture(autouse=True)
def _clean_database(request):
    if "app" not in request.fixturenames and not request.node.get_closest_marker("db"):
        yield
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        yield
        limiter.reset()  # sign-in throttling counts, kept in the limiter's (memory) store
        db.session.rollback()
        _empty_tables(_write_log.take())
        _write_log.take()  # the cleaning's own statements
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- people -----------------------------------------------------------------------------------

@pytest.fixture
def clinic(app):
    return make.clinic()


@pytest.fixture
def lead(clinic):
    return make.user(clinic, "lead", email="lead@test.example", name="Lee Lead")


@pytest.fixture
def clinician(clinic):
    return make.user(clinic, "clinician", email="clin@test.example", name="Casey Clinician")


@pytest.fixture
def clinician2(clinic):
    """Shares no patient with `clinician`: must never see their records."""
    return make.user(clinic, "clinician", email="clin2@test.example", name="Dana Otherclinician")


@pytest.fixture
def patient_user(clinic):
    return make.user(clinic, "patient", email="pat@test.example", name="Alex Patient")


@pytest.fixture
def patient2_user(clinic):
    return make.user(clinic, "patient", email="pat2@test.example", name="Blair Secondpatient")


@pytest.fixture
def patient(clinic, clinician, patient_user):
    return make.patient(clinic, clinicians=[clinician], account=patient_user, given="Alex",
                        family="Patient")


@pytest.fixture
def patient2(clinic, clinician, clinician2, patient2_user):
    """On `clinician2`'s team only (and `clinician`'s second patient is someone else)."""
    return make.patient(clinic, clinicians=[clinician2], account=patient2_user, given="Blair",
                        family="Secondpatient")


@pytest.fixture
def intruder(app):
    """A lead of another clinic: the deliberately malicious user of FlaskBB's tests."""
    other = make.clinic(name="Other Clinic")
    return make.user(other, "lead", email="intruder@other.example", name="Ivy Intruder")


# --- helpers ----------------------------------------------------------------------------------

def login(client, user_or_email, password: str = make.PASSWORD, follow: bool = False):
    """Sign in through the real form."""
    email = getattr(user_or_email, "email", user_or_email)
    db.session.commit()
    return client.post("/login", data={"email": email, "password": password},
                       follow_redirects=follow)


@pytest.fixture
def login_as(client):
    def _login(user):
        response = login(client, user)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client
    return _login


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as q: ...; q.count` - SQL statements run inside the block."""
    @contextmanager
    def _count():
        counter = QueryCounter()
        sa.event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", counter)
    return _count


def page_text(response) -> str:
    """The response body with tags removed and whitespace folded, for 'sees/does not see'."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
