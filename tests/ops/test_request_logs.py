"""One JSON line per request, with a request id, and nothing a patient would not want logged."""
from __future__ import annotations

import json
import logging

import pytest

from tracker.ops.logs import JsonFormatter, request_log


@pytest.fixture
def log_lines(app):
    """The JSON lines the request log writes during a test."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = Collect()
    handler.setFormatter(JsonFormatter())
    # "tracker.request" is a child of the app's logger ("tracker"): one handler sees both.
    assert request_log.parent is app.logger
    app.logger.addHandler(handler)
    yield lines
    app.logger.removeHandler(handler)


def test_every_logger_writes_json_through_the_root_handler(app):
    [handler] = [h for h in logging.getLogger().handlers if isinstance(h.formatter, JsonFormatter)]
    record = logging.LogRecord("flask-limiter", logging.WARNING, __file__, 1, "storage %s", ("down",),
                               None)
    assert json.loads(handler.format(record))["message"] == "storage down"
    assert not app.logger.handlers  # no second, plain-text copy of each line


def entries(lines):
    return [json.loads(line) for line in lines]


def test_a_request_gets_an_id_returned_and_logged(client, log_lines):
    response = client.get("/healthz")
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 32
    [entry] = [e for e in entries(log_lines) if e["logger"] == "tracker.request"]
    assert entry["request_id"] == request_id
    assert entry["method"] == "GET" and entry["route"] == "/healthz" and entry["status"] == 200
    assert isinstance(entry["duration_ms"], float)
    assert entry["user_id"] is None and entry["role"] is None


def test_an_incoming_request_id_is_kept_and_a_malformed_one_replaced(client, log_lines):
    assert client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.12"}).headers[
        "X-Request-ID"] == "lb-7f3a.12"
    forged = client.get("/healthz", headers={"X-Request-ID": "x\" injected {json}"})
    assert forged.headers["X-Request-ID"] != "x\" injected {json}"
    assert next(e["request_id"] for e in entries(log_lines)) == "lb-7f3a.12"


def test_signed_in_requests_log_the_user_and_role_but_no_patient_data(
        client, login_as, clinician, patient, log_lines):
    login_as(clinician)
    log_lines.clear()
    client.get(f"/patients/{patient.id}")
    client.get(f"/patients/?q={patient.family_name}")
    client.post("/login", data={"email": clinician.email, "password": "a-secret-typed-here"})
    logged = "\n".join(log_lines)
    found = [e for e in entries(log_lines) if e["logger"] == "tracker.request"]
    assert [e["route"] for e in found] == ["/patients/<int:patient_id>", "/patients/", "/login"]
    assert found[0]["user_id"] == clinician.id and found[0]["role"] == "clinician"
    for secret in (patient.family_name, patient.given_name, "a-secret-typed-here",
                   "tracker_session", "?q="):
        assert secret not in logged


def test_an_unmatched_path_is_logged_without_its_query_string(client, log_lines):
    client.get("/no-such-page?token=abc123")
    [entry] = [e for e in entries(log_lines) if e["logger"] == "tracker.request"]
    assert entry["route"] == "/no-such-page" and entry["status"] == 404
    assert "abc123" not in "\n".join(log_lines)


def test_an_error_is_logged_with_its_traceback_and_request_id(probe_app, log_lines):
    from tracker.core.access import public

    @probe_app.get("/boom")
    @public
    def boom():
        raise RuntimeError("deliberate failure for the log test")

    response = probe_app.test_client().get("/boom")
    assert response.status_code == 500
    errors = [e for e in entries(log_lines) if e["level"] == "ERROR"]
    [error] = errors
    assert "RuntimeError: deliberate failure" in error["traceback"]
    assert error["request_id"] == response.headers["X-Request-ID"]
