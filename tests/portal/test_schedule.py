"""tracker.portal.schedule: which task days and questionnaires are due (pure, no app)."""
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from tracker.portal.schedule import (
    can_mark_on,
    due_questionnaires,
    is_occurrence,
    task_board,
    visible_occurrences,
)

TODAY = date(2026, 3, 14)
NOW = datetime(2026, 3, 14, 15, 0, tzinfo=UTC)


def task(id=1, repeat="daily", starts=-3, until=10, due=None, title="Walk"):
    return SimpleNamespace(id=id, title=title, repeat=repeat, starts_on=TODAY + timedelta(days=starts),
                           repeat_until=TODAY + timedelta(days=until) if repeat != "none" else None,
                           due_on=TODAY + timedelta(days=due) if due is not None else None)


def mark(task_id, days, outcome="done"):
    return SimpleNamespace(task_id=task_id, occurrence_on=TODAY + timedelta(days=days), outcome=outcome)


def test_a_daily_task_shows_each_day_in_its_place():
    board = task_board([task()], [mark(1, -3)], TODAY, 7)
    assert [o.on for o in board.today] == [TODAY]
    assert [o.on for o in board.overdue] == [TODAY - timedelta(days=1), TODAY - timedelta(days=2)]
    assert [o.on for o in board.upcoming] == [TODAY + timedelta(days=d) for d in range(1, 8)]


def test_today_keeps_a_marked_day_with_its_status():
    board = task_board([task()], [mark(1, 0, "skipped")], TODAY, 7)
    assert board.today[0].status == "skipped"


def test_a_repeating_task_lists_missed_days_until_the_clinic_flags_them():
    board = task_board([task(starts=-30)], [], TODAY, 7)
    assert min(o.on for o in board.overdue) == TODAY - timedelta(days=7)
    board = task_board([task(starts=-30)], [], TODAY, 3)   # the clinic's task_overdue_flag_days
    assert min(o.on for o in board.overdue) == TODAY - timedelta(days=3)


def test_a_one_off_task_stays_overdue_until_marked():
    old = task(id=2, repeat="none", due=-40)
    assert [o.on for o in task_board([old], [], TODAY, 7).overdue] == [TODAY - timedelta(days=40)]
    assert task_board([old], [mark(2, -40)], TODAY, 7).empty


def test_a_one_off_task_due_far_ahead_is_listed_as_coming_up():
    assert [o.on for o in task_board([task(id=3, repeat="none", due=30)], [], TODAY, 7).upcoming] == [
        TODAY + timedelta(days=30)]


def test_weekly_tasks_fall_every_seven_days():
    weekly = task(repeat="weekly", starts=-14, until=14)
    assert visible_occurrences(weekly, TODAY, 7) == [TODAY - timedelta(days=7), TODAY, TODAY + timedelta(days=7)]
    assert is_occurrence(weekly, TODAY) and not is_occurrence(weekly, TODAY + timedelta(days=1))


def test_repeating_days_can_be_marked_once_they_have_come_one_offs_any_time():
    assert can_mark_on(task(), TODAY, TODAY)
    assert not can_mark_on(task(), TODAY + timedelta(days=1), TODAY)
    assert can_mark_on(task(repeat="none", due=5), TODAY + timedelta(days=5), TODAY)


def _due(latest, next_session=None, every=30, before=7):
    return {d.instrument: d.reason for d in due_questionnaires(
        latest, next_session, NOW, every_days=every, before_session_days=before)}


def test_never_answered_questionnaires_are_due():
    assert set(_due({})) == {"phq9", "gad7"}


def test_due_again_after_the_clinic_period():
    due = _due({"phq9": NOW - timedelta(days=31), "gad7": NOW - timedelta(days=29)})
    assert set(due) == {"phq9"} and "30 days" in due["phq9"]
    assert set(_due({"phq9": NOW - timedelta(days=12), "gad7": NOW - timedelta(days=12)}, every=10)) == {
        "phq9", "gad7"}


def test_due_before_a_session_unless_answered_within_the_days_before_it():
    recent_enough = {"phq9": NOW - timedelta(days=2), "gad7": NOW - timedelta(days=2)}
    session = NOW + timedelta(days=3)
    assert _due(recent_enough, session) == {}
    older = {"phq9": NOW - timedelta(days=6), "gad7": NOW - timedelta(days=1)}
    assert set(_due(older, session)) == {"phq9"}   # 6 days ago is 9 days before the session
    assert _due(older, NOW + timedelta(days=20)) == {}  # session too far away to ask yet
    assert set(_due(older, session, before=10)) == set()  # within 10 days before: fine
