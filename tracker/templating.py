"""Template filters: times in the clinic's zone, dates, labels."""
from __future__ import annotations

from datetime import date, datetime

from tracker.datetext import show_date, show_datetime, show_day_month, show_time
from tracker.security import idle_deadline
from tracker.timezones import clinic_style, clinic_zone, to_local


def local_datetime(value: datetime | None, form: str | None = None) -> str:
    """A moment in the clinic's zone, written the clinic's way (tracker.datetext).

    `form`: None for "Mon 30 Nov 2026, 14:05"; "seconds" adds them; "date" leaves the weekday
    out; "time" is the time alone."""
    if form not in (None, "seconds", "date", "time"):
        raise ValueError(f"local_datetime takes None, 'seconds', 'date' or 'time', not {form!r}")
    if not value:
        return "—"
    local, style = to_local(value), clinic_style()
    if form == "time":
        return show_time(local, style)
    return show_datetime(local, style, weekday=form != "date", seconds=form == "seconds")


def local_time(value: datetime | None) -> str:
    return show_time(to_local(value), clinic_style()) if value else "—"


def local_date(value: datetime | date | None, form: str | None = None) -> str:
    """A day ("Mon 30 Nov 2026"); `form` "date" leaves the weekday out, "day_month" the year
    too ("30 Nov")."""
    if form not in (None, "date", "day_month"):
        # the clinic's setting decides the pattern; a strftime pattern here would be ignored
        raise ValueError(f"local_date takes None, 'date' or 'day_month', not {form!r}")
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = to_local(value)
    if form == "day_month":
        return show_day_month(value, clinic_style())
    return show_date(value, clinic_style(), weekday=form != "date")


def iso_local(value: datetime | None) -> str:
    """Clinic-local time, minutes precision, as ISO 8601 (a machine-readable attribute)."""
    return to_local(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def register(app) -> None:
    app.jinja_env.filters.update(
        local_datetime=local_datetime, local_time=local_time, local_date=local_date,
        iso_local=iso_local,
    )
    app.jinja_env.globals.update(clinic_zone=clinic_zone, clinic_style=clinic_style,
                                  idle_deadline=idle_deadline,
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
