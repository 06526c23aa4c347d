"""Fixtures for the lead's pages: a client per user, and a few more staff."""
from __future__ import annotations

import pytest

from tests import factories as make
from tests.conftest import login


@pytest.fixture
def client_for(app):
    """A separate signed-in client per user (one client cannot switch users)."""
    def _client(user):
        client = app.test_client()
        response = login(client, user)
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        return client
    return _client


@pytest.fixture
def lead2(clinic):
    return make.user(clinic, "lead", email="lead2@test.example", name="Lou Secondlead")


@pytest.fixture
def foreign_clinician(intruder):
    """A clinician of the intruder's clinic: never a choice for this clinic's care teams."""
    from tracker.core.clinic import Clinic
    from tracker.extensions import db
    return make.user(db.session.get(Clinic, intruder.clinic_id), "clinician",
                     email="foreign@other.example", name="Fay Foreign")
