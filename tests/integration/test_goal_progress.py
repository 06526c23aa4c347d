"""Goal progress: rated at each debrief, followed across sessions by the carries, drawn on the
chart and in the portal (an SVG and, always, the same ratings in words), to the right eyes."""
from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta
from itertools import pairwise
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import factories as make
from tests.conftest import page_text
from tests.dosing.builders import form, local
from tests.integration.goal_builders import rated_goals
from tracker.core.audit.models import AuditEvent
from tracker.db import utcnow
from tracker.extensions import db
from tracker.integration.goal_progress import (
    HEIGHT,
    WIDTH,
    achievement_status,
    goal_history,
    goal_lines,
    plot,
)
from tracker.integration.models import Debrief, GoalProgress
from tracker.integration.services import debrief_content
from tracker.intention.models import Goal, Intention

WALK, CALL = "Walk outside three mornings a week", "Call my sister on Sundays"


def text_of(response) -> str:
    return html_lib.unescape(page_text(response))


# --- the debrief form: a rating per goal, with an optional note --------------------------------

@pytest.fixture
def dosed(clinic, clinician, patient):
    course = make.course(patient)
    session = make.dosing_session(course, clinician=clinician, ended=True,
                                  scheduled_at=utcnow() - timedelta(hours=5))
    make.intention(session, clinician, goals=(WALK, CALL))
    return session


def _goals(session):
    return db.session.scalars(sa.select(Goal).join(Intention).where(
        Intention.session_id == session.id).order_by(Goal.position)).all()


def _save(client, session, **values):
    data = dict(held_at=local(utcnow() - timedelta(minutes=10)), emotions="Relief.",
                version="0")
    data.update(values)
    return client.post(f"/sessions/{session.id}/debrief", data=form("debrief", **data))


def test_the_form_asks_a_rating_per_goal_as_a_labelled_radio_group(login_as, clinician, dosed):
    html = login_as(clinician).get(f"/sessions/{dosed.id}/debrief").get_data(as_text=True)
    groups = html.split('<fieldset class="goal-rating ')[1:]
    assert len(groups) == 2
    for goal, group in zip(_goals(dosed), groups, strict=True):
        group = group.split("<button")[0]
        assert re.match(rf'[^>]*>\s*<legend[^>]*>Progress on: {re.escape(goal.text)}</legend>',
                        group), goal.text
        radios = re.findall(rf'<input[^>]*name="debrief-rating_{goal.id}" type="radio" '
                            rf'value="(\d)"', group)
        assert radios == ["1", "2", "3", "4", "5"]
        for label in ("Not started", "A little progress", "Some progress", "Much progress",
                      "Achieved"):
            assert f">{label}</label>" in group
        assert "How far has it come?</legend>" in group
        assert f'id="debrief-goal_{goal.id}"' in group  # the note, in the same group


def test_a_rating_with_and_without_a_note_is_saved(login_as, clinician, dosed):
    walk, call = _goals(dosed)
    response = _save(login_as(clinician), dosed, **{
        f"rating_{walk.id}": "3", f"goal_{walk.id}": "Twice this week.", f"rating_{call.id}": "5"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    db.session.expire_all()
    rows = db.session.execute(sa.select(GoalProgress.goal_id, GoalProgress.rating,
                                        GoalProgress.note).order_by(GoalProgress.goal_id)).all()
    assert [tuple(r) for r in rows] == [(walk.id, 3, "Twice this week."), (call.id, 5, None)]
    # shown back as it was saved
    text = text_of(login_as(clinician).get(f"/sessions/{dosed.id}/debrief"))
    assert "Progress on: " + WALK in text


def test_clearing_rating_and_note_removes_the_entry(login_as, clinician, dosed):
    walk, _ = _goals(dosed)
    client = login_as(clinician)
    _save(client, dosed, **{f"rating_{walk.id}": "2"})
    version = db.session.scalar(sa.select(Debrief.version))
    response = _save(client, dosed, version=str(version))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GoalProgress)) == 0


@pytest.mark.parametrize("value", ["0", "6", "three", "-1"])
def test_a_rating_off_the_scale_is_refused_beside_the_goal(login_as, clinician, dosed, value):
    walk, _ = _goals(dosed)
    response = _save(login_as(clinician), dosed, **{f"rating_{walk.id}": value,
                                                   f"goal_{walk.id}": "Kept typing this."})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Kept typing this." in html  # nothing typed is lost
    assert f'debrief-rating_{walk.id}-error' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Debrief)) == 0


def test_the_rating_is_part_of_the_signed_content(clinician, dosed):
    walk, _ = _goals(dosed)
    debrief = make.debrief(dosed, clinician)
    db.session.add(GoalProgress(debrief_id=debrief.id, goal_id=walk.id, rating=4))
    db.session.add(GoalProgress(debrief_id=debrief.id, goal_id=_goals(dosed)[1].id, note="Old."))
    db.session.flush()
    db.session.refresh(debrief)
    content = debrief_content(debrief)["goal_progress"]
    # a row from before the ratings hashes as it did when it was signed: no rating key
    assert content == [{"goal_id": walk.id, "note": None, "rating": 4},
                       {"goal_id": _goals(dosed)[1].id, "note": "Old."}]


def test_a_signed_debrief_refuses_a_new_rating(login_as, clinician, dosed):
    walk, _ = _goals(dosed)
    client = login_as(clinician)
    _save(client, dosed, **{f"rating_{walk.id}": "2"})
    assert client.post(f"/sessions/{dosed.id}/debrief/sign").status_code == 302
    version = db.session.scalar(sa.select(Debrief.version))
    response = _save(client, dosed, version=str(version), **{f"rating_{walk.id}": "5"})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.scalar(sa.select(GoalProgress.rating)) == 2


def test_the_database_refuses_an_empty_entry_and_a_rating_off_the_scale(clinician, dosed):
    walk, call = _goals(dosed)
    debrief = make.debrief(dosed, clinician)
    for goal_id, rating, note in ((walk.id, None, None), (call.id, 9, None)):
        nested = db.session.begin_nested()
        db.session.add(GoalProgress(debrief_id=debrief.id, goal_id=goal_id, rating=rating,
                                    note=note))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        nested.rollback()


# --- carrying goals forward --------------------------------------------------------------------

def test_a_new_intention_starts_from_the_previous_goals_linked(login_as, clinician, patient):
    (earlier,) = rated_goals(patient, clinician, [{WALK: 3, CALL: 2}])
    later = make.dosing_session(earlier.course, clinician=clinician,
                                scheduled_at=utcnow() + timedelta(days=3))
    client = login_as(clinician)
    html = client.get(f"/sessions/{later.id}/intention").get_data(as_text=True)
    walk, call = _goals(earlier)
    assert f'value="{walk.id}"' in html and f'value="{WALK}"' in html
    assert "Carried forward from the previous session" in html
    # the clinician keeps the walk (reworded), drops the call, adds a new goal
    data = {"focus_areas": "depression", "intention_text": "Lighter.", "version": "",
            "goals-0-goal_id": "", "goals-0-carried_from": str(walk.id),
            "goals-0-text": "Walk outside four mornings a week",
            "goals-1-goal_id": "", "goals-1-carried_from": str(call.id), "goals-1-text": "",
            "goals-2-goal_id": "", "goals-2-carried_from": "", "goals-2-text": "Cook once a week"}
    assert client.post(f"/sessions/{later.id}/intention", data=data).status_code == 302
    rows = db.session.execute(sa.select(Goal.text, Goal.carried_from_id).join(Intention).where(
        Intention.session_id == later.id).order_by(Goal.position)).all()
    assert [tuple(r) for r in rows] == [("Walk outside four mornings a week", walk.id),
                                        ("Cook once a week", None)]
    # a goal is carried once: a third session starts from the later goals, not the earlier
    third = make.dosing_session(earlier.course, clinician=clinician,
                                scheduled_at=utcnow() + timedelta(days=10))
    html = client.get(f"/sessions/{third.id}/intention").get_data(as_text=True)
    assert "Walk outside four mornings a week" in html and WALK not in html


def test_a_carry_from_another_patient_or_a_later_session_is_not_linked(
        login_as, clinician, clinician2, patient, patient2):
    (theirs,) = rated_goals(patient2, clinician2, [{WALK: 3}])
    course = make.course(patient)
    session = make.dosing_session(course, clinician=clinician,
                                  scheduled_at=utcnow() + timedelta(days=3))
    data = {"focus_areas": "depression", "intention_text": "Lighter.", "version": "",
            "goals-0-goal_id": "", "goals-0-carried_from": str(_goals(theirs)[0].id),
            "goals-0-text": WALK}
    assert login_as(clinician).post(f"/sessions/{session.id}/intention",
                                    data=data).status_code == 302
    assert db.session.scalar(sa.select(Goal.carried_from_id).join(Intention).where(
        Intention.session_id == session.id)) is None


# --- lines across sessions ---------------------------------------------------------------------

def test_lines_follow_the_carries_newest_first(clinician, patient):
    rated_goals(patient, clinician, [{WALK: 1, CALL: 2}, {WALK: 3, CALL: None}, {WALK: 5}])
    lines = goal_lines(db.session.execute(goal_history(patient.id)).all())
    assert [(line.text, [p.rating for p in line.points]) for line in lines] == [
        (WALK, [1, 3, 5]), (CALL, [2, None])]
    assert lines[0].latest.label == "Achieved"


def test_the_patient_sees_signed_ratings_only(clinician, patient):
    rated_goals(patient, clinician, [{WALK: 2}], signed=False)
    (line,) = goal_lines(db.session.execute(goal_history(patient.id, signed_only=True,
                                                         with_notes=False)).all())
    assert [p.rating for p in line.points] == [None]


@pytest.mark.parametrize(("rating", "previous", "status"), [
    (None, 3, None), (1, None, "no-progress"), (3, None, "in-progress"), (5, None, "achieved"),
    (5, 5, "sustaining"), (4, 2, "improving"), (2, 4, "worsening"), (3, 3, "no-change"),
    (5, 2, "achieved")])
def test_fhir_achievement_status(rating, previous, status):
    assert achievement_status(rating, previous) == status


def _row(goal_id, carried_from, session, rating):
    from datetime import UTC, datetime
    return SimpleNamespace(id=goal_id, carried_from_id=carried_from, text=f"goal {goal_id}",
                           position=0, session_id=session,
                           status="scheduled" if rating is None and session % 3 == 2 else "completed",
                           session_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=session),
                           rating=rating, signed_at=None)


@st.composite
def carried_rows(draw):
    """Goals over up to 8 sessions, each carried (or not) from a goal of the session before."""
    rows, previous, next_id = [], [], 1
    for session in range(draw(st.integers(1, 8))):
        here = []
        for _ in range(draw(st.integers(0, 4))):
            free = [g for g in previous if g not in {r.carried_from_id for r in rows}]
            carried = draw(st.sampled_from([None, *free])) if free else None
            rating = draw(st.one_of(st.none(), st.integers(1, 5)))
            rows.append(_row(next_id, carried, session, rating))
            here.append(next_id)
            next_id += 1
        previous = here
    return rows


@settings(max_examples=100, deadline=None, derandomize=True)
@given(carried_rows())
def test_every_goal_is_on_exactly_one_line_in_order_and_drawn_inside_the_box(rows):
    lines = goal_lines(rows)
    seen = [p.goal_id for line in lines for p in line.points]
    assert sorted(seen) == [r.id for r in rows]
    by_id = {r.id: r for r in rows}
    for line in lines:
        ids = [p.goal_id for p in line.points]
        assert by_id[ids[0]].carried_from_id is None
        assert all(by_id[b].carried_from_id == a for a, b in pairwise(ids))
        drawing = plot(line)
        assert len(drawing["points"]) == len(line.rated)
        for p in drawing["points"]:
            assert 0 <= p.x <= WIDTH and 0 <= p.y <= HEIGHT
        ys = [p.y for p in drawing["points"]]
        ratings = [p.point.rating for p in drawing["points"]]
        assert all((ra < rb) == (ya > yb) for ra, rb, ya, yb in   # higher rating, higher up
                   zip(ratings, ratings[1:], ys, ys[1:], strict=False))


# --- the chart and the portal ------------------------------------------------------------------

def _svgs(html: str) -> list[str]:
    return re.findall(r'<svg class="goal-spark".*?</svg>', html, re.S)


def test_the_chart_draws_each_goal_with_a_table_of_the_same_ratings(login_as, clinician,
                                                                   patient):
    sessions = rated_goals(patient, clinician, [{WALK: 2, CALL: 3}, {WALK: 4, CALL: 3}],
                           notes={WALK: "Rain kept me in."})
    response = login_as(clinician).get(f"/patients/{patient.id}")
    html, text = response.get_data(as_text=True), text_of(response)
    svgs = _svgs(html)
    assert len(svgs) == 2 and all('role="img"' in s and "<title" in s for s in svgs)
    assert all(s.count("<circle") == 2 for s in svgs)
    assert "Goal progress" in text
    assert f"{WALK} Latest (" in text and "Much progress, 4 of 5" in text
    assert "A little progress (2 of 5)" in text and "Some progress (3 of 5)" in text
    assert "Rain kept me in." in text   # the clinician's note, on the chart only
    assert " style=" not in html        # drawn with classes: the CSP allows no inline style
    assert len(sessions) == 2


def test_a_draft_rating_is_marked_on_the_chart(login_as, clinician, patient):
    rated_goals(patient, clinician, [{WALK: 2}], signed=False)
    html = login_as(clinician).get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "goal-dot goal-dot-draft" in html and "(draft debrief)" in html


def test_the_patient_sees_their_own_goals_in_friendly_words(login_as, clinician, patient,
                                                           patient_user, clinician2, patient2):
    rated_goals(patient, clinician, [{WALK: 2}, {WALK: 4}], notes={WALK: "Clinician's words."})
    rated_goals(patient2, clinician2, [{"Blair's own goal": 3}])
    response = login_as(patient_user).get("/me/goals")
    assert response.status_code == 200
    html, text = response.get_data(as_text=True), text_of(response)
    assert "How your goals are going" in text and WALK in text
    assert "Last time (" in text and "Much progress, 4 of 5" in text
    assert len(_svgs(html)) == 1
    assert "Blair's own goal" not in text          # another patient's goals: never
    assert "Clinician's words." not in text        # the clinician's note: never
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.record_type == "goal_progress"))
    assert (event.action, event.patient_id, event.user_id) == ("read", patient.id, patient_user.id)


def test_the_portal_links_to_the_goals_from_the_intention(login_as, clinician, patient,
                                                         patient_user):
    course = make.course(patient)
    session = make.dosing_session(course, clinician=clinician,
                                  scheduled_at=utcnow() + timedelta(days=2))
    make.intention(session, clinician, goals=(WALK,))
    html = login_as(patient_user).get("/me/").get_data(as_text=True)
    assert 'href="/me/goals"' in html


def test_off_the_care_team_the_chart_and_its_goals_answer_404(login_as, clinician, clinician2,
                                                             patient):
    rated_goals(patient, clinician, [{WALK: 2}])
    response = login_as(clinician2).get(f"/patients/{patient.id}")
    assert response.status_code == 404
    assert WALK not in response.get_data(as_text=True)


def test_staff_do_not_open_the_portal_goals(login_as, clinician):
    assert login_as(clinician).get("/me/goals").status_code == 403
