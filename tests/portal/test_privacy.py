"""Privacy: no portal page shows clinician-only fields, and a patient never sees another's
names, intentions or reflections, on any page (HTML, JSON blocks and calendar files alike)."""
import pytest

from tests.portal.builders import SECRET_MARKERS, local_today
from tracker.core.audit.service import record_event
from tracker.extensions import db


def portal_pages(j, today) -> list[str]:
    """Every GET page of the portal a patient can reach with their own journey."""
    pages = ["/me/", "/me/tasks", "/me/journal", "/me/questionnaires", "/me/questionnaires/phq9/new",
             "/me/questionnaires/gad7/new", "/me/questionnaires/pcl5/new", "/me/record-access",
             "/me/record-access?mine=1", "/me/calendar.ics"]
    for s in (j.past, j.cancelled, j.upcoming):
        pages.append(f"/me/sessions/{s.id}")
    pages += [f"/me/sessions/{j.upcoming.id}/calendar.ics", f"/me/follow-ups/{j.follow_up.id}/calendar.ics",
              f"/me/follow-ups/{j.past_follow_up.id}/calendar.ics"]
    for t in (j.daily_task, j.once_task, j.cancelled_task):
        pages.append(f"/me/tasks/{t.id}")
    pages += [f"/me/tasks/{j.daily_task.id}/on/{today.isoformat()}",
              f"/me/tasks/{j.daily_task.id}/on/{j.mark.occurrence_on.isoformat()}",
              f"/me/tasks/{j.once_task.id}/on/{j.once_task.due_on.isoformat()}",
              f"/me/reflections/{j.reflection.id}/edit", f"/me/reflections/{j.journal_entry.id}/edit",
              f"/me/questionnaires/responses/{j.response.id}"]
    return pages


@pytest.fixture
def staff_looked(mine, theirs, clinician, clinician2):
    """The clinicians read their own patient's records, so the access logs show staff events."""
    record_event("read", "patient", mine.patient.id, patient_id=mine.patient.id, user=clinician)
    record_event("read", "patient", theirs.patient.id, patient_id=theirs.patient.id, user=clinician2)
    db.session.commit()


def _every_page(client, j):
    for path in portal_pages(j, local_today(j.patient)):
        response = client.get(path)
        assert response.status_code == 200, path
        yield path, response.get_data(as_text=True)


def test_no_portal_page_shows_clinician_only_fields(login_as, patient_user, mine, theirs, staff_looked):
    client = login_as(patient_user)
    for path, body in _every_page(client, mine):
        for what, marker in SECRET_MARKERS.items():
            assert marker not in body, f"{what} shown on {path}"
        assert "127.0.0.1" not in body, f"an IP address shown on {path}"


def test_the_patient_sees_their_own_story(login_as, patient_user, mine, theirs):
    body = login_as(patient_user).get("/me/").get_data(as_text=True)
    for key in ("intention", "goal", "upcoming intention", "shared note", "reflection", "journal", "task"):
        assert mine.words[key] in body, key


@pytest.mark.parametrize("viewer, own, other, other_names", [
    ("patient_user", "mine", "theirs", ("Blair", "Secondpatient", "Dana Otherclinician")),
    ("patient2_user", "theirs", "mine", ("Alex", "Casey Clinician")),
])
def test_neither_patient_ever_sees_the_others_names_or_words(request, login_as, staff_looked,
                                                             viewer, own, other, other_names):
    client = login_as(request.getfixturevalue(viewer))
    own_j, other_j = request.getfixturevalue(own), request.getfixturevalue(other)
    for path, body in _every_page(client, own_j):
        for word in other_j.words.values():
            assert word not in body, f"the other patient's {word!r} shown on {path}"
        for name in other_names:
            assert name not in body, f"{name!r} shown on {path}"
