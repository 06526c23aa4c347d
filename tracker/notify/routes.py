"""The lead's delivery log, the staff's notifications, the development mailbox, and the
reminder emails' unsubscribe link."""
from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import defer, joinedload

from tracker.core.access import STAFF, allow, parse_id, public
from tracker.core.audit.service import record_event
from tracker.core.notices import StaffNotice, read_all_notices, recent_notices, unread_count
from tracker.core.outbox import MESSAGE_KINDS, Message, MessageStatus
from tracker.core.reminders import BadUnsubscribe, ReminderPreference, patient_for_unsubscribe
from tracker.core.users import LEAD
from tracker.db import utcnow
from tracker.extensions import csrf, db
from tracker.notify.transport import mail_folder
from tracker.paging import paginate

bp = Blueprint("notify", __name__)


@bp.app_context_processor
def _notice_count():
    def unread_notices() -> int | None:
        """The navbar's unread count (staff only; read with the user, tracker.core.notices)."""
        if not current_user.is_authenticated or current_user.role not in STAFF:
            return None
        return unread_count(current_user.id)
    return {"unread_notices": unread_notices}


# --- the lead's delivery log ----------------------------------------------------------------

@bp.route("/lead/deliveries")
@allow(LEAD)
def delivery_log():
    """Who was sent what kind of message, when, and whether it was delivered: never content."""
    kind = request.args.get("kind", "")
    status = request.args.get("status", "")
    stmt = (sa.select(Message).options(joinedload(Message.recipient), defer(Message.body),
                                       defer(Message.ics))
            .where(Message.clinic_id == current_user.clinic_id)
            .order_by(Message.created_at.desc(), Message.id.desc()))
    if kind in MESSAGE_KINDS:
        stmt = stmt.where(Message.kind == kind)
    if status == "failing":
        stmt = stmt.where(Message.status == MessageStatus.PENDING, Message.attempts > 0)
    elif status in tuple(MessageStatus):
        stmt = stmt.where(Message.status == status)
    page = paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    record_event("read", "delivery_log", None)
    db.session.commit()
    return render_template("notify/delivery_log.html", page=page, kinds=MESSAGE_KINDS,
                           kind=kind, status=status)


# --- the staff's notifications --------------------------------------------------------------

@bp.route("/notifications")
@allow(*STAFF)
def notifications():
    notices = db.session.scalars(recent_notices(current_user.id)).all()
    return render_template("notify/notifications.html", notices=notices)


@bp.route("/notifications/<int:notice_id>/open", methods=["POST"])
@allow(*STAFF)
def open_notice(notice_id: int):
    """Mark a notice read and go to its flag (the flag page applies its own access rule)."""
    notice = db.session.scalar(sa.select(StaffNotice).where(
        StaffNotice.id == parse_id(notice_id), StaffNotice.user_id == current_user.id))
    if notice is None:
        abort(404)
    if notice.read_at is None:
        notice.read_at = utcnow()
    db.session.commit()
    return redirect(url_for("care.acknowledge_flag", flag_id=notice.flag_id))


@bp.route("/notifications/read", methods=["POST"])
@allow(*STAFF)
def mark_all_read():
    read_all_notices(current_user.id)
    db.session.commit()
    return redirect(url_for("notify.notifications"))


# --- development: the mailbox of .eml files ---------------------------------------------------

def _dev_mailbox():
    if not current_app.config.get("MAIL_DEV_PAGE") or current_app.config.get("MAIL_URL"):
        abort(404)
    return mail_folder()


@bp.route("/dev/mail")
@public
def dev_mailbox():
    """Development only (404 elsewhere): the emails the worker wrote as .eml files."""
    folder = _dev_mailbox()
    files = sorted(folder.glob("*.eml"), reverse=True)[:200] if folder.is_dir() else []
    mails = [(path.name, _parse(path)) for path in files]
    return render_template("notify/dev_mailbox.html", mails=mails, folder=folder)


@bp.route("/dev/mail/<filename>")
@public
def dev_mail(filename: str):
    folder = _dev_mailbox()
    path = folder / filename
    if "/" in filename or not filename.endswith(".eml") or not path.is_file():
        abort(404)
    email = _parse(path)
    body = email.get_body(preferencelist=("plain",))
    attachments = [part.get_filename() for part in email.iter_attachments()]
    text = body.get_content() if body else ""
    return render_template("notify/dev_mail.html", email=email, filename=filename, body=text,
                           links=re.findall(r"https?://\S+", text), attachments=attachments)


def _parse(path):
    with path.open("rb") as handle:
        return BytesParser(policy=policy.default).parse(handle)


# --- unsubscribe from reminder emails, without signing in -------------------------------------

@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
@csrf.exempt  # the signed token is the authority; mail clients' one-click POST (RFC 8058) has no form
def unsubscribe(token: str):
    """GET asks (mail scanners follow links); POST stops the patient's reminder emails."""
    try:
        patient_id = patient_for_unsubscribe(token)
    except BadUnsubscribe as error:
        return render_template("notify/unsubscribe.html", problem=str(error)), 400
    pref = db.session.scalar(sa.select(ReminderPreference).where(
        ReminderPreference.patient_id == patient_id))
    already = pref is None or not pref.enabled or pref.unsubscribed_at is not None
    if request.method == "POST" and not already:
        pref.unsubscribed_at = utcnow()
        pref.enabled = False
        record_event("unsubscribe", "reminder_preference", pref.id, patient_id=patient_id)
        db.session.commit()
        return render_template("notify/unsubscribe.html", done=True)
    return render_template("notify/unsubscribe.html", already=already, token=token)
