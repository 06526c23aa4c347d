"""The integration plan: tasks added at the debrief, cancelled with a reason, and the patient's
progress (occurrences, marks, reflections) shown to the clinician in a bounded number of queries."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests import factories as make
from tests.conftest import page_text
from tests.dosing.builders import clinic_day, form
from tracker.extensions import db
from tracker.integration.models import IntegrationTask, Reflection, TaskCompletion


def _tasks():
    db.session.expire_all()
    return db.session.scalars(sa.select(IntegrationTask).order_by(IntegrationTask.id)).all()


def _day(offset: int) -> str:
    return clinic_day(offset).isoformat()


def _add(client, session, **values):
    data = dict(title="Morning walk", kind="movement", instructions="Ten minutes outside.",
                repeat="none", due_on=_day(3), starts_on="", repeat_until="")
    data.update(values)
    return client.post(f"/sessions/{session.id}/debrief/tasks", data=form("task", **data))


def test_a_one_off_task(login_as, clinician, debriefed, debrief_of):
    response = _add(login_as(clinician), debriefed)
    assert response.status_code == 302 and response.headers["Location"].endswith("#plan")
    [task] = _tasks()
    assert (task.debrief_id, task.patient_id, task.repeat, task.due_on.isoformat(),
            task.repeat_until, task.active) == (debrief_of.id, debriefed.patient_id, "none",
                                                _day(3), None, True)


@pytest.mark.parametrize("repeat", ["daily", "weekly"])
def test_a_repeating_task(login_as, clinician, debriefed, repeat):
    response = _add(login_as(clinician), debriefed, repeat=repeat, due_on="",
                    starts_on=_day(0), repeat_until=_day(28))
    assert response.status_code == 302
    [task] = _tasks()
    assert (task.repeat, task.starts_on.isoformat(), task.repeat_until.isoformat(),
            task.due_on) == (repeat, _day(0), _day(28), None)


@pytest.mark.parametrize("values, field, message", [
    (dict(due_on=""), "due_on", "A one-off task needs a due date."),
    (dict(due_on=_day(-1)), "due_on", "The due date has passed"),
    (dict(starts_on=_day(0)), "starts_on", "A one-off task has a due date only"),
    (dict(repeat_until=_day(9)), "repeat_until", "A one-off task has a due date only"),
    (dict(repeat="daily", due_on="", repeat_until=_day(9)), "starts_on", "Give the first day"),
    (dict(repeat="daily", due_on="", starts_on=_day(0)), "repeat_until", "Give the last day"),
    (dict(repeat="weekly", starts_on=_day(0), repeat_until=_day(9)), "due_on",
     "A repeating task has no single due date"),
    (dict(repeat="daily", due_on="", starts_on=_day(5), repeat_until=_day(2)), "repeat_until",
     "The last day is before the first day."),
    (dict(repeat="daily", due_on="", starts_on=_day(-2), repeat_until=_day(2)), "starts_on",
     "The first day has passed"),
    (dict(repeat="daily", due_on="", starts_on=_day(0), repeat_until=_day(400)), "repeat_until",
     "A repeat runs for a year at most"),
    (dict(repeat="monthly"), "repeat", "Not a valid choice"),
    (dict(due_on="12/31/2026"), "due_on", "There is no such day"),
    (dict(title="  "), "title", "Give the task a title."),
])
def test_the_schedule_shape_is_checked_beside_the_field(login_as, clinician, debriefed, values,
                                                        field, message):
    response = _add(login_as(clinician), debriefed, **values)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html.split(f'id="task-{field}-error"', 1)[1][:400]
    assert _tasks() == []
    if "title" not in values:
        assert 'value="Morning walk"' in html


def test_no_plan_before_the_debrief(login_as, clinician, dosed):
    response = _add(login_as(clinician), dosed)
    assert response.status_code == 422 and "Save the debrief first" in page_text(response)
    assert _tasks() == []


def test_a_task_is_cancelled_with_a_reason_and_kept(login_as, clinician, debriefed, debrief_of):
    task = make.task(debriefed.patient, clinician, debrief=debrief_of)
    client = login_as(clinician)
    url = f"/integration-tasks/{task.id}/cancel"
    refused = client.post(url, data=form(f"cancel-{task.id}", reason=" "))
    assert refused.status_code == 422 and "Say why the task is cancelled." in page_text(refused)
    assert _tasks()[0].active is True
    assert client.post(url, data=form(f"cancel-{task.id}", reason="Knee injury")).status_code == 302
    [kept] = _tasks()
    assert (kept.active, kept.cancel_reason) == (False, "Knee injury")
    page = page_text(client.get(f"/sessions/{debriefed.id}/debrief"))
    assert "Cancelled" in page and "Knee injury" in page
    again = client.post(url, data=form(f"cancel-{task.id}", reason="Twice"))
    assert again.status_code == 422 and "already cancelled" in page_text(again)
    assert _tasks()[0].cancel_reason == "Knee injury"


def test_tasks_are_added_after_the_debrief_is_signed(login_as, clinician, debriefed):
    client = login_as(clinician)
    client.post(f"/sessions/{debriefed.id}/debrief/sign")
    assert _add(client, debriefed).status_code == 302
    assert len(_tasks()) == 1


def _progress(task, patient):
    """Marks on the first three days of a daily task started three days ago, a reflection."""
    start = task.starts_on
    db.session.add_all([
        TaskCompletion(task_id=task.id, patient_id=patient.id, occurrence_on=start,
                       outcome="done"),
        TaskCompletion(task_id=task.id, patient_id=patient.id,
                       occurrence_on=start + timedelta(days=1), outcome="skipped",
                       skip_reason="Too tired"),
        Reflection(patient_id=patient.id, task_id=task.id, text=f"Reflection on {task.title}"),
    ])
    db.session.flush()


def test_the_clinician_sees_occurrences_marks_and_reflections(login_as, clinician, patient,
                                                             debriefed, debrief_of):
    today = clinic_day()
    task = make.task(patient, clinician, debrief=debrief_of, repeat="daily",
                     starts_on=today - timedelta(days=3), repeat_until=today + timedelta(days=4),
                     title="Breathing")
    _progress(task, patient)
    page = page_text(login_as(clinician).get(f"/sessions/{debriefed.id}/debrief"))
    assert "Due so far: 4 · done 1 · skipped 1 · not marked 1" in page
    assert "Skipped: Too tired" in page and "Reflection on Breathing" in page
    assert "Due today" in page


def _count(client, count_queries, url):
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200
    return queries.count


def test_the_debrief_page_costs_the_same_with_2_and_6_tasks(login_as, clinician, patient,
                                                           count_queries):
    from tests.dosing.builders import dosed_session
    today = clinic_day()
    urls = []
    for n in (2, 6):
        session = dosed_session(patient, clinician)
        debrief = make.debrief(session, clinician, held_at=session.started_at + timedelta(hours=1))
        for i in range(n):
            task = make.task(patient, clinician, debrief=debrief, repeat="daily", title=f"T{i}",
                             starts_on=today - timedelta(days=3),
                             repeat_until=today + timedelta(days=4))
            _progress(task, patient)
        urls.append(f"/sessions/{session.id}/debrief")
    db.session.commit()
    client = login_as(clinician)
    small, big = (_count(client, count_queries, url) for url in urls)
    print(f"debrief page: {small} queries")
    assert small == big <= 25, (small, big)
