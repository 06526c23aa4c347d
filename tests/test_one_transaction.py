"""The busy pages run in one transaction: everything they show is read before the audit event
of the read is committed, and nothing is read while the page renders. A read after the commit
opens a second transaction (BEGIN, the read, COMMIT): about a millisecond of every request."""
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from tests.patients import builders
from tracker.extensions import db


@contextmanager
def transactions():
    """Statements and commits, in order: ["SELECT ...", ..., "COMMIT"]."""
    seen = []

    def statement(_conn, _cursor, text, *_):
        seen.append(text)

    def commit(_conn):
        seen.append("COMMIT")

    sa.event.listen(db.engine, "before_cursor_execute", statement)
    sa.event.listen(db.engine, "commit", commit)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", statement)
        sa.event.remove(db.engine, "commit", commit)


@pytest.fixture
def sessions(patient, clinician):
    found = builders.journey(patient, clinician, 2)
    builders.safety_flag(patient)
    db.session.commit()
    return found


@pytest.mark.parametrize(("who", "url"), [
    ("clinician", lambda p, s: "/patients/"),
    ("clinician", lambda p, s: f"/patients/{p.id}"),
    ("clinician", lambda p, s: f"/sessions/{s[0].id}"),
    ("patient_user", lambda p, s: "/me/"),
])
def test_a_busy_page_commits_once_and_reads_nothing_after(request, login_as, patient, sessions,
                                                          who, url):
    client = login_as(request.getfixturevalue(who))
    page = url(patient, sessions)
    db.session.commit()  # the test's own reads: not the request's
    with transactions() as seen:
        response = client.get(page)
    assert response.status_code == 200
    assert seen.count("COMMIT") == 1, [s[:60] for s in seen]
    assert seen[-1] == "COMMIT" and seen[-2].startswith("UPDATE audit_chain_head"), seen[-3:]
