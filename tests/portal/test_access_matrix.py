"""Every portal route x every role: the patient succeeds on their own records; a second patient
gets 404 with the first one's ids (and nothing is stored); staff get 403; nobody signed in is
sent to sign in."""
import pytest
import sqlalchemy as sa

from tests.portal.builders import local_today
from tracker.core.audit.models import AuditEvent
from tracker.extensions import db
from tracker.integration.models import Reflection, ReflectionRevision, TaskCompletion

# (method, path built from the first patient's journey `j` and today, form data, success code)
ROUTES = [
    ("GET", lambda j, t: "/me/", None, 200),
    ("GET", lambda j, t: "/me/tasks", None, 200),
    ("GET", lambda j, t: "/me/journal", None, 200),
    ("POST", lambda j, t: "/me/journal", {"text": "A new journal entry", "session_id": "0"}, 302),
    ("GET", lambda j, t: "/me/questionnaires", None, 200),
    ("GET", lambda j, t: "/me/questionnaires/phq9/new", None, 200),
    ("POST", lambda j, t: "/me/questionnaires/gad7/new", {f"item_{n}": "0" for n in range(1, 8)}, 302),
    ("GET", lambda j, t: "/me/record-access", None, 200),
    ("GET", lambda j, t: "/me/calendar.ics", None, 200),
]
ID_ROUTES = [
    ("GET", lambda j, t: f"/me/sessions/{j.past.id}", None, 200),
    ("GET", lambda j, t: f"/me/sessions/{j.upcoming.id}", None, 200),
    ("GET", lambda j, t: f"/me/sessions/{j.upcoming.id}/calendar.ics", None, 200),
    ("GET", lambda j, t: f"/me/follow-ups/{j.follow_up.id}/calendar.ics", None, 200),
    ("GET", lambda j, t: f"/me/tasks/{j.daily_task.id}", None, 200),
    ("POST", lambda j, t: f"/me/tasks/{j.daily_task.id}/reflections", {"text": "On my walk"}, 302),
    ("GET", lambda j, t: f"/me/tasks/{j.daily_task.id}/on/{t.isoformat()}", None, 200),
    ("POST", lambda j, t: f"/me/tasks/{j.daily_task.id}/on/{t.isoformat()}/done",
     {"done-reflection": "Felt good"}, 302),
    ("POST", lambda j, t: f"/me/tasks/{j.daily_task.id}/on/{t.isoformat()}/skip",
     {"skip-skip_reason": "Too tired"}, 302),
    ("GET", lambda j, t: f"/me/reflections/{j.reflection.id}/edit", None, 200),
    ("POST", lambda j, t: f"/me/reflections/{j.reflection.id}/edit",
     {"text": "Changed words", "version": "1"}, 302),
    ("GET", lambda j, t: f"/me/questionnaires/responses/{j.response.id}", None, 200),
]
ALL = ROUTES + ID_ROUTES


class _Placeholder:
    """Stands in for a journey and a day when naming the test cases."""
    id = "<id>"

    def __getattr__(self, name):
        return self

    def isoformat(self):
        return "<day>"


def _ids(routes):
    return [f"{method} {path(_Placeholder(), _Placeholder())}" for method, path, *_ in routes]


def _send(client, method, path, data):
    return client.get(path) if method == "GET" else client.post(path, data=data)


def _stored():
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                 for model in (Reflection, ReflectionRevision, TaskCompletion))


@pytest.mark.parametrize("method, path, data, ok", ALL, ids=_ids(ALL))
def test_the_patient_succeeds_on_their_own_records(login_as, patient_user, mine, theirs,
                                                    method, path, data, ok):
    client = login_as(patient_user)
    response = _send(client, method, path(mine, local_today(mine.patient)), data)
    assert response.status_code == ok, response.get_data(as_text=True)[:2000]


@pytest.mark.parametrize("method, path, data, ok", ID_ROUTES, ids=_ids(ID_ROUTES))
def test_a_second_patient_gets_404_with_the_first_patients_ids(login_as, patient2_user, mine, theirs,
                                                               method, path, data, ok):
    client = login_as(patient2_user)
    before = _stored()
    response = _send(client, method, path(mine, local_today(mine.patient)), data)
    assert response.status_code == 404
    assert _stored() == before
    body = response.get_data(as_text=True)
    for word in mine.words.values():
        assert word not in body


@pytest.mark.parametrize("method, path, data, ok", ID_ROUTES, ids=_ids(ID_ROUTES))
def test_a_refused_look_up_is_audited_as_denied(login_as, patient2_user, mine, theirs,
                                                 method, path, data, ok):
    client = login_as(patient2_user)
    _send(client, method, path(mine, local_today(mine.patient)), data)
    last = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
    assert (last.outcome, last.user_id, last.patient_id) == ("denied", patient2_user.id, None)


@pytest.mark.parametrize("role", ["lead", "clinician", "clinician2", "intruder"])
@pytest.mark.parametrize("method, path, data, ok", ALL, ids=_ids(ALL))
def test_staff_are_refused_every_portal_route(request, login_as, mine, role, method, path, data, ok):
    client = login_as(request.getfixturevalue(role))
    before = _stored()
    response = _send(client, method, path(mine, local_today(mine.patient)), data)
    assert response.status_code == 403
    assert _stored() == before


@pytest.mark.parametrize("method, path, data, ok", ALL, ids=_ids(ALL))
def test_nobody_signed_in_is_sent_to_sign_in(client, mine, method, path, data, ok):
    response = _send(client, method, path(mine, local_today(mine.patient)), data)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_patient_account_without_a_patient_record_gets_404(login_as, clinic):
    from tests import factories as make
    lonely = make.user(clinic, "patient", email="lonely@test.example")
    assert login_as(lonely).get("/me/").status_code == 404


@pytest.mark.parametrize("path", [
    "/me/tasks/{task}/on/not-a-date", "/me/tasks/{task}/on/2019-01-01", "/me/tasks/999999",
    "/me/sessions/999999", "/me/reflections/999999/edit", "/me/questionnaires/responses/999999",
    "/me/questionnaires/madrs/new", "/me/follow-ups/99999999999999999999999/calendar.ics"])
def test_unknown_ids_days_and_questionnaires_answer_404(login_as, patient_user, mine, path):
    client = login_as(patient_user)
    assert client.get(path.format(task=mine.daily_task.id)).status_code == 404


def test_pcl5_is_only_open_once_assigned(login_as, patient_user, patient, mine):
    client = login_as(patient_user)
    assert client.get("/me/questionnaires/pcl5/new").status_code == 200
    mine.assignment.cancelled_at = mine.assignment.assigned_at
    db.session.commit()
    assert client.get("/me/questionnaires/pcl5/new").status_code == 404
    answers = {f"item_{n}": "0" for n in range(1, 21)}
    assert client.post("/me/questionnaires/pcl5/new", data=answers).status_code == 404
