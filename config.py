"""Settings, read from environment variables only.

FLASK_CONFIG (or APP_ENV) picks the class: development, testing, production. Without it, the
`flask` command (a developer's tool: `make run`, `flask db upgrade`) runs development, and
anything else (gunicorn, any other import of wsgi.py) runs production, which refuses to start
without its secrets: a forgotten variable never serves the development settings.
"""
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or (
        f"sqlite:///{BASE_DIR / 'instance' / 'tracker.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # PostgreSQL's planner: the cost of a page read by key, relative to a sequential one (set
    # on the app's connections; see tracker/__init__.py). 1.1: SSD or data in memory.
    PG_RANDOM_PAGE_COST = float(os.environ.get("PG_RANDOM_PAGE_COST") or 1.1)
    # Shared rate-limit state across app instances; memory:// is per process.
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Redis down: count in this process's memory meanwhile (logged), never fail every page.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # How many reverse proxies in front set X-Forwarded-For/-Proto/-Host (0: none, trust no
    # such header). Behind one nginx or Caddy: 1.
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "20 per minute")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "tracker_session"
    SESSION_IDLE_MINUTES = _env_int("SESSION_IDLE_MINUTES", 15)
    SESSION_ABSOLUTE_HOURS = _env_int("SESSION_ABSOLUTE_HOURS", 12)
    # Sign-in throttling per (email, address): free failures, then a doubling wait (no lockout).
    LOGIN_FREE_FAILURES = _env_int("LOGIN_FREE_FAILURES", 3)
    LOGIN_DELAY_SECONDS = _env_int("LOGIN_DELAY_SECONDS", 2)
    LOGIN_MAX_DELAY_SECONDS = _env_int("LOGIN_MAX_DELAY_SECONDS", 900)
    LOGIN_THROTTLE_WINDOW_HOURS = _env_int("LOGIN_THROTTLE_WINDOW_HOURS", 24)
    # The account's owner is told after this many failed sign-ins (any address) in a row.
    LOGIN_ALERT_AFTER = _env_int("LOGIN_ALERT_AFTER", 5)
    INVITE_TTL_HOURS = _env_int("INVITE_TTL_HOURS", 72)
    WTF_CSRF_TIME_LIMIT = None  # the session timeouts bound a form's life instead
    PAGE_SIZE = _env_int("PAGE_SIZE", 25)
    # Email (tracker/notify): MAIL_URL smtp://host:port, smtp+starttls://user:pw@host:port or
    # smtps://...; without it development writes .eml files to instance/mail/.
    MAIL_URL = os.environ.get("MAIL_URL") or None
    MAIL_FROM = os.environ.get("MAIL_FROM", "Journey Tracker <no-reply@journey-tracker.invalid>")
    MAIL_FILE_DIR = os.environ.get("MAIL_FILE_DIR") or None
    # The base of links in emails (the worker has no request to take it from).
    PUBLIC_URL = os.environ.get("PUBLIC_URL") or None
    MAIL_POLL_SECONDS = _env_int("MAIL_POLL_SECONDS", 5)
    MAIL_RETRY_SECONDS = _env_int("MAIL_RETRY_SECONDS", 30)
    MAIL_RETRY_MAX_SECONDS = _env_int("MAIL_RETRY_MAX_SECONDS", 3600)
    MAIL_MAX_ATTEMPTS = _env_int("MAIL_MAX_ATTEMPTS", 40)  # about a day and a half of retries
    MAIL_DEV_PAGE = False  # the development mailbox page (/dev/mail)
    PASSWORD_RESET_MINUTES = _env_int("PASSWORD_RESET_MINUTES", 60)
    RESET_RATE_LIMIT = os.environ.get("RESET_RATE_LIMIT", "5 per minute")
    DEMO_PASSWORD = "demo-journey-2026"
    SHOW_DEMO_LOGINS = False


class DevelopmentConfig(Config):
    """No DEBUG here: only `make run` turns the debugger on (`flask run --debug`). Without a
    SECRET_KEY in the environment, create_app takes a random one kept under instance/."""
    ENV_NAME = "development"
    SHOW_DEMO_LOGINS = True
    MAIL_DEV_PAGE = True
    PUBLIC_URL = os.environ.get("PUBLIC_URL") or f"http://127.0.0.1:{os.environ.get('PORT', '5000')}"


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-not-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    WTF_CSRF_ENABLED = False
    FAST_PASSWORD_HASHING = True
    RATELIMIT_STORAGE_URI = "memory://"
    LOGIN_RATE_LIMIT = "1000 per minute"
    RESET_RATE_LIMIT = "1000 per minute"
    MAIL_URL = None
    PUBLIC_URL = "http://tracker.test"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def validate(cls) -> None:
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not os.environ.get(name)]
        if missing:
            raise RuntimeError(
                "Refusing to start in production: set " + " and ".join(missing)
                + " in the environment."
            )
        problem = secret_key_problem(os.environ["SECRET_KEY"])
        if problem:
            raise RuntimeError(f"Refusing to start in production: SECRET_KEY {problem}")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


# Keys published in this repository (old defaults, the test suite's): never good in production.
PUBLIC_KEYS = frozenset({"dev-only-not-secret", "testing-not-secret", "benchmark-only-not-secret"})
MIN_SECRET_LENGTH = 32
MIN_SECRET_DISTINCT = 10  # a hex key (16 symbols) passes; "x" * 40 or "abab..." does not


def secret_key_problem(key: str) -> str | None:
    """Why `key` is too weak to sign production sessions, or None.

    Length alone is not enough: 32 identical characters, or one short piece repeated, carry
    almost no secret. `secrets.token_urlsafe(48)` or `token_hex(32)` always pass."""
    if key in PUBLIC_KEYS:
        return "is a published example key; generate your own (python -c 'import secrets; print(secrets.token_urlsafe(48))')."
    if len(key) < MIN_SECRET_LENGTH:
        return f"must be at least {MIN_SECRET_LENGTH} characters."
    if len(set(key)) < MIN_SECRET_DISTINCT:
        return f"is too repetitive: use at least {MIN_SECRET_DISTINCT} different characters."
    if key in (key + key)[1:-1]:  # a whole number of copies of a shorter piece
        return "is one piece repeated: generate a random key."
    return None


def instance_secret(instance_path: str | Path, name: str) -> str:
    """A random secret kept in `instance_path/name`, made on first use (readable by the owner
    only): each development checkout gets its own, and none is published in the repository."""
    path = Path(instance_path) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    value = path.read_text().strip()
    if not value:
        raise RuntimeError(f"{path} is empty: delete it and a new secret is made.")
    return value


def _run_by_flask_command() -> bool:
    """True inside the `flask` command line (it loads the app inside a click context);
    false under gunicorn or any other importer of wsgi.py."""
    import click

    return click.get_current_context(silent=True) is not None


def config_from_env() -> type[Config]:
    name = os.environ.get("FLASK_CONFIG") or os.environ.get("APP_ENV") or (
        "development" if _run_by_flask_command() else "production")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"Unknown FLASK_CONFIG {name!r}; use one of {', '.join(CONFIGS)}.") from None
