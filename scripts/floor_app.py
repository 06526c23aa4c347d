"""The app, with three reference pages that do nothing of their own, for the throughput
benchmark only (scripts/throughput.py serves this module instead of wsgi:app; every page of
the app is the same code). They measure what any page of the app costs before its own work,
so the busy pages' figures can be read against what is possible at all:

- /bench/floor/signed-in: a signed-in clinician's request (the session cookie, the user
  loaded and its session checked, the access rule, the request's log line, the security
  headers), answering a few bytes;
- /bench/floor/page: the same, rendering the page frame (base.html: the navigation, the
  unread-notices count, the CSRF token) around one heading;
- /bench/floor/audited: the same page after recording one audit event and committing, as
  every page that shows clinical data does (the patient list records the same event).

Never imported by the app itself: `gunicorn --pythonpath scripts floor_app:app`.
"""
from functools import cache

from flask import Blueprint, current_app, render_template

from tracker import create_app
from tracker.core.access import allow
from tracker.core.audit.service import record_event
from tracker.core.users import CLINICIAN
from tracker.extensions import db

MARKER = "Reference page"
FRAME = ('{% extends "base.html" %}{% block title %}' + MARKER + '{% endblock %}'
         '{% block content %}<h1>' + MARKER + '</h1>{% endblock %}')

floor = Blueprint("bench_floor", __name__, url_prefix="/bench/floor")


@cache
def _frame():
    """The frame, compiled once (as the app's own templates are), not on every request."""
    return current_app.jinja_env.from_string(FRAME)


@floor.get("/signed-in")
@allow(CLINICIAN)
def signed_in():
    return f"<!doctype html><title>{MARKER}</title><h1>{MARKER}</h1>"


@floor.get("/page")
@allow(CLINICIAN)
def page():
    return render_template(_frame())


@floor.get("/audited")
@allow(CLINICIAN)
def audited():
    record_event("list", "patient", None)
    db.session.commit()
    return render_template(_frame())


app = create_app()
app.register_blueprint(floor)
