import pytest

from tracker import create_app


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


def test_production_refuses_to_start_without_database_url(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        create_app("production")


def test_production_refuses_a_short_secret_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "short")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    with pytest.raises(RuntimeError, match="32 characters"):
        create_app("production")


def test_production_refuses_to_start_without_an_audit_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.delenv("AUDIT_KEY", raising=False)
    with pytest.raises(RuntimeError, match="AUDIT_KEY"):
        create_app("production")
    monkeypatch.setenv("AUDIT_KEY", "a" * 40)  # long, but no secret
    with pytest.raises(RuntimeError, match="AUDIT_KEY"):
        create_app("production")


def test_production_sets_secure_cookie_flags(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
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
