"""My patients: the care team's patients, search, filters, pagination, one page in a fixed
number of queries."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests import factories as make
from tests.conftest import login, page_text
from tests.patients import builders
from tracker.db import utcnow
from tracker.extensions import db


def test_lists_only_the_care_teams_patients(login_as, clinician, patient, patient2):
    text = page_text(login_as(clinician).get("/patients/"))
    assert "Patient, Alex" in text and patient.record_number in text
    assert "Secondpatient" not in text


def test_a_row_shows_age_status_flags_and_next_due(login_as, clinic, clinician, patient):
    builders.safety_flag(patient)
    builders.safety_flag(patient)
    course = make.course(patient)
    make.dosing_session(course, clinician=clinician, scheduled_at=utcnow() + timedelta(days=3))
    builders.follow_up(patient, clinician, at=utcnow() + timedelta(days=5))
    text = page_text(login_as(clinician).get("/patients/"))
    assert "2 open" in text
    assert "Dosing session," in text and "Follow-up," not in text
    assert f"{patient.record_number} {patient.age_on(utcnow().date())} Active" in text


def test_next_due_is_the_earlier_of_session_and_follow_up(login_as, clinician, patient):
    course = make.course(patient)
    make.dosing_session(course, clinician=clinician, scheduled_at=utcnow() + timedelta(days=6))
    builders.follow_up(patient, clinician, at=utcnow() + timedelta(days=1))
    text = page_text(login_as(clinician).get("/patients/"))
    assert "Follow-up," in text and "Dosing session," not in text


@pytest.mark.parametrize("query, expected", [
    ("alex", {"Patient, Alex"}), ("PATIENT", {"Patient, Alex"}), ("Alex Pat", {"Patient, Alex"}),
    ("zzz", set()), ("%", set()), ("_", set()),
])
def test_search_by_name(login_as, clinic, clinician, patient, query, expected):
    make.patient(clinic, clinicians=[clinician], given="Robin", family="Other")
    text = page_text(login_as(clinician).get("/patients/", query_string={"q": query}))
    found = {name for name in ("Patient, Alex", "Other, Robin") if name in text}
    assert found == expected


def test_search_by_record_number(login_as, clinic, clinician, patient):
    make.patient(clinic, clinicians=[clinician], given="Robin", family="Other")
    text = page_text(login_as(clinician).get("/patients/", query_string={"q": patient.record_number.lower()}))
    assert "Patient, Alex" in text and "Other, Robin" not in text


def test_filter_by_status(login_as, clinic, clinician, patient):
    make.patient(clinic, clinicians=[clinician], given="Paula", family="Paused", status="paused")
    client = login_as(clinician)
    paused = page_text(client.get("/patients/?status=paused"))
    assert "Paused, Paula" in paused and "Patient, Alex" not in paused
    anything = page_text(client.get("/patients/?status=nonsense"))  # unknown: ignored
    assert "Paused, Paula" in anything and "Patient, Alex" in anything


def test_filter_by_needs_attention(login_as, clinic, clinician, patient):
    calm = make.patient(clinic, clinicians=[clinician], given="Calm", family="Person")
    builders.safety_flag(patient)
    course = make.course(calm)
    make.dosing_session(course, clinician=clinician, scheduled_at=utcnow() + timedelta(minutes=5))
    client = login_as(clinician)
    flagged = page_text(client.get("/patients/?attention=safety_flag"))
    assert "Patient, Alex" in flagged and "Person, Calm" not in flagged
    assert "Open safety flag" in flagged
    either = page_text(client.get("/patients/?attention=any"))
    assert "Patient, Alex" in either
    unknown = page_text(client.get("/patients/?attention=bogus"))
    assert "Patient, Alex" in unknown and "Person, Calm" in unknown


def test_pagination(app, login_as, clinic, clinician, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 3)
    for i in range(7):
        make.patient(clinic, clinicians=[clinician], given=f"P{i}", family=f"Family{i:02d}")
    client = login_as(clinician)
    first = page_text(client.get("/patients/"))
    assert "Family00" in first and "Family02" in first and "Family03" not in first
    third = client.get("/patients/?page=3")
    assert "Family06" in page_text(third) and "Family05" not in page_text(third)
    assert 'aria-current="page">3<' in third.get_data(as_text=True)
    assert client.get("/patients/?page=99").status_code == 200  # past the end: empty, not 404


def _busy_patients(clinic, clinician, n):
    for i in range(n):
        p = make.patient(clinic, clinicians=[clinician], family=f"Busy{i:03d}")
        builders.safety_flag(p)
        course = make.course(p)
        make.dosing_session(course, clinician=clinician, scheduled_at=utcnow() + timedelta(days=i + 1))
        builders.follow_up(p, clinician, at=utcnow() + timedelta(days=2))
    db.session.commit()


@pytest.mark.parametrize("query", ["", "?attention=any", "?q=busy&status=active"])
def test_the_list_costs_the_same_queries_for_n_and_3n_patients(app, clinic, clinician, clinician2,
                                                                count_queries, query):
    counts = []
    for user, n in ((clinician, 4), (clinician2, 12)):
        client = app.test_client()
        assert login(client, user).status_code == 302
        _busy_patients(clinic, user, n)
        with count_queries() as q:
            response = client.get(f"/patients/{query}")
        assert response.status_code == 200
        assert page_text(response).count("1 open") == n
        counts.append(q.count)
    assert counts[0] == counts[1], counts
    assert counts[0] <= 12, counts
