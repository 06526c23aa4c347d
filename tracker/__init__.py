"""The session-journey tracker for guided ketamine therapy."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config=None) -> Flask:
    """Build the app. `config` is a config class, a name ('testing'), or None for FLASK_CONFIG."""
    from config import CONFIGS, config_from_env, instance_secret

    if config is None:
        config = config_from_env()
    elif isinstance(config, str):
        config = CONFIGS[config]
    if hasattr(config, "validate"):
        config.validate()

    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"), instance_path=str(ROOT / "instance"))
    app.config.from_object(config)
    # The factory itself, for commands that open a second app on another database (the restore
    # check of `flask backup`) without importing this module back (a cycle).
    app.extensions["tracker.factory"] = create_app
    app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or os.environ.get("SECRET_KEY")
    if not app.config["SECRET_KEY"]:
        if app.config.get("ENV_NAME") != "development":
            raise RuntimeError("Refusing to start: no SECRET_KEY.")
        # Random per checkout, never published: a cookie forged with a key from the repository
        # is refused by every development instance too.
        app.config["SECRET_KEY"] = instance_secret(app.instance_path, "secret_key")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(exist_ok=True)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # - jit=off: PostgreSQL's JIT compiler spent seconds compiling the dashboard's
        #   aggregates, which then ran in a fraction of that; for short queries it only costs.
        # - random_page_cost: the planner's price of reading a page by key, relative to reading
        #   the next one (default 4, a spinning disk's ratio); PG_RANDOM_PAGE_COST, 1.1 unless
        #   set, is what PostgreSQL's documentation suggests for SSDs and data in memory. At 4
        #   it read every debrief of the ten-clinic benchmark database (895,000: 80 ms) to
        #   find a month's 2,000, rather than look each up by key (5 ms).
        # - max_parallel_workers_per_gather=0: a page's statements run in milliseconds;
        #   starting parallel workers for one cost more than it saved (a drill-down's 4 ms
        #   statement took 9) and takes cores from the other requests.
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        settings = (f"-c jit=off -c random_page_cost={app.config['PG_RANDOM_PAGE_COST']} "
                    "-c max_parallel_workers_per_gather=0")
        options["connect_args"] = {**options.get("connect_args", {}), "options": settings}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options

    from tracker.core.audit.keys import init_app as load_audit_key
    load_audit_key(app)  # production refuses to start without AUDIT_KEY
    register_extensions(app)
    register_blueprints(app)
    register_hooks(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    register_operations(app)
    return app


def register_operations(app: Flask) -> None:
    """JSON logs with request ids, the health probes, and the proxies in front (if any)."""
    from tracker.ops.logs import configure_logging, finish_request, remember_user, start_request

    configure_logging(app)
    # First before, last after: the request's id and clock cover every other hook.
    app.before_request_funcs.setdefault(None, []).insert(0, start_request)
    app.before_request(remember_user)  # after the access check, which loads the user
    app.after_request(finish_request)
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:
        # Behind N trusted reverse proxies, the client's address (for the rate limiter and the
        # audit) and the scheme come from their X-Forwarded-* headers; never trust more hops.
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)


def register_extensions(app: Flask) -> None:
    from tracker import models  # noqa: F401  (every model registered before migrations look)
    from tracker.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    from tracker.continuity import rollup  # the dashboard's summary tables, kept current
    rollup.listen(db.session)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True,
                     compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    from tracker.auth.loader import load_user
    login_manager.user_loader(load_user)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from tracker.sqlite import enable_sqlite_pragmas
        with app.app_context():
            enable_sqlite_pragmas(db.engine)


def register_blueprints(app: Flask) -> None:
    from tracker.blueprints import BLUEPRINTS

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)


def register_hooks(app: Flask) -> None:
    from tracker.core.access import enforce_route_rule
    from tracker.security import (
        enforce_session_timeouts,
        install_form_guard,
        install_row_guard,
        refuse_control_characters,
        set_security_headers,
    )

    install_form_guard()
    install_row_guard()
    app.before_request(refuse_control_characters)
    app.before_request(enforce_session_timeouts)
    app.before_request(enforce_route_rule)
    from tracker.auth.two_factor_routes import enforce_enrolment
    app.before_request(enforce_enrolment)
    app.after_request(set_security_headers)


def register_errorhandlers(app: Flask) -> None:
    from tracker.core.access import audit_refusal
    from tracker.errors import register
    register(app, on_refusal=audit_refusal)  # every 403 and 404 leaves an audit event


def register_template_helpers(app: Flask) -> None:
    from tracker.templating import register
    register(app)


def register_commands(app: Flask) -> None:
    from tracker.cli import register
    register(app)
