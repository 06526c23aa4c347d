"""With CSRF protection on (as in production), the session page's prefixed forms carry their
token and a post without one is refused with nothing stored."""
import re

import sqlalchemy as sa

from tests import factories as make
from tests.dosing.builders import first_note, local
from tracker.db import utcnow
from tracker.dosing.models import SessionNote
from tracker.extensions import db


def _hidden(html: str, action: str) -> dict:
    form = re.search(rf'<form method="post" action="{re.escape(action)}"[^>]*>(.*?)</form>',
                     html, re.S)
    return dict(re.findall(r'<input[^>]*name="([^"]+)" type="hidden" value="([^"]*)"',
                           form.group(1)))


def _sign_in(client, user):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/login", data={"email": user.email, "password": make.PASSWORD,
                                       "csrf_token": token}).status_code == 302


def _notes() -> int:
    return db.session.scalar(sa.select(sa.func.count(SessionNote.id)))


def test_a_note_posts_with_the_pages_token_and_not_without(csrf_client, clinician, dosed):
    _sign_in(csrf_client, clinician)
    action = f"/sessions/{dosed.id}/notes"
    html = csrf_client.get(f"/sessions/{dosed.id}").get_data(as_text=True)
    hidden = _hidden(html, action)
    assert "note-csrf_token" in hidden
    note = {"note-noted_at": local(utcnow()), "note-kind": "observation", "note-text": "Calm."}
    assert csrf_client.post(action, data=note).status_code == 400
    assert _notes() == 1
    assert csrf_client.post(action, data={**note, **hidden}).status_code == 302
    assert _notes() == 2


def test_the_buttons_carry_their_token(csrf_client, clinician, dosed):
    _sign_in(csrf_client, clinician)
    note = first_note(dosed)
    action = f"/sessions/{dosed.id}/notes/{note.id}/share"
    html = csrf_client.get(f"/sessions/{dosed.id}").get_data(as_text=True)
    token = re.search(rf'<form method="post" action="{re.escape(action)}"[^>]*>\s*'
                      r'<input type="hidden" name="csrf_token" value="([^"]+)"', html).group(1)
    assert csrf_client.post(action).status_code == 400
    assert csrf_client.post(action, data={"csrf_token": token}).status_code == 302
    assert first_note(dosed).shared_with_patient is True
