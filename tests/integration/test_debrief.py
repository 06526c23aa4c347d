"""The debrief: held after the session, beside the intention, stale saves refused, signed."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import page_text
from tests.dosing.builders import form, local
from tracker.core.audit.models import AuditEvent
from tracker.core.signing.models import Addendum
from tracker.core.signing.service import content_hash
from tracker.db import utcnow
from tracker.extensions import db
from tracker.integration.models import Debrief, GoalProgress
from tracker.integration.services import debrief_content
from tracker.intention.models import Goal, Intention


def goals(session):
    return db.session.scalars(sa.select(Goal).join(Intention, Goal.intention_id == Intention.id)
                              .where(Intention.session_id == session.id)
                              .order_by(Goal.position)).all()


def debrief_of(session) -> Debrief | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Debrief).where(Debrief.session_id == session.id))


def _save(client, session, version=0, **values):
    data = dict(held_at=local(utcnow() - timedelta(minutes=10)), emotions="Relief, then sadness.",
                insights="Noticed the critic's voice.", what_surfaced="Memories of school.",
                relation_to_intention="Closer to feeling lighter.", version=str(version))
    data.update(values)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"/sessions/{session.id}/debrief", data=form("debrief", **data))


def test_the_page_shows_the_intention_and_goals_beside_the_form(login_as, clinician, dosed):
    html = login_as(clinician).get(f"/sessions/{dosed.id}/debrief").get_data(as_text=True)
    text = " ".join(html.split())
    assert "To feel less weighed down." in text
    for goal in goals(dosed):
        assert f'id="debrief-goal_{goal.id}"' in html and f"Progress on: {goal.text}" in text


def test_holding_a_debrief_with_progress_per_goal(login_as, clinician, dosed):
    walk, call = goals(dosed)
    response = _save(login_as(clinician), dosed, **{f"goal_{walk.id}": "Walked twice.",
                                                    f"goal_{call.id}": ""})
    assert response.status_code == 302
    debrief = debrief_of(dosed)
    assert (debrief.emotions, debrief.clinician_id, debrief.signed_at) == (
        "Relief, then sadness.", clinician.id, None)
    assert [(p.goal_id, p.note) for p in debrief.goal_progress] == [(walk.id, "Walked twice.")]
    [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "create",
                                                             AuditEvent.record_type == "debrief"))
    assert event.record_id == debrief.id


def test_revising_the_draft_and_clearing_a_goal_note(login_as, clinician, dosed):
    walk, _ = goals(dosed)
    client = login_as(clinician)
    _save(client, dosed, **{f"goal_{walk.id}": "Walked twice."})
    version = debrief_of(dosed).version
    assert _save(client, dosed, version=version, emotions="Calm.",
                 **{f"goal_{walk.id}": ""}).status_code == 302
    debrief = debrief_of(dosed)
    assert debrief.emotions == "Calm." and debrief.goal_progress == []
    assert debrief.version == version + 1


def test_a_debrief_before_the_session_is_refused(login_as, clinician, dosed):
    response = _save(login_as(clinician), dosed,
                     held_at=local(dosed.started_at - timedelta(hours=3)))
    assert response.status_code == 422
    assert "held after the session" in response.get_data(as_text=True).split(
        'id="debrief-held_at-error"', 1)[1][:300]
    assert debrief_of(dosed) is None


def test_a_debrief_in_the_future_is_refused(login_as, clinician, dosed):
    response = _save(login_as(clinician), dosed, held_at=local(utcnow() + timedelta(days=1)))
    assert response.status_code == 422 and "in the future" in page_text(response)


def test_an_empty_debrief_is_refused(login_as, clinician, dosed):
    response = _save(login_as(clinician), dosed, emotions="", insights="", what_surfaced="",
                     relation_to_intention="")
    assert response.status_code == 422 and "Write at least one part" in page_text(response)


def test_a_session_not_yet_started_has_no_debrief(login_as, clinician, scheduled_session_):
    client = login_as(clinician)
    assert "has not started yet" in page_text(client.get(f"/sessions/{scheduled_session_.id}/debrief"))
    response = _save(client, scheduled_session_)
    assert response.status_code == 422 and "has not started yet" in page_text(response)
    assert debrief_of(scheduled_session_) is None


@pytest.fixture
def scheduled_session_(patient, clinician):
    from tests.dosing.builders import scheduled_session
    return scheduled_session(patient, clinician)


def test_100000_characters_are_refused_and_kept(login_as, clinician, dosed):
    text = "z" * 100_000
    response = _save(login_as(clinician), dosed, insights=text)
    assert response.status_code == 422
    assert "Keep this under 10,000 characters" in page_text(response)
    assert text in response.get_data(as_text=True)
    assert debrief_of(dosed) is None


def test_a_stale_save_is_refused_with_409_and_the_typed_text_kept(login_as, clinician, debriefed):
    opened_at = debrief_of(debriefed).version
    debrief = debrief_of(debriefed)
    debrief.insights = "A colleague's insight."
    db.session.commit()
    typed = "My own careful wording of what surfaced."
    response = _save(login_as(clinician), debriefed, version=opened_at, what_surfaced=typed)
    assert response.status_code == 409
    text = page_text(response)
    assert "Someone else saved this record since you opened it" in text
    assert typed in text and "The debrief as saved now" in text and "A colleague" in text
    assert debrief_of(debriefed).what_surfaced != typed
    # The form now carries the current version: saving again, deliberately, goes through.
    html = response.get_data(as_text=True)
    assert f'value="{debrief_of(debriefed).version}"' in html
    assert _save(login_as(clinician), debriefed, version=debrief_of(debriefed).version,
                 what_surfaced=typed).status_code == 302


def test_two_clinicians_opening_a_new_debrief_do_not_overwrite_each_other(login_as, clinician, dosed):
    client = login_as(clinician)
    assert _save(client, dosed, version=0, emotions="First").status_code == 302
    response = _save(client, dosed, version=0, emotions="Second")
    assert response.status_code == 409
    assert debrief_of(dosed).emotions == "First"


def test_a_change_to_goal_notes_alone_makes_other_forms_stale(login_as, clinician, debriefed):
    walk, _ = goals(debriefed)
    version = debrief_of(debriefed).version
    client = login_as(clinician)
    _save(client, debriefed, version=version, emotions="Relief",
          insights="Noticed self-criticism.", what_surfaced=None, relation_to_intention=None,
          **{f"goal_{walk.id}": "Walked once."})
    assert debrief_of(debriefed).version == version + 1
    assert _save(client, debriefed, version=version).status_code == 409


# --- signing ----------------------------------------------------------------------------------

def test_signing_the_debrief_and_refusing_edits_after(login_as, clinician, debriefed):
    walk, _ = goals(debriefed)
    client = login_as(clinician)
    _save(client, debriefed, version=debrief_of(debriefed).version, **{f"goal_{walk.id}": "Twice."})
    response = client.post(f"/sessions/{debriefed.id}/debrief/sign")
    assert response.status_code == 302
    debrief = debrief_of(debriefed)
    assert debrief.signed_by_id == clinician.id
    assert debrief.content_hash == content_hash(debrief_content(debrief))
    page = page_text(client.get(f"/sessions/{debriefed.id}/debrief"))
    assert debrief.content_hash in page and "still matches this hash" in page
    assert "Twice." in page

    refused = _save(client, debriefed, version=debrief.version, emotions="Rewritten")
    assert refused.status_code == 409
    assert "This debrief is signed and can no longer be edited" in page_text(refused)
    again = client.post(f"/sessions/{debriefed.id}/debrief/sign")
    assert again.status_code == 409
    after = debrief_of(debriefed)
    assert (after.emotions, after.signed_at, after.content_hash) == (
        debrief.emotions, debrief.signed_at, debrief.content_hash)


def test_an_invalid_save_to_a_signed_debrief_is_refused_as_signed(login_as, clinician, debriefed):
    client = login_as(clinician)
    client.post(f"/sessions/{debriefed.id}/debrief/sign")
    response = _save(client, debriefed, version=1, emotions="", insights="", what_surfaced="",
                     relation_to_intention="")
    assert response.status_code == 409 and "is signed" in page_text(response)


def test_signing_needs_a_debrief(login_as, clinician, dosed):
    response = login_as(clinician).post(f"/sessions/{dosed.id}/debrief/sign")
    assert response.status_code == 422 and "Save the debrief before signing" in page_text(response)


def test_a_debrief_addendum_is_shown_beside_it(login_as, clinician, debriefed):
    client = login_as(clinician)
    client.post(f"/sessions/{debriefed.id}/debrief/sign")
    debrief = debrief_of(debriefed)
    response = client.post(f"/records/debrief/{debrief.id}/addenda", data=form(
        "addendum", reason="Correction", text="The walk was on Tuesday, not Monday."))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sessions/{debriefed.id}/debrief#signature")
    page = page_text(client.get(f"/sessions/{debriefed.id}/debrief"))
    assert "Reason: Correction" in page and "Tuesday, not Monday" in page
    assert db.session.scalar(sa.select(Addendum.record_type)) == "debrief"


def test_a_changed_goal_note_after_signing_shows_as_a_mismatch(login_as, clinician, debriefed):
    walk, _ = goals(debriefed)
    client = login_as(clinician)
    _save(client, debriefed, version=debrief_of(debriefed).version, **{f"goal_{walk.id}": "Twice."})
    client.post(f"/sessions/{debriefed.id}/debrief/sign")
    db.session.execute(sa.update(GoalProgress).values(note="Never."))
    db.session.commit()
    assert "does not match the hash" in page_text(client.get(f"/sessions/{debriefed.id}/debrief"))


def test_the_lead_reads_the_debrief_without_forms(login_as, lead, debriefed):
    response = login_as(lead).get(f"/sessions/{debriefed.id}/debrief")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Noticed self-criticism." in html and "<textarea" not in html
