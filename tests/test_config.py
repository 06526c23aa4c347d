"""Settings (F4 of issue 11): no accidental development mode, no weak production key."""
import os
import stat
import subprocess
import sys
from pathlib import Path

import click
import pytest

import config
from tracker import create_app

STRONG_KEY = "k7Qz-9vR_p2LmX4tW8yN3bJ6hD1sF5gA0cE"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def no_config_env(monkeypatch):
    for name in ("FLASK_CONFIG", "APP_ENV", "SECRET_KEY", "DATABASE_URL", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


def test_production_refuses_to_start_without_database_url(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        create_app("production")


def test_production_refuses_a_short_secret_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "short")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    with pytest.raises(RuntimeError, match="32 characters"):
        create_app("production")


def test_production_refuses_to_start_without_an_audit_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.delenv("AUDIT_KEY", raising=False)
    with pytest.raises(RuntimeError, match="AUDIT_KEY"):
        create_app("production")
    monkeypatch.setenv("AUDIT_KEY", "a" * 40)  # long, but no secret
    with pytest.raises(RuntimeError, match="AUDIT_KEY"):
        create_app("production")


def test_production_sets_secure_cookie_flags(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("AUDIT_KEY", "3f1c9a0b7e2d4c6a8b1e5f9d0c2a4b6e8d1f3a5c")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert not app.debug


def test_unknown_config_name_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("FLASK_CONFIG", "staging")
    with pytest.raises(RuntimeError, match="Unknown FLASK_CONFIG"):
        create_app()


def test_only_the_test_suite_uses_cheap_password_hashing(app, monkeypatch):
    from tracker.auth.passwords import hash_password, verify_password

    assert "m=1024" in hash_password("a-test-password-123")  # inside the testing app
    app.config["FAST_PASSWORD_HASHING"] = False
    try:
        strong = hash_password("a-test-password-123")
    finally:
        app.config["FAST_PASSWORD_HASHING"] = True
    assert "m=65536" in strong and "t=3" in strong
    assert verify_password(strong, "a-test-password-123")


@pytest.mark.parametrize("key", [
    "x" * 32,                               # 32 identical characters
    "ab" * 20,                              # two characters
    "0123456789" * 4,                       # ten different ones, repeated
    "dev-only-not-secret",                  # published in this repository
    "testing-not-secret",
    "Aa1!" * 4,                             # too short anyway
])
def test_production_refuses_weak_secret_keys(monkeypatch, key):
    monkeypatch.setenv("SECRET_KEY", key)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


# Named, not shown: a random key in a test's id would differ between xdist workers' collections.
@pytest.mark.parametrize("key", [
    __import__("secrets").token_urlsafe(48), __import__("secrets").token_hex(32), STRONG_KEY],
    ids=["token_urlsafe", "token_hex", "fixed"])
def test_production_accepts_generated_keys(key):
    assert config.secret_key_problem(key) is None


def test_without_a_config_name_an_importer_gets_production(no_config_env):
    """gunicorn wsgi:app with no settings: production, which refuses without its secrets."""
    with pytest.raises(RuntimeError, match="Refusing to start in production"):
        create_app()
    no_config_env.setenv("SECRET_KEY", STRONG_KEY)
    no_config_env.setenv("DATABASE_URL", "sqlite://")
    no_config_env.setenv("AUDIT_KEY", "3f1c9a0b7e2d4c6a8b1e5f9d0c2a4b6e8d1f3a5c")
    app = create_app()
    assert app.config["ENV_NAME"] == "production" and not app.debug
    assert not app.config["SHOW_DEMO_LOGINS"]


def test_wsgi_without_settings_refuses_to_start():
    env = {k: v for k, v in os.environ.items()
           if k not in ("FLASK_CONFIG", "APP_ENV", "SECRET_KEY", "DATABASE_URL", "FLASK_DEBUG")}
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "Refusing to start in production: set SECRET_KEY and DATABASE_URL" in result.stderr


def test_the_flask_command_gets_development_without_debug(no_config_env, tmp_path):
    no_config_env.setenv("DATABASE_URL", "sqlite://")
    made = []

    def fake_instance_secret(path, name, real=config.instance_secret):
        made.append(name)
        return real(tmp_path, name)

    no_config_env.setattr(config, "instance_secret", fake_instance_secret)
    with click.Context(click.Command("db")):
        app = create_app()
    assert app.config["ENV_NAME"] == "development"
    assert not app.debug  # only `make run` (flask run --debug) turns the debugger on
    assert made == ["secret_key"]
    assert app.config["SECRET_KEY"] == (tmp_path / "secret_key").read_text()
    assert app.config["SECRET_KEY"] not in config.PUBLIC_KEYS


def test_development_key_is_random_per_instance_and_kept(tmp_path):
    first = config.instance_secret(tmp_path / "a", "secret_key")
    assert config.instance_secret(tmp_path / "a", "secret_key") == first  # kept across restarts
    assert config.instance_secret(tmp_path / "b", "secret_key") != first  # another checkout
    assert config.secret_key_problem(first) is None
    mode = stat.S_IMODE((tmp_path / "a" / "secret_key").stat().st_mode)
    assert mode == 0o600


def test_a_cookie_signed_with_the_old_public_key_is_refused(no_config_env, tmp_path):
    """F4: a lead's session forged with the once-public development key opens no session."""
    from flask.sessions import SecureCookieSessionInterface

    no_config_env.setenv("DATABASE_URL", "sqlite://")
    no_config_env.setattr(config, "instance_secret",
                          lambda path, name, real=config.instance_secret: real(tmp_path, name))
    app = create_app("development")
    interface = SecureCookieSessionInterface()
    forged_by = create_app("testing")
    forged_by.config["SECRET_KEY"] = "dev-only-not-secret"
    for signer, expected in ((forged_by, {}), (app, {"_user_id": "1:0"})):
        cookie = interface.get_signing_serializer(signer).dumps({"_user_id": "1:0"})
        headers = {"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={cookie}"}
        with app.test_request_context("/", headers=headers):
            assert dict(interface.open_session(app, __import__("flask").request)) == expected


def test_debug_only_under_make_run():
    makefile = (ROOT / "Makefile").read_text()
    assert "flask run --debug" in makefile
    assert "DEBUG" not in vars(config.DevelopmentConfig)
