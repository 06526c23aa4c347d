"""Render after commit: a test fails if any app renders a template while its database session
holds work that has not been committed.

Views end their transaction before they render (commit, or roll back and record the refused
attempt: tracker/core/saving.py). A page rendered over open writes shows the user something the
database may never keep, and whatever the request wrote after its last commit is silently
rolled back when the app context ends. This plugin (loaded by tests/conftest.py) makes that a
test failure instead of a silent loss.

How it works:
- Listeners on the Session class (every app's sessions, in every thread, so the browser
  tests' live server too) mark a session "has uncommitted writes" after a flush or an ORM
  INSERT/UPDATE/DELETE (record_event's chain-head update is one), and clear the mark when its
  outermost transaction ends (commit, rollback or close). A savepoint ending clears nothing.
- A receiver of Flask's `template_rendered` signal, connected for all senders (every app the
  tests build: `app`, `probe_app`, `csrf_client`'s app), looks at the rendering context's
  session: the mark, and objects still pending (new, deleted, or dirty with a real change).
  An error page rendered after a rollback is clean by then, so it passes.
- What it finds is recorded rather than raised: the app's catch-all error handler would turn
  an exception into a 500 page and hide the cause. The test then fails with one assertion
  that names each template, the endpoint and what was left open.

The guard's own tests (tests/test_render_guard.py) take the `render_guard` fixture and call
`render_guard.check()` under pytest.raises, which consumes what it found.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import has_request_context, request, template_rendered
from sqlalchemy.orm import Session

from tracker.extensions import db

UNCOMMITTED = "render_guard.uncommitted_writes"
_TEXT_WRITE = re.compile(r"\s*(?:INSERT|UPDATE|DELETE|REPLACE|MERGE|TRUNCATE)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Violation:
    template: str
    where: str
    pending: str

    def __str__(self) -> str:
        return f"template {self.template!r} rendered by {self.where} with {self.pending}"


class RenderGuard:
    """The violations seen since the current test began (any thread may add to them)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._seen: list[Violation] = []

    def add(self, violation: Violation) -> None:
        with self._lock:
            self._seen.append(violation)

    def take(self) -> list[Violation]:
        with self._lock:
            seen, self._seen = self._seen, []
        return seen

    def check(self, phase: str = "test") -> None:
        """Fail with every violation seen since the last check (and forget them)."""
        __tracebackhide__ = True
        if seen := self.take():
            lines = "\n  ".join(str(v) for v in seen)
            raise AssertionError(f"render after commit ({phase}): a template was rendered while "
                                 f"the database session had uncommitted work; commit (or roll "
                                 f"back) before render_template:\n  {lines}")


guard = RenderGuard()


# --- the session's mark ----------------------------------------------------------------------

@sa.event.listens_for(Session, "after_flush")
def _flushed(session, flush_context):
    session.info[UNCOMMITTED] = True


@sa.event.listens_for(Session, "do_orm_execute")
def _executed(state):
    statement = state.statement
    writes = state.is_insert or state.is_update or state.is_delete
    if not writes and isinstance(statement, sa.TextClause):
        writes = bool(_TEXT_WRITE.match(statement.text))
    if writes:
        state.session.info[UNCOMMITTED] = True


@sa.event.listens_for(Session, "after_transaction_end")
def _ended(session, transaction):
    if transaction.parent is None:  # the outermost transaction: committed or rolled back
        session.info.pop(UNCOMMITTED, None)


def open_work(session: Session) -> str | None:
    """What `session` holds that is not committed, in words, or None."""
    parts = []
    if session.info.get(UNCOMMITTED):
        parts.append("rows flushed but not committed")
    for label, objects in (("new", session.new), ("deleted", session.deleted),
                           ("changed", [o for o in session.dirty if session.is_modified(o)])):
        if objects:
            names = sorted({type(o).__name__ for o in objects})
            parts.append(f"{label} objects pending ({', '.join(names)})")
    return "; ".join(parts) or None


# --- the signal --------------------------------------------------------------------------------

def _on_render(sender, template, context, **extra):
    if not db.session.registry.has():
        return  # this app context has no session yet: nothing can be open
    pending = open_work(db.session())
    if pending is None:
        return
    where = (f"endpoint {request.endpoint!r} ({request.method} {request.path})"
             if has_request_context() else f"app {sender.name!r} outside a request")
    guard.add(Violation(template.name or "<string>", where, pending))


@pytest.fixture(scope="session", autouse=True)
def _render_guard_connected():
    template_rendered.connect(_on_render)  # no sender: every app of the run
    yield
    template_rendered.disconnect(_on_render)


@pytest.fixture
def render_guard() -> RenderGuard:
    return guard


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    guard.take()  # nothing carries over from an earlier test
    result = yield
    guard.check("fixture setup")
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    try:
        result = yield
    except Exception as error:
        guard.check("test, which also failed")  # the guard's finding first: it is the cause
        raise error
    guard.check("test")
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    result = yield
    guard.check("fixture teardown")
    return result
