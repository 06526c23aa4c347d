"""My journey: what is next, each session so far, and the calendar download."""
from __future__ import annotations

from datetime import timedelta

from flask import Response, current_app
from flask_login import current_user
from sqlalchemy.orm import load_only

from tracker.care.models import FollowUp
from tracker.core.access import allow, record_or_404
from tracker.core.audit.service import record_event
from tracker.core.preparation import preparation_text
from tracker.core.sessions import DosingSession
from tracker.core.users import PATIENT
from tracker.db import utcnow
from tracker.extensions import db
from tracker.portal import ics, pages, queries
from tracker.portal.routes import bp, own_patient, show
from tracker.timezones import clinic_today

# Calendar entries only need a sensible length: a dosing session with its observation time
# (esketamine needs at least two hours), a follow-up about an hour.
SESSION_LENGTH = timedelta(hours=2)
FOLLOW_UP_LENGTH = timedelta(hours=1)
# Reminders in the patient's calendar: the day before (time to arrange the escort and fast),
# and two hours before.
SESSION_ALARMS = (timedelta(days=1), timedelta(hours=2))
FOLLOW_UP_ALARMS = (timedelta(hours=1),)


@bp.route("/")
@allow(PATIENT)
def journey():
    patient = own_patient()
    today = clinic_today()
    page = pages.journey(patient, utcnow(), today, current_user.clinic)
    record_event("read", "journey", patient.id, patient_id=patient.id)
    return show("portal/journey.html", patient=patient, today=today, **page)


@bp.route("/sessions/<int:session_id>")
@allow(PATIENT)
def session_detail(session_id: int):
    patient = own_patient()
    record_or_404(DosingSession, session_id,
                  options=[load_only(*queries.SESSION_COLUMNS, raiseload=True)])
    story = pages.session_stories(patient.id, [session_id])[0]
    return show("portal/session.html", story=story)


# --- add to my calendar ------------------------------------------------------------------------

def _uid(kind: str, record_id: int) -> str:
    domain = current_app.config.get("ICS_UID_DOMAIN", "journey-tracker")
    return f"{kind}-{record_id}.clinic-{current_user.clinic_id}@{domain}"


def _session_event(session) -> ics.Event:
    return ics.Event(uid=_uid("dosing-session", session.id), starts_at=session.scheduled_at,
                     summary=f"Dosing session at {current_user.clinic.name}",
                     duration=SESSION_LENGTH, sequence=session.version - 1,
                     location=_clinic_location(),
                     description="How to prepare:\n" + preparation_text(),
                     alarms=SESSION_ALARMS)


def _clinic_location() -> str:
    """The clinic's name and, once recorded in its settings, its address."""
    clinic = current_user.clinic
    address = getattr(clinic, "address", None)
    return f"{clinic.name}, {address}" if address else clinic.name


def _follow_up_event(follow_up) -> ics.Event:
    kind = pages.follow_up_kind(follow_up.kind).lower()
    summary = "Follow-up appointment" if follow_up.kind == "other" else f"Follow-up: {kind}"
    return ics.Event(uid=_uid("follow-up", follow_up.id), starts_at=follow_up.scheduled_at,
                     summary=summary, duration=FOLLOW_UP_LENGTH, sequence=follow_up.version - 1,
                     location=_clinic_location(), alarms=FOLLOW_UP_ALARMS)


def _ics_response(events, filename: str) -> Response:
    body = ics.calendar(events, name=f"{current_user.clinic.name} appointments",
                        generated_at=utcnow())
    return Response(body.encode("utf-8"), mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/calendar.ics")
@allow(PATIENT)
def calendar():
    """Every upcoming dosing session and follow-up, for the patient's own calendar app."""
    patient = own_patient()
    now = utcnow()
    events = [_session_event(s) for s in db.session.scalars(queries.upcoming_sessions(patient.id, now))]
    events += [_follow_up_event(f) for f in db.session.execute(queries.upcoming_follow_ups(patient.id, now))]
    events.sort(key=lambda e: e.starts_at)
    record_event("export", "calendar", patient.id, patient_id=patient.id)
    db.session.commit()
    return _ics_response(events, "my-appointments.ics")


@bp.route("/sessions/<int:session_id>/calendar.ics")
@allow(PATIENT)
def session_calendar(session_id: int):
    dosing = record_or_404(DosingSession, session_id, audit_action="export",
                            options=[load_only(*queries.SESSION_COLUMNS, raiseload=True)])
    db.session.commit()
    return _ics_response([_session_event(dosing)], f"dosing-session-{dosing.id}.ics")


@bp.route("/follow-ups/<int:follow_up_id>/calendar.ics")
@allow(PATIENT)
def follow_up_calendar(follow_up_id: int):
    follow_up = record_or_404(FollowUp, follow_up_id, audit_action="export", options=[load_only(
        FollowUp.id, FollowUp.patient_id, FollowUp.kind, FollowUp.scheduled_at, FollowUp.version,
        raiseload=True)])
    db.session.commit()
    return _ics_response([_follow_up_event(follow_up)], f"follow-up-{follow_up.id}.ics")
