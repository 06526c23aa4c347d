"""PostgreSQL: the app's own database role, which may append to the audit trail but never
change, delete or truncate it (and, not owning the table, cannot switch its triggers off).

Migrations run as the tables' owner; the app runs as a separate login role:

    createuser -h HOST -U OWNER --pwprompt tracker_app
    FLASK_APP=wsgi DATABASE_URL=postgresql+psycopg://OWNER@HOST/DB flask db upgrade
    FLASK_APP=wsgi DATABASE_URL=postgresql+psycopg://OWNER@HOST/DB flask audit grant-app-role tracker_app
    DATABASE_URL=postgresql+psycopg://tracker_app:...@HOST/DB gunicorn wsgi:app

Run grant-app-role again after each migration (new tables need their grants).
"""
from __future__ import annotations

import re

import sqlalchemy as sa

from tracker.core.audit.models import AuditEvent
from tracker.extensions import db

ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
AUDIT_TABLE = AuditEvent.__tablename__


def grant_app_role(role: str) -> None:
    """Grant `role` what the app needs: every table read and written, except the audit trail
    (SELECT, INSERT) and the migrations' version table (SELECT). Raises ValueError when the
    database is not PostgreSQL, the name is not a plain role name, or the role owns the tables."""
    if db.engine.dialect.name != "postgresql":
        raise ValueError("Database roles exist on PostgreSQL only.")
    if not ROLE_NAME.fullmatch(role):
        raise ValueError("Use a plain role name: lower-case letters, digits and underscores.")
    owner = db.session.scalar(sa.text("SELECT tableowner FROM pg_tables WHERE tablename = :t"),
                              {"t": AUDIT_TABLE})
    if owner == role:
        raise ValueError(f"{role} owns the tables; the app must run as another role.")
    exists = db.session.scalar(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
    if not exists:
        raise ValueError(f"There is no role {role}; create it first (createuser --pwprompt {role}).")
    quoted = db.engine.dialect.identifier_preparer.quote(role)
    for statement in (
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"REVOKE UPDATE, DELETE ON {AUDIT_TABLE} FROM {quoted}",
        f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {quoted}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
    ):
        db.session.execute(sa.text(statement))
