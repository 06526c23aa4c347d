"""Structured logs: one JSON object per line, one line per request.

Each request carries an id: the incoming X-Request-ID when it is a sane token (a proxy's or a
load balancer's), else a new one; it is returned in the response's X-Request-ID and put on every
log line written while the request runs, so one request's lines can be found across instances.

What a line never holds: patient data, query strings, form fields, cookies or tokens. The
request line names the route's rule (`/patients/<int:patient_id>`), not the path, whenever a
route matched, so even ids in paths stay out of the logs; only an unmatched path is logged as
sent, without its query string.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, g, has_request_context, request

REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
request_log = logging.getLogger("tracker.request")

# LogRecord attributes that are not extra fields given by the caller.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """A LogRecord as one line of JSON: time, level, logger, message, request id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context() and "request_id" in g:
            entry["request_id"] = g.request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(app: Flask) -> None:
    """Every logger's lines (the app's, the request log's, the libraries') as JSON, once.

    One handler on the root logger; the app's and the request log's lines propagate to it.
    Werkzeug's own access lines are silenced (the request log replaces them, with the route
    instead of the query string) so `make run` shows the same lines as production."""
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    app.logger.handlers[:] = []  # Flask's default handler would print each line a second time
    app.logger.setLevel(logging.DEBUG if app.debug else logging.INFO)
    request_log.setLevel(logging.INFO)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def start_request() -> None:
    """before_request: give the request its id and start its clock."""
    sent = request.headers.get("X-Request-ID", "")
    g.request_id = sent if REQUEST_ID.match(sent) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def remember_user() -> None:
    """before_request, after the access check has loaded the signed-in user (if any): note
    their id and role while the row is fresh, for the request line after a rollback."""
    g.request_user = _who(g.get("_login_user"))


def finish_request(response):
    """after_request: return the id and write the request's one line."""
    response.headers["X-Request-ID"] = g.get("request_id", "")
    started = g.get("request_started")
    if started is None:
        return response
    user_id, role = _who(g.get("_login_user"))  # set by Flask-Login only if the view looked
    if user_id is not None and role is None and g.get("request_user", (None,))[0] == user_id:
        role = g.request_user[1]  # the row was expired by a rollback: its role as first loaded
    request_log.info("request", extra={
        "method": request.method,
        "route": request.url_rule.rule if request.url_rule else request.path,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "user_id": user_id,
        "role": role,
    })
    return response


def _who(user) -> tuple[int | None, str | None]:
    """The signed-in user's id and role as already loaded, never by a query.

    After a rollback (a refused form, or the database going away mid-request) the user's row
    is expired, and reading `user.role` or `user.is_authenticated` would reload it: with the
    database down that query fails inside after_request, turning the clean 503 into a 500. The
    id survives in the row's identity; the role is logged only while still loaded."""
    if user is None or getattr(user, "is_anonymous", True):
        return None, None
    state = sa.inspect(user, raiseerr=False)
    if state is None:  # not a mapped row (a stand-in user)
        return getattr(user, "id", None), str(getattr(user, "role", "")) or None
    user_id = state.identity[0] if state.identity else state.dict.get("id")
    role = state.dict.get("role")
    return user_id, (str(role) if role is not None else None)
