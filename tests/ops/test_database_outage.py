"""PostgreSQL restarting while requests run (what `scripts/loadtest.py --restart-db` does):
every request answers either normally or with the clean 503, never the server's bare 500."""
from __future__ import annotations

import json
import logging

import pytest
import sqlalchemy as sa

from tracker.ops.logs import JsonFormatter


def gone() -> sa.exc.OperationalError:
    return sa.exc.OperationalError("SELECT", {}, Exception(
        "terminating connection due to administrator command"))


@pytest.fixture
def request_lines(app):
    lines: list[dict] = []

    class Collect(logging.Handler):
        def emit(self, record):
            if record.name == "tracker.request":
                lines.append(json.loads(self.format(record)))

    handler = Collect()
    handler.setFormatter(JsonFormatter())
    app.logger.addHandler(handler)
    yield lines
    app.logger.removeHandler(handler)


def test_the_database_going_away_after_the_user_loaded_is_a_clean_503(
        client, login_as, clinician, monkeypatch, request_lines):
    """The signed-in user is loaded, then the database goes: the view's query fails, the 503
    handler rolls back (expiring the user's row), and the request log must not reload it."""
    login_as(clinician)
    execute = sa.orm.Session.execute
    down = {"now": False}

    def restart_midway(self, statement, *args, **kwargs):
        if down["now"] or "user_account" not in str(statement):
            down["now"] = True
            raise gone()
        return execute(self, statement, *args, **kwargs)

    request_lines.clear()
    monkeypatch.setattr(sa.orm.Session, "execute", restart_midway)
    response = client.get("/patients/")
    monkeypatch.undo()

    assert down["now"], "the user loaded and then the database went away"
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "The database is not answering" in response.get_data(as_text=True)
    [line] = request_lines
    assert line["status"] == 503 and line["route"] == "/patients/"
    assert line["user_id"] == clinician.id and line["role"] == "clinician"


def test_the_database_going_away_after_the_answer_keeps_the_answer(
        client, login_as, clinician, monkeypatch):
    """The view answered; closing the request's session then fails on the dead connection
    (its ROLLBACK). The answer stands, and the next request gets a fresh session."""
    login_as(clinician)
    close = sa.orm.Session.close
    failed = []

    def close_on_a_dead_connection(self):
        if not failed:
            failed.append(True)
            raise gone()
        return close(self)

    monkeypatch.setattr(sa.orm.Session, "close", close_on_a_dead_connection)
    response = client.get("/patients/")
    monkeypatch.undo()

    assert failed, "the session's close was reached"
    assert response.status_code == 200
    assert client.get("/patients/").status_code == 200
