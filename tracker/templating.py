"""Template filters: times in the clinic's zone, dates, labels."""
from __future__ import annotations

from datetime import date, datetime

from tracker.security import idle_deadline
from tracker.timezones import clinic_zone, to_local


def local_datetime(value: datetime | None, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    return to_local(value).strftime(fmt) if value else "—"


def local_time(value: datetime | None) -> str:
    return to_local(value).strftime("%H:%M") if value else "—"


def local_date(value: datetime | date | None, fmt: str = "%a %d %b %Y") -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = to_local(value)
    return value.strftime(fmt)


def iso_local(value: datetime | None) -> str:
    """For <input type=datetime-local>: clinic-local time, minutes precision."""
    return to_local(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def register(app) -> None:
    app.jinja_env.filters.update(
        local_datetime=local_datetime, local_time=local_time, local_date=local_date,
        iso_local=iso_local,
    )
    app.jinja_env.globals.update(clinic_zone=clinic_zone, idle_deadline=idle_deadline,
                                  nav_links=nav_links)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


# The main menu per role.
NAV = {
    "lead": [("lead.overview", "Clinic overview"), ("lead.dashboard", "Continuity"),
             ("lead.audit_trail", "Audit trail"), ("lead.staff", "Staff"),
             ("lead.settings", "Settings"), ("notify.delivery_log", "Email log")],
    "clinician": [("patients.my_patients", "My patients")],
    "patient": [("portal.journey", "My journey"), ("portal.tasks", "My tasks"), ("portal.journal", "My journal"),
                ("portal.questionnaires", "Questionnaires"), ("portal.access_log", "Who has seen my record"),
                ("portal.reminders", "Reminders")],
}


def nav_links():
    from flask_login import current_user

    if not current_user.is_authenticated:
        return []
    return NAV.get(current_user.role, [])
