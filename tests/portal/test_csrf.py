"""With CSRF protection on (as in production), every portal form carries its token and a post
without one is refused with nothing stored."""
import re

import sqlalchemy as sa

from tests import factories as make
from tests.portal.builders import local_today
from tracker.care.models import QuestionnaireResponse
from tracker.extensions import db
from tracker.integration.models import Reflection, TaskCompletion


def _hidden_fields(html: str, action: str | None) -> dict:
    """The hidden inputs of the form posting to `action` (None: the form posting to its page)."""
    opening = (f'<form method="post" action="{re.escape(action)}"' if action
               else '<form method="post" novalidate')
    form = re.search(rf'{opening}[^>]*>(.*?)</form>', html, re.S)
    return dict(re.findall(r'<input id="[^"]*" name="([^"]+)" type="hidden" value="([^"]*)"', form.group(1)))


def _sign_in(client, user):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": user.email, "password": make.PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_portal_forms_carry_their_token_and_refuse_posts_without_it(csrf_client, patient_user, mine):
    _sign_in(csrf_client, patient_user)
    day = local_today(mine.patient).isoformat()
    task_id = mine.daily_task.id
    cases = [  # (page with the form, the form's action, its data, model that grows)
        (f"/me/tasks/{task_id}/on/{day}", f"/me/tasks/{task_id}/on/{day}/done",
         {"done-reflection": "ok"}, TaskCompletion),
        (f"/me/tasks/{task_id}/on/{day}", f"/me/tasks/{task_id}/on/{day}/skip",
         {"skip-skip_reason": "tired"}, TaskCompletion),
        (f"/me/tasks/{task_id}", f"/me/tasks/{task_id}/reflections", {"text": "words"}, Reflection),
        ("/me/journal", "/me/journal", {"text": "entry", "session_id": "0"}, Reflection),
        ("/me/questionnaires/gad7/new", None, {f"item_{n}": "1" for n in range(1, 8)},
         QuestionnaireResponse),
    ]
    for page, action, data, model in cases:
        before = _count(model)
        refused = csrf_client.post(action or page, data=data)
        assert refused.status_code == 400, action or page
        assert _count(model) == before
        hidden = _hidden_fields(csrf_client.get(page).get_data(as_text=True), action)
        assert any(name.endswith("csrf_token") for name in hidden), page
        accepted = csrf_client.post(action or page, data={**data, **hidden})
        assert accepted.status_code == 302, (action or page, accepted.get_data(as_text=True)[:500])


def test_the_edit_form_carries_its_token_and_version(csrf_client, patient_user, mine):
    _sign_in(csrf_client, patient_user)
    url = f"/me/reflections/{mine.reflection.id}/edit"
    assert csrf_client.post(url, data={"text": "new", "version": "1"}).status_code == 400
    hidden = _hidden_fields(csrf_client.get(url).get_data(as_text=True), None)
    assert hidden["version"] == "1" and hidden["csrf_token"]
    assert csrf_client.post(url, data={"text": "new", **hidden}).status_code == 302
