"""Fixtures for the portal: two patients, each with a whole journey."""
import pytest

from tests.portal.builders import journey
from tracker.extensions import db


@pytest.fixture
def mine(patient, clinician):
    j = journey(patient, clinician, tag="Alexword")
    db.session.commit()
    return j


@pytest.fixture
def theirs(patient2, clinician2):
    j = journey(patient2, clinician2, tag="Blairword")
    db.session.commit()
    return j
