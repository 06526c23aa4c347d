"""flask notify worker | send-once | escalate."""
from __future__ import annotations

import fcntl
import signal
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from tracker.core.alerts import escalate_open_flags
from tracker.extensions import db
from tracker.notify.reminders import queue_reminders
from tracker.notify.transport import transport_from_config
from tracker.notify.worker import send_due

notify_cli = AppGroup("notify", help="The email outbox: send, escalate.")


def _one_pass(transport) -> str:
    escalated = escalate_open_flags()
    reminders = queue_reminders()
    done = send_due(transport)
    transport.close()
    return (f"sent {done.sent}, retrying {done.retrying}, failed {done.failed}, "
            f"leads told of escalations {escalated}, reminder digests {reminders}")


@notify_cli.command("send-once")
def send_once():
    """Escalate overdue flags, queue due reminder digests, send every due message; exit."""
    click.echo(_one_pass(transport_from_config()))


@notify_cli.command("escalate")
def escalate():
    """Tell the clinic's leads of flags still unacknowledged past the clinic's threshold."""
    click.echo(f"Leads told: {escalate_open_flags()}")


def _single_worker_lock():
    """SQLite has no row locks: hold a lock file so a second worker refuses to start."""
    if db.engine.dialect.name != "sqlite":
        return None
    path = Path(current_app.instance_path) / "notify-worker.lock"
    path.parent.mkdir(exist_ok=True)
    handle = path.open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise click.ClickException("Another notify worker is running on this SQLite database; "
                                   "SQLite allows one (use PostgreSQL for several).") from None
    return handle


@notify_cli.command("worker")
@click.option("--poll", default=None, type=float, help="Seconds between passes (MAIL_POLL_SECONDS).")
def worker(poll):
    """Run until stopped: escalate, send what is due, sleep, repeat."""
    lock = _single_worker_lock()  # noqa: F841  (held for the life of the process)
    transport = transport_from_config()
    poll = poll or current_app.config["MAIL_POLL_SECONDS"]
    stopping = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.append(True))
    click.echo(f"notify worker: sending through {transport.describe()}, every {poll:g} s")
    while not stopping:
        try:
            summary = _one_pass(transport)
            if summary != "sent 0, retrying 0, failed 0, leads told of escalations 0, reminder digests 0":
                click.echo(f"notify worker: {summary}")
        except Exception:  # a database outage must not end the worker: log, wait, go on
            current_app.logger.exception("notify worker pass failed")
            db.session.rollback()
        deadline = time.monotonic() + poll
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.2)
    transport.close()
