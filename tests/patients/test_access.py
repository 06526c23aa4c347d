"""Role x route matrix of the patient pages.

Clinician pages: a clinician on the care team succeeds; a lead or a patient is refused by role
(403); a clinician off the team, or of another clinic, gets 404 for the patient's ids (and a
denied audit event is written); a lead of another clinic (the intruder) is refused by role.
The chart is the exception: the clinic's lead reads it (continuity drill-downs lead there) without
the charting actions, and a lead of another clinic gets 404.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests import factories as make
from tracker.core.audit.models import AuditEvent
from tracker.extensions import db

CHART = ("GET", "/patients/{pid}")
ROUTES = [  # (method, path template)
    CHART,
    ("GET", "/patients/{pid}/edit"),
    ("POST", "/patients/{pid}/edit"),
    ("GET", "/patients/{pid}/status"),
    ("POST", "/patients/{pid}/status"),
    ("POST", "/patients/{pid}/invite"),
    ("GET", "/patients/{pid}/courses/new"),
    ("POST", "/patients/{pid}/courses/new"),
    ("GET", "/patients/{pid}/courses/{cid}/status"),
    ("POST", "/patients/{pid}/courses/{cid}/status"),
    ("GET", "/patients/{pid}/sessions/new"),
    ("POST", "/patients/{pid}/sessions/new"),
]
UNSCOPED = [("GET", "/patients/"), ("GET", "/patients/new"), ("POST", "/patients/new")]


@pytest.fixture
def ids(patient, course, upcoming_session):
    db.session.commit()
    return {"pid": patient.id, "cid": course.id, "sid": upcoming_session.id}


def _call(client, method, path):
    return client.get(path) if method == "GET" else client.post(path, data={})


@pytest.mark.parametrize("method, template", [r for r in ROUTES + UNSCOPED if r != CHART])
@pytest.mark.parametrize("role", ["lead", "patient_user", "intruder"])
def test_other_roles_are_refused(request, login_as, ids, role, method, template):
    client = login_as(request.getfixturevalue(role))
    assert _call(client, method, template.format(**ids)).status_code == 403


def test_the_clinics_lead_reads_the_chart_without_charting_actions(login_as, lead, ids):
    response = login_as(lead).get(f"/patients/{ids['pid']}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Read-only" in html
    for action in ("/edit", "/status", "/invite", "/courses/new", "/sessions/new", "/intention"):
        assert f'/patients/{ids["pid"]}{action}"' not in html and f'{action}"' not in html


@pytest.mark.parametrize("role, expected", [("patient_user", 403), ("intruder", 404)])
def test_the_chart_refuses_patients_and_other_clinics(request, login_as, ids, role, expected):
    client = login_as(request.getfixturevalue(role))
    assert client.get(f"/patients/{ids['pid']}").status_code == expected


@pytest.mark.parametrize("method, template", ROUTES)
@pytest.mark.parametrize("role", ["clinician2", "outsider"])
def test_clinicians_off_the_team_get_404(request, login_as, ids, role, method, template):
    user = request.getfixturevalue(role)
    client = login_as(user)
    assert _call(client, method, template.format(**ids)).status_code == 404
    denied = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.user_id == user.id, AuditEvent.outcome == "denied"))
    assert denied == 1


@pytest.mark.parametrize("method, template", ROUTES + UNSCOPED)
def test_the_care_team_clinician_gets_the_page(login_as, clinician, ids, method, template):
    response = _call(login_as(clinician), method, template.format(**ids))
    # an empty POST is bad input (422), but the invitation posts no fields: it is refused (the
    # patient has no email) and sent back to the chart
    expected = 200 if method == "GET" else 303 if template.endswith("/invite") else 422
    assert response.status_code == expected, response.get_data(as_text=True)[:400]


def test_a_course_of_another_patient_is_not_found_under_this_patient(login_as, clinic, clinician,
                                                                    patient):
    other = make.patient(clinic, clinicians=[clinician])
    foreign_course = make.course(other)
    client = login_as(clinician)
    assert client.get(f"/patients/{patient.id}/courses/{foreign_course.id}/status").status_code == 404


def test_unknown_and_absurd_ids_are_404(login_as, clinician):
    client = login_as(clinician)
    assert client.get("/patients/999999").status_code == 404
    assert client.get("/patients/99999999999999999999999").status_code == 404
