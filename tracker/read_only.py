"""A request whose transaction only read ends with COMMIT, not ROLLBACK.

psycopg prepares a statement once it has run five times on a connection, so PostgreSQL stops
parsing it and, after five custom plans, usually stops planning it. But a ROLLBACK makes
psycopg forget every statement it prepared on that connection, and every request ended with
one: a page commits its audit event before rendering, the template still reads (the unread
notices count, ...), and closing the session at the end rolls that read back. Nothing was ever
prepared, and PostgreSQL planned the chart's journey statement afresh each time (4.3 ms of
the chart's 7.3 ms of PostgreSQL CPU).

A transaction that ran only reads since it began changes nothing whether it commits or rolls
back: `end_reads()` commits it. What counts as a read is decided per statement as it is sent
(`_note_writes`): SELECT, or WITH without INSERT, UPDATE, DELETE or MERGE. Anything else
(a write, a savepoint, SET, LOCK, ...) marks the connection until its transaction ends; so
do changes the ORM holds but has not sent, and audit events waiting for a commit. Any of
those, or an error, and the request ends with the ROLLBACK as before.
"""
from __future__ import annotations

import re
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

_WROTE = "tracker.wrote"          # Connection.info: a statement other than a read was sent
_CONNECTIONS = "tracker.connections"  # Session.info: the connections of its transaction
_SELECT = re.compile(r"\s*SELECT\b", re.IGNORECASE)
_WITH = re.compile(r"\s*WITH\b", re.IGNORECASE)
_DML = re.compile(r"\b(?:INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)


def is_read(statement: str) -> bool:
    if _SELECT.match(statement):
        return True
    return bool(_WITH.match(statement)) and not _DML.search(statement)


@sa.event.listens_for(Engine, "before_cursor_execute")
def _note_writes(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
    if not is_read(statement):
        conn.info[_WROTE] = True


@sa.event.listens_for(Engine, "commit")
@sa.event.listens_for(Engine, "rollback")
def _transaction_ended(conn) -> None:
    conn.info.pop(_WROTE, None)


@sa.event.listens_for(Session, "after_begin")
def _remember_connection(session, _transaction, connection) -> None:
    session.info.setdefault(_CONNECTIONS, []).append(connection)


@sa.event.listens_for(Session, "after_transaction_end")
def _forget_connections(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CONNECTIONS, None)


_HOLDERS: list[Callable[[Session], bool]] = []


def holds_writes(check: Callable[[Session], bool]) -> Callable[[Session], bool]:
    """Register `check(session)`: true when the session holds something it writes at its
    commit (the audit trail's events do). Such a transaction is never committed here."""
    _HOLDERS.append(check)
    return check


def only_read(session: Session) -> bool:
    """The session's open transaction has sent only reads, and holds nothing to write."""
    if session.new or session.dirty or session.deleted or any(h(session) for h in _HOLDERS):
        return False
    return not any(c.info.get(_WROTE) for c in session.info.get(_CONNECTIONS, ()))


def end_reads(session: Session) -> None:
    """Commit the session's transaction if it only read (see the module's docstring); else
    leave it to be rolled back."""
    if session.in_transaction() and only_read(session):
        session.commit()
