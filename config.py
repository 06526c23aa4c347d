"""Settings, read from environment variables only.

FLASK_CONFIG (or APP_ENV) picks the class: development (default), testing, production.
"""
import os
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
    # Shared rate-limit state across app instances; memory:// is per process.
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "20 per minute")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "tracker_session"
    SESSION_IDLE_MINUTES = _env_int("SESSION_IDLE_MINUTES", 15)
    SESSION_ABSOLUTE_HOURS = _env_int("SESSION_ABSOLUTE_HOURS", 12)
    LOGIN_MAX_FAILURES = _env_int("LOGIN_MAX_FAILURES", 5)
    LOGIN_LOCKOUT_MINUTES = _env_int("LOGIN_LOCKOUT_MINUTES", 15)
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
    ENV_NAME = "development"
    DEBUG = True
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-not-secret"
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
        if len(os.environ["SECRET_KEY"]) < 32:
            raise RuntimeError("Refusing to start in production: SECRET_KEY must be at least 32 characters.")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    name = os.environ.get("FLASK_CONFIG") or os.environ.get("APP_ENV") or "development"
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"Unknown FLASK_CONFIG {name!r}; use one of {', '.join(CONFIGS)}.") from None
