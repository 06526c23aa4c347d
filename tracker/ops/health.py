"""/healthz and /readyz for load balancers and orchestrators.

Both are public, leave no audit event and are not rate limited: a probe every few seconds must
neither fill the audit trail nor be throttled. /healthz never touches the database (the process
answers); /readyz checks that the database answers and that its schema is at the migrations'
head, so an instance never takes traffic against a half-migrated database.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify

from tracker.core.access import public
from tracker.extensions import db, limiter

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
@public
@limiter.exempt
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
@public
@limiter.exempt
def readyz():
    problem = readiness_problem()
    if problem:
        return jsonify(status="unavailable", reason=problem), 503
    return jsonify(status="ready")


def migration_heads() -> set[str]:
    """The head revision(s) of migrations/, read once per process (files do not change)."""
    heads = current_app.extensions.get("tracker.migration_heads")
    if heads is None:
        directory = current_app.extensions["migrate"].directory
        heads = set(ScriptDirectory(directory).get_heads())
        current_app.extensions["tracker.migration_heads"] = heads
    return heads


def readiness_problem() -> str | None:
    """None when the database answers and is at head; else why not, in words for an operator."""
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
            try:
                current = set(connection.scalars(sa.text("SELECT version_num FROM alembic_version")))
            except sa.exc.DBAPIError:
                return "the database has no migrations applied (run flask db upgrade)"
    except sa.exc.DBAPIError as error:
        current_app.logger.warning("readiness: the database did not answer: %s",
                                   type(error.orig or error).__name__)
        return "the database does not answer"
    heads = migration_heads()
    if current != heads:
        return (f"the database is at {', '.join(sorted(current)) or 'no revision'}; "
                f"the code expects {', '.join(sorted(heads))} (run flask db upgrade)")
    return None
