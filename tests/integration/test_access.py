"""Who may use the debrief and integration-plan routes: role x route, and foreign ids."""
from datetime import timedelta

import pytest

from tests import factories as make
from tests.dosing.builders import clinic_day, form, local
from tracker.db import utcnow

ROUTES = [
    # (method, path, data builder)
    ("GET", "/sessions/{sid}/debrief", None),
    ("POST", "/sessions/{sid}/debrief",
     lambda s, d: form("debrief", held_at=local(utcnow() - timedelta(minutes=5)),
                       emotions="Calm", version=d.version)),
    ("POST", "/sessions/{sid}/debrief/sign", lambda s, d: {}),
    ("POST", "/sessions/{sid}/debrief/tasks",
     lambda s, d: form("task", title="Walk", kind="movement", repeat="none",
                       due_on=clinic_day(2).isoformat())),
    ("POST", "/integration-tasks/{tid}/cancel", lambda s, d: form("cancel-{tid}", reason="Done")),
]


def expected_status(role, method):
    if role == "clinician":
        return 200 if method == "GET" else 302
    if role == "clinician2":
        return 404
    if role in ("patient_user", "patient2_user"):
        return 403
    if role == "lead":
        return 200 if method == "GET" else 403
    if role == "intruder":
        return 404 if method == "GET" else 403
    raise AssertionError(role)


@pytest.mark.parametrize("role", ["clinician", "lead", "clinician2", "patient_user",
                                  "patient2_user", "intruder"])
@pytest.mark.parametrize("method, path, data", ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_role_by_route(request, login_as, clinician, debriefed, debrief_of, patient2, role,
                       method, path, data):
    task = make.task(debriefed.patient, clinician, debrief=debrief_of)
    url = path.format(sid=debriefed.id, tid=task.id)
    payload = None
    if data:
        payload = {k.replace("{tid}", str(task.id)): v
                   for k, v in data(debriefed, debrief_of).items()}
    client = login_as(request.getfixturevalue(role))
    response = client.get(url) if method == "GET" else client.post(url, data=payload)
    assert response.status_code == expected_status(role, method), response.get_data(as_text=True)[:800]


def test_a_clinician_cannot_reach_another_teams_debrief_or_task(login_as, clinician, clinician2,
                                                                patient2):
    from tests.dosing.builders import dosed_session
    foreign = dosed_session(patient2, clinician2)
    debrief = make.debrief(foreign, clinician2)
    task = make.task(patient2, clinician2, debrief=debrief)
    client = login_as(clinician)
    assert client.get(f"/sessions/{foreign.id}/debrief").status_code == 404
    assert client.post(f"/integration-tasks/{task.id}/cancel",
                       data=form(f"cancel-{task.id}", reason="x")).status_code == 404
    assert client.post(f"/sessions/{foreign.id}/debrief/tasks", data={}).status_code == 404
