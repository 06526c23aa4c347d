"""The vitals schedule: computed from the session's times and readings (pure), and shown on the
session page as due, done, overdue or upcoming."""
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.dosing.builders import dosed_session, form, local
from tracker.db import utcnow
from tracker.dosing.schedule import CheckStatus, vitals_schedule

DONE, DUE, OVERDUE, UPCOMING = (CheckStatus.DONE, CheckStatus.DUE, CheckStatus.OVERDUE,
                                CheckStatus.UPCOMING)
T0 = datetime(2026, 5, 4, 14, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def schedule(*, now, readings=(), started=0, ended=None, discharged=None, route="intranasal",
             interval=15):
    return vitals_schedule(
        started_at=at(started) if started is not None else None,
        ended_at=at(ended) if ended is not None else None,
        discharged_at=at(discharged) if discharged is not None else None, route=route,
        readings=[at(m) for m in readings], now=at(now), iv_interval=interval)


def states(checks):
    return [(check.label, check.status) for check in checks]


def test_before_the_start_the_pre_dose_reading_is_due():
    checks = schedule(now=-10, started=None)
    assert states(checks) == [("Before dosing", DUE),
                              ("About 40 minutes after dosing", UPCOMING),
                              ("Before discharge", UPCOMING)]
    assert checks[1].due_at is None and checks[1].when == "40 minutes after the start"


def test_a_reading_before_the_start_does_the_pre_dose_check():
    checks = schedule(now=-1, started=None, readings=[-5])
    assert checks[0].status == DONE and checks[0].done_at == at(-5)


def test_dosing_without_a_pre_dose_reading_makes_it_overdue():
    assert schedule(now=10)[0].status == OVERDUE
    assert schedule(now=3)[0].status == DUE           # within the start's grace
    assert schedule(now=10, readings=[3])[0].status == DONE


@pytest.mark.parametrize("now, status", [(20, UPCOMING), (30, DUE), (40, DUE), (50, DUE),
                                         (51, OVERDUE), (90, OVERDUE)])
def test_the_forty_minute_check_over_time(now, status):
    [_, forty, _] = schedule(now=now, readings=[-5])
    assert forty.due_at == at(40) and forty.status == status


def test_a_late_forty_minute_reading_still_does_it_and_shows_its_time():
    [_, forty, _] = schedule(now=70, readings=[-5, 55])
    assert forty.status == DONE and forty.done_at == at(55)


def test_one_reading_does_one_check():
    pre, forty, _ = schedule(now=60, readings=[-5])
    assert pre.status == DONE and forty.status == OVERDUE


def test_before_discharge_is_due_once_the_session_ends_and_overdue_if_discharged_without():
    assert schedule(now=100, readings=[-5, 40])[-1].status == UPCOMING
    assert schedule(now=130, readings=[-5, 40], ended=120)[-1].status == DUE
    assert schedule(now=130, readings=[-5, 40, 118], ended=120)[-1].status == DONE
    assert schedule(now=135, readings=[-5, 40], ended=120, discharged=130)[-1].status == OVERDUE


def test_iv_adds_a_check_every_interval_until_the_end():
    checks = schedule(now=100, route="iv", interval=15, ended=95,
                      readings=[-5, 15, 30, 41, 60, 75, 95])
    assert [c.label for c in checks] == [
        "Before dosing", "IV check at 15 minutes", "IV check at 30 minutes",
        "About 40 minutes after dosing", "IV check at 60 minutes", "IV check at 75 minutes",
        "Before discharge"]   # 90 falls in the before-discharge window (from 80)
    assert [c.status for c in checks] == [DONE] * 7
    assert checks[-1].done_at == at(95)
    checks = schedule(now=100, route="iv", interval=15, ended=95, readings=[-5, 15, 41, 75, 95])
    assert [c.status for c in checks] == [DONE, DONE, OVERDUE, DONE, OVERDUE, DONE, DONE]


def test_an_iv_session_going_on_lists_the_next_check():
    checks = schedule(now=22, route="iv", interval=15, readings=[-5, 14])
    assert states(checks)[1:] == [("IV check at 15 minutes", DONE),
                                  ("IV check at 30 minutes", UPCOMING),
                                  ("About 40 minutes after dosing", UPCOMING),
                                  ("Before discharge", UPCOMING)]


def test_the_interval_is_the_clinics_setting():
    labels = [c.label for c in schedule(now=80, route="iv", interval=10, ended=75)]
    assert labels[1:6] == ["IV check at 10 minutes", "IV check at 20 minutes",
                           "IV check at 30 minutes", "About 40 minutes after dosing",
                           "IV check at 50 minutes"]


@given(st.lists(st.integers(-30, 200), max_size=12), st.integers(0, 240),
       st.sampled_from(["iv", "im", "intranasal"]), st.integers(5, 60),
       st.none() | st.integers(40, 180))
def test_each_reading_does_at_most_one_check_and_done_means_a_reading(readings, now, route,
                                                                      interval, ended):
    checks = schedule(now=now, readings=readings, route=route, interval=interval, ended=ended)
    done = [c.done_at for c in checks if c.status == DONE]
    assert all(c.done_at is None for c in checks if c.status != DONE)
    for moment in set(done):
        assert done.count(moment) <= sum(1 for m in readings if at(m) == moment)
    due_times = [c.due_at for c in checks if c.due_at is not None]
    assert due_times == sorted(due_times)


# --- on the page --------------------------------------------------------------------------

def test_the_session_page_shows_the_schedule(login_as, clinician, patient):
    session = dosed_session(patient, clinician, ended=False)   # IV, started two hours ago
    client = login_as(clinician)
    client.post(f"/sessions/{session.id}/vitals", data=form(
        "vitals", measured_at=local(session.started_at - timedelta(minutes=5)), phase="pre_dose",
        systolic="120", diastolic="80"))
    client.post(f"/sessions/{session.id}/vitals", data=form(
        "vitals", measured_at=local(utcnow() - timedelta(minutes=1)), phase="during",
        heart_rate="72", respiratory_rate="14"))
    html = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    block = html.split('id="vitals-schedule"', 1)[1].split("</ul>", 1)[0]
    import re
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block))
    assert "Done Before dosing: reading at" in text
    assert "Overdue IV check at 15 minutes" in text
    assert "Overdue About 40 minutes after dosing" in text
    assert "Done IV check at 120 minutes" in text or "Done IV check at 105 minutes" in text
    assert "Upcoming Before discharge: when the session ends" in text
    assert "14 /min" in html    # the respiratory rate is shown with the reading
