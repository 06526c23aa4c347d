"""The session page costs a fixed number of queries, however long the session."""
import pytest

from tests.dosing.builders import dosed_session, full_record
from tracker.dosing.services import sign_session_record
from tracker.extensions import db

MAX_QUERIES = 25


def _count(client, count_queries, url):
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200
    return queries.count


@pytest.mark.parametrize("signed", [False, True])
@pytest.mark.parametrize("role", ["clinician", "lead"])
def test_the_same_count_with_3_and_12_of_everything(request, login_as, clinician, patient,
                                                   count_queries, signed, role):
    sessions = [full_record(dosed_session(patient, clinician, notes=n), clinician, rows=n)
                for n in (3, 12)]
    if signed:
        for session in sessions:
            sign_session_record(session, clinician)
    db.session.commit()
    client = login_as(request.getfixturevalue(role))
    small, big = (_count(client, count_queries, f"/sessions/{s.id}") for s in sessions)
    print(f"session page, {role}, signed={signed}: {small} queries")
    assert small == big <= MAX_QUERIES, (small, big)
