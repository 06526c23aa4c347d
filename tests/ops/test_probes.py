"""/healthz and /readyz: open to anyone, silent in the audit trail, never rate limited, and
honest about the database."""
from __future__ import annotations

import sqlalchemy as sa

from tracker.core.audit.models import AuditEvent
from tracker.extensions import db


def audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))


def test_healthz_answers_without_the_database(client, count_queries):
    with count_queries() as queries:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert queries.count == 0


def test_readyz_is_ready_at_the_migrations_head(client):
    before = audit_count()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready"}
    assert audit_count() == before  # probes leave no audit event


def test_readyz_says_which_revision_is_missing(app, client):
    heads = app.extensions.get("tracker.migration_heads")
    app.extensions["tracker.migration_heads"] = {"9999_not_yet_applied"}
    try:
        response = client.get("/readyz")
    finally:
        app.extensions["tracker.migration_heads"] = heads
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert "9999_not_yet_applied" in response.json["reason"]
    assert "flask db upgrade" in response.json["reason"]


def test_readyz_is_503_when_the_database_does_not_answer(app, client, monkeypatch):
    def refuse(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))
    monkeypatch.setattr(type(db.engine), "connect", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "reason": "the database does not answer"}


def test_probes_are_never_rate_limited(app, client):
    # 20 sign-in attempts a minute is the tightest limit in the app; a probe every second
    # from two load balancers goes well past it.
    for _ in range(120):
        assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert "X-RateLimit-Limit" not in client.get("/healthz").headers


def test_pages_are_a_clean_503_while_the_database_is_down(client, login_as, clinician,
                                                          monkeypatch):
    login_as(clinician)

    def down(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection"))
    monkeypatch.setattr(sa.orm.Session, "execute", down)
    response = client.get("/patients/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    text = response.get_data(as_text=True)
    assert "The database is not answering" in text and "try again" in text
    assert "Traceback" not in text
