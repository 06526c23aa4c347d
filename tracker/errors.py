"""Friendly error pages; never a stack trace outside development."""
import contextlib

import sqlalchemy as sa
from flask import render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from tracker.extensions import db
from tracker.read_only import end_reads
from tracker.security import UnsafeInput

MESSAGES = {
    400: ("The request could not be understood", "Something in the request was malformed. Go back and try again."),
    403: ("You do not have access to this page", "Your role does not include this page. If you think it should, ask your clinic lead."),
    404: ("Not found", "There is nothing here, or you do not have access to it."),
    405: ("Not allowed", "That action is not available this way."),
    410: ("This link is no longer valid", "Ask your clinic for a new link."),
    413: ("Too large", "What you sent is larger than the tracker accepts."),
    429: ("Too many attempts", "Too many requests from this address. Wait a minute and try again."),
    503: ("The tracker is briefly unavailable", "The database is not answering. Nothing you saved before this is lost; wait a minute and try again."),
    500: ("Something went wrong", "The tracker hit an error; nothing you saved before this is lost. The error has been logged."),
}


def render_error(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, ("Error", "Something went wrong."))
    return render_template("errors/error.html", code=code, title=title,
                           message=detail or message), code


# What psycopg raises, through SQLAlchemy, when PostgreSQL is unreachable, restarting or has just
# ended the connection (psycopg.errors.AdminShutdown is an OperationalError).
DATABASE_GONE = (sa.exc.OperationalError, sa.exc.InterfaceError)


def rollback_quietly() -> None:
    """Roll back the request's transaction. With the database gone the connection is already
    invalidated (the pool replaces it), and the ROLLBACK's own failure says nothing new."""
    with contextlib.suppress(*DATABASE_GONE):
        db.session.rollback()


def register(app, on_refusal=None) -> None:
    """`on_refusal(code)` runs before a 403 or 404 page is rendered (the app's factory passes
    the audit's: every refusal leaves an event)."""
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if on_refusal is not None and error.code in (403, 404):
            on_refusal(error.code)
        detail = None
        if error.code == 429:
            detail = str(error.description)
        elif isinstance(error, UnsafeInput):
            detail = error.description  # a generic 400 keeps the generic message
        return render_error(error.code or 500, detail)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(400, "The form had expired or was not sent from this site. "
                                 "Reload the page and submit again; what you typed may need re-entering.")

    @app.errorhandler(sa.exc.OperationalError)
    @app.errorhandler(sa.exc.InterfaceError)
    def database_unavailable(error: sa.exc.DBAPIError):
        # The database restarting or unreachable: a clean 503 that says to try again (what was
        # being saved was rolled back, so nothing half-written stays), not a 500.
        rollback_quietly()
        app.logger.warning("database unavailable on %s %s: %s", request.method,
                           request.url_rule.rule if request.url_rule else request.path,
                           type(error.orig or error).__name__)
        title, message = MESSAGES[503]
        # Straight from the Jinja environment: render_template's context processors would load
        # the signed-in user, which needs the database that is down.
        page = app.jinja_env.get_template("errors/unavailable.html").render(
            code=503, title=title, message=message)
        return page, 503, {"Retry-After": "30"}

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        rollback_quietly()
        app.logger.error("Unhandled error on %s %s", request.method,
                         request.url_rule.rule if request.url_rule else request.path,
                         exc_info=error)
        return render_error(500)

    @app.teardown_appcontext
    def release_session(error: BaseException | None) -> None:
        """End the request's session before Flask-SQLAlchemy's own teardown would (teardowns
        run in reverse order of registration, and this one is registered after it).

        Closing rolls back whatever is still open. When PostgreSQL goes away after the view
        has answered (a restart, a failover), that ROLLBACK fails on a dead connection, and an
        error raised from a teardown turns the finished answer into the server's bare 500.
        The connection is invalidated either way, so the answer stands and a line is logged.

        A transaction that only read is committed instead (tracker.read_only: a ROLLBACK
        makes psycopg forget its prepared statements)."""
        try:
            if error is None:
                end_reads(db.session())
            db.session.remove()
        except DATABASE_GONE as gone:
            app.logger.warning("database connection lost while closing the request's session: %s",
                               type(gone.orig or gone).__name__)
            with contextlib.suppress(*DATABASE_GONE):
                db.session.close()
            db.session.registry.clear()
