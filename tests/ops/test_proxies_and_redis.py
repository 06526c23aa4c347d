"""Behind a proxy the client's address is the one forwarded (only as many hops as trusted);
with the rate limiter's Redis down, pages still answer."""
from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from tests.conftest import FreshContextClient
from tracker import create_app
from tracker.auth.services import SIGN_IN_FAILED
from tracker.core.audit.models import AuditEvent
from tracker.extensions import db, limiter


@pytest.fixture
def app_with(app):
    """Another app on the suite's database with some settings changed. The rate limiter is one
    object per process, bound to the last app built: its state is put back after."""
    bound = dict(vars(limiter))

    def build(**settings):
        class Config(app.config["TEST_CONFIG_CLASS"]):
            pass
        for key, value in settings.items():
            setattr(Config, key, value)
        other = create_app(Config)
        other.test_client_class = FreshContextClient
        return other
    yield build
    vars(limiter).clear()
    vars(limiter).update(bound)


def last_sign_in_failure_address() -> str | None:
    return db.session.scalar(sa.select(AuditEvent.ip_address).order_by(AuditEvent.id.desc())
                             .limit(1))


@pytest.mark.parametrize(("trusted", "expected"), [(0, "10.0.0.5"), (1, "203.0.113.9")])
def test_the_audit_sees_the_client_behind_trusted_proxies_only(app_with, clinician, trusted,
                                                               expected):
    proxied = app_with(TRUSTED_PROXIES=trusted)
    db.session.commit()
    client = proxied.test_client()
    client.post("/login", data={"email": clinician.email, "password": "wrong-password-here"},
                headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.9"},
                environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert last_sign_in_failure_address() == expected


def test_sign_in_still_works_with_the_rate_limits_redis_down(app_with, clinician, caplog):
    # Nothing listens on port 1: every Redis call fails at once.
    degraded = app_with(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    db.session.commit()
    client = degraded.test_client()
    with caplog.at_level(logging.WARNING):
        assert client.get("/login").status_code == 200
        response = client.post("/login", data={"email": clinician.email,
                                               "password": "wrong-password-here"})
    assert response.status_code == 200
    assert SIGN_IN_FAILED in response.get_data(as_text=True)
    assert "falling back to in-memory storage" in caplog.text
