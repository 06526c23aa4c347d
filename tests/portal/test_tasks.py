"""My integration tasks: each day to mark done or skipped, reflections, the journal, edits with
history, stale saves, length limits; the task pages' query counts."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests import factories as make
from tests.conftest import page_text
from tests.portal.builders import local_today, more_tasks
from tracker.core.audit.models import AuditEvent
from tracker.extensions import db
from tracker.integration.models import Reflection, ReflectionRevision, TaskCompletion


def _marks(task):
    return db.session.scalars(sa.select(TaskCompletion).where(TaskCompletion.task_id == task.id)
                              .order_by(TaskCompletion.occurrence_on)).all()


def _reflections(task=None):
    stmt = sa.select(Reflection).order_by(Reflection.id)
    if task is not None:
        stmt = stmt.where(Reflection.task_id == task.id)
    return db.session.scalars(stmt).all()


def _day(j, offset=0):
    return (local_today(j.patient) + timedelta(days=offset)).isoformat()


def test_the_task_list_sorts_days_into_today_overdue_coming_up_and_done(login_as, patient_user, mine):
    text = page_text(login_as(patient_user).get("/me/tasks"))
    today = text.split("Today", 2)[2].split("Overdue", 1)[0]
    overdue = text.split("Overdue", 1)[1].split("Coming up", 1)[0]
    coming = text.split("Coming up", 1)[1].split("Done and skipped", 1)[0]
    done = text.split("Done and skipped", 1)[1]
    assert mine.words["task"] in today
    assert overdue.count(f"Mark {mine.words['task']},") == 2  # two unmarked days since the first
    assert mine.words["once task"] in coming
    assert mine.words["task"] in done and "Done" in done
    assert "dropped task" not in text


def test_marking_a_day_done_with_a_reflection(login_as, patient_user, patient, mine):
    client = login_as(patient_user)
    response = client.post(f"/me/tasks/{mine.daily_task.id}/on/{_day(mine)}/done",
                           data={"done-reflection": "The air helped."}, follow_redirects=True)
    assert response.status_code == 200
    assert "Marked done" in page_text(response)
    mark = _marks(mine.daily_task)[-1]
    assert (mark.occurrence_on.isoformat(), mark.outcome, mark.skip_reason) == (_day(mine), "done", None)
    assert _reflections(mine.daily_task)[-1].text == "The air helped."
    actions = db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.patient_id == patient.id, AuditEvent.user_id == patient_user.id)).all()
    assert "mark_done" in actions and "create" in actions


def test_marking_done_without_a_reflection_stores_no_reflection(login_as, patient_user, mine):
    before = len(_reflections())
    login_as(patient_user).post(f"/me/tasks/{mine.daily_task.id}/on/{_day(mine)}/done",
                                data={"done-reflection": "   "})
    assert len(_reflections()) == before and _marks(mine.daily_task)[-1].outcome == "done"


def test_skipping_needs_a_word_why(login_as, patient_user, mine):
    client = login_as(patient_user)
    url = f"/me/tasks/{mine.daily_task.id}/on/{_day(mine)}/skip"
    response = client.post(url, data={"skip-skip_reason": "  "})
    assert response.status_code == 422
    assert "why you skipped it" in page_text(response)
    assert len(_marks(mine.daily_task)) == 1
    response = client.post(url, data={"skip-skip_reason": "Raining hard"})
    assert response.status_code == 302
    assert (_marks(mine.daily_task)[-1].outcome, _marks(mine.daily_task)[-1].skip_reason) == (
        "skipped", "Raining hard")


def test_a_too_long_skip_reason_is_refused_and_kept(login_as, patient_user, mine):
    reason = "because " * 70
    response = login_as(patient_user).post(f"/me/tasks/{mine.daily_task.id}/on/{_day(mine)}/skip",
                                           data={"skip-skip_reason": reason})
    assert response.status_code == 422
    assert "under 500 characters" in page_text(response)
    assert reason.strip() in response.get_data(as_text=True)
    assert len(_marks(mine.daily_task)) == 1


def test_a_day_can_be_re_marked(login_as, patient_user, mine):
    client = login_as(patient_user)
    base = f"/me/tasks/{mine.daily_task.id}/on/{_day(mine)}"
    client.post(base + "/skip", data={"skip-skip_reason": "tired"})
    client.post(base + "/done", data={})
    marks = [m for m in _marks(mine.daily_task) if m.occurrence_on.isoformat() == _day(mine)]
    assert [(m.outcome, m.skip_reason) for m in marks] == [("done", None)]
    assert "You marked this day done" in page_text(client.get(base))


def test_a_re_mark_is_one_upsert_on_the_day_and_audited_without_borrowing_the_chain_lock(
        login_as, patient_user, mine, count_queries):
    client = login_as(patient_user)
    base = f"/me/tasks/{mine.daily_task.id}/on/{_day(mine)}"
    client.post(base + "/done", data={})
    first = next(m.id for m in _marks(mine.daily_task) if m.occurrence_on.isoformat() == _day(mine))
    with count_queries() as q:
        assert client.post(base + "/skip", data={"skip-skip_reason": "tired"}).status_code == 302
    writes = [s.split()[0:3] for s in q.statements if "task_completion" in s.lower()
              and not s.lstrip().upper().startswith("SELECT")]
    assert writes == [["INSERT", "INTO", "task_completion"]]
    upsert = next(i for i, s in enumerate(q.statements) if s.startswith("INSERT INTO task_comp"))
    chain = next(i for i, s in enumerate(q.statements) if "audit_chain_head" in s)
    assert "ON CONFLICT" in q.statements[upsert] and upsert < chain  # the mark never waits on it
    marks = [m for m in _marks(mine.daily_task) if m.occurrence_on.isoformat() == _day(mine)]
    assert [(m.id, m.outcome, m.skip_reason) for m in marks] == [(first, "skipped", "tired")]
    actions = db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.record_type == "integration_task", AuditEvent.action.like("mark_%"))
        .order_by(AuditEvent.id)).all()
    assert actions == ["mark_done", "mark_skipped"]


def test_a_repeating_task_day_that_has_not_come_cannot_be_marked(login_as, patient_user, mine):
    client = login_as(patient_user)
    base = f"/me/tasks/{mine.daily_task.id}/on/{_day(mine, 2)}"
    assert "This day has not come yet" in page_text(client.get(base))
    response = client.post(base + "/done", data={})
    assert response.status_code == 422 and "has not come yet" in page_text(response)
    assert len(_marks(mine.daily_task)) == 1


def test_a_one_off_task_can_be_done_before_its_due_date(login_as, patient_user, mine):
    response = login_as(patient_user).post(
        f"/me/tasks/{mine.once_task.id}/on/{mine.once_task.due_on.isoformat()}/done", data={})
    assert response.status_code == 302 and _marks(mine.once_task)[0].outcome == "done"


def test_a_cancelled_task_cannot_be_marked(login_as, patient_user, mine):
    client = login_as(patient_user)
    task = mine.cancelled_task
    assert "no longer in your plan" in page_text(client.get(f"/me/tasks/{task.id}"))
    response = client.post(f"/me/tasks/{task.id}/on/{task.due_on.isoformat()}/done", data={})
    assert response.status_code == 422 and "no longer in your plan" in page_text(response)
    assert _marks(task) == []


def test_a_day_that_is_not_an_occurrence_is_404(login_as, patient_user, mine):
    client = login_as(patient_user)
    day = (mine.daily_task.repeat_until + timedelta(days=1)).isoformat()
    assert client.get(f"/me/tasks/{mine.daily_task.id}/on/{day}").status_code == 404
    assert client.post(f"/me/tasks/{mine.daily_task.id}/on/{day}/done", data={}).status_code == 404


def test_writing_a_reflection_on_a_task(login_as, patient_user, mine):
    client = login_as(patient_user)
    response = client.post(f"/me/tasks/{mine.daily_task.id}/reflections",
                           data={"text": "Noticed the birds."}, follow_redirects=True)
    assert "Noticed the birds." in page_text(response)
    assert _reflections(mine.daily_task)[-1].text == "Noticed the birds."


@pytest.mark.parametrize("text, message", [
    ("   ", "Write a few words first"),
    ("x" * 5001, "Keep this under 5,000 characters"),
])
def test_bad_reflections_are_refused_with_a_message_and_the_text_kept(login_as, patient_user, mine,
                                                                       text, message):
    before = len(_reflections())
    response = login_as(patient_user).post(f"/me/tasks/{mine.daily_task.id}/reflections",
                                           data={"text": text})
    assert response.status_code == 422
    assert message in page_text(response)
    if text.strip():
        assert text in response.get_data(as_text=True)
    assert len(_reflections()) == before


def test_a_free_journal_entry_has_no_task(login_as, patient_user, mine):
    client = login_as(patient_user)
    response = client.post("/me/journal", data={"text": "Slept well.", "session_id": "0"},
                           follow_redirects=True)
    assert "Slept well." in page_text(response)
    entry = _reflections()[-1]
    assert (entry.text, entry.task_id, entry.session_id) == ("Slept well.", None, None)


def test_a_journal_entry_can_be_about_one_of_my_sessions(login_as, patient_user, mine):
    client = login_as(patient_user)
    client.post("/me/journal", data={"text": "About that day.", "session_id": str(mine.past.id)})
    assert _reflections()[-1].session_id == mine.past.id
    assert "About that day." in page_text(client.get("/me/"))


def test_a_journal_entry_cannot_point_at_someone_elses_session(login_as, patient_user, mine, theirs):
    before = len(_reflections())
    response = login_as(patient_user).post(
        "/me/journal", data={"text": "Sneaky", "session_id": str(theirs.past.id)})
    assert response.status_code == 422 and "Sneaky" in response.get_data(as_text=True)
    assert len(_reflections()) == before


def test_editing_a_reflection_keeps_the_earlier_text_in_its_history(login_as, patient_user, mine):
    client = login_as(patient_user)
    url = f"/me/reflections/{mine.reflection.id}/edit"
    response = client.post(url, data={"text": "Second thoughts.", "version": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/me/tasks/{mine.daily_task.id}")
    reflection = db.session.get(Reflection, mine.reflection.id)
    assert (reflection.text, reflection.version) == ("Second thoughts.", 2)
    revisions = db.session.scalars(sa.select(ReflectionRevision.text).where(
        ReflectionRevision.reflection_id == reflection.id)).all()
    assert revisions == [mine.words["reflection"]]
    for page in (url, f"/me/tasks/{mine.daily_task.id}", "/me/journal"):
        text = page_text(client.get(page))
        assert "Second thoughts." in text, page  # on the edit page: the form's text box
        assert mine.words["reflection"] in text, page  # the history, under the reflection


def test_a_stale_edit_is_refused_with_409_and_the_typed_text_kept(login_as, patient_user, mine):
    client = login_as(patient_user)
    url = f"/me/reflections/{mine.reflection.id}/edit"
    client.post(url, data={"text": "Saved from my phone.", "version": "1"})
    response = client.post(url, data={"text": "Typed on my laptop.", "version": "1"})
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "Typed on my laptop." in body and "Saved from my phone." in body
    assert "saved from another window or device" in page_text(response)
    assert 'name="version" type="hidden" value="2"' in body
    assert db.session.get(Reflection, mine.reflection.id).text == "Saved from my phone."
    # saving again after seeing the message replaces the text; both earlier texts are kept
    assert client.post(url, data={"text": "Typed on my laptop.", "version": "2"}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReflectionRevision)) == 2


def test_a_concurrent_save_caught_at_flush_is_also_a_409(login_as, patient_user, mine, monkeypatch):
    from sqlalchemy.orm.exc import StaleDataError

    from tracker.portal import services

    def lost_race(*args, **kwargs):
        raise StaleDataError("UPDATE statement on table 'reflection' expected to update 1 row(s)")
    monkeypatch.setattr(services, "edit_reflection", lost_race)
    response = login_as(patient_user).post(f"/me/reflections/{mine.reflection.id}/edit",
                                           data={"text": "My words", "version": "1"})
    assert response.status_code == 409 and "My words" in response.get_data(as_text=True)


def test_an_edit_that_is_too_long_is_refused_and_kept(login_as, patient_user, mine):
    text = "y" * 5001
    response = login_as(patient_user).post(f"/me/reflections/{mine.reflection.id}/edit",
                                           data={"text": text, "version": "1"})
    assert response.status_code == 422 and text in response.get_data(as_text=True)
    assert db.session.get(Reflection, mine.reflection.id).version == 1


def test_the_task_page_lists_each_day_and_its_reflections(login_as, patient_user, mine):
    text = page_text(login_as(patient_user).get(f"/me/tasks/{mine.daily_task.id}"))
    assert "every day from" in text and mine.words["reflection"] in text
    assert text.count("Done") == 1 and "Mark" in text  # the one day marked done, three days ago


def _count(client, count_queries, path):
    with count_queries() as q:
        assert client.get(path).status_code == 200
    return q.count


@pytest.mark.parametrize("path", ["/me/tasks", "/me/journal", "/me/tasks/{task}"])
def test_task_pages_run_the_same_number_of_queries_for_n_and_3n_tasks(
        login_as, patient_user, patient, clinician, mine, count_queries, path):
    path = path.format(task=mine.daily_task.id)
    client = login_as(patient_user)
    more_tasks(patient, clinician, mine.debrief, 4)
    db.session.commit()
    small = _count(client, count_queries, path)
    more_tasks(patient, clinician, mine.debrief, 8)
    db.session.commit()
    assert _count(client, count_queries, path) == small
    assert small <= 15, small


def test_patient_two_sees_only_their_own_tasks(login_as, patient2_user, mine, theirs):
    text = page_text(login_as(patient2_user).get("/me/tasks"))
    assert theirs.words["task"] in text and mine.words["task"] not in text


def test_marks_from_another_patient_do_not_leak_into_my_board(login_as, patient_user, patient2,
                                                               clinician2, mine):
    other_task = make.task(patient2, clinician2, title="Not yours", repeat="none")
    db.session.commit()
    assert "Not yours" not in page_text(login_as(patient_user).get("/me/tasks"))
    assert other_task.id


def test_a_patient_with_no_sessions_writes_in_the_journal_without_the_session_question(
        login_as, patient_user, patient):
    client = login_as(patient_user)
    assert 'name="session_id"' not in client.get("/me/journal").get_data(as_text=True)
    assert client.post("/me/journal", data={"text": "First entry."}).status_code == 302
    assert _reflections()[-1].text == "First entry."
