"""Fixtures for the intention page: a course and a scheduled session of `patient`, and an
outsider clinician of another clinic."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests import factories as make
from tracker.db import utcnow


@pytest.fixture
def course(patient):
    return make.course(patient)


@pytest.fixture
def upcoming_session(course, clinician):
    return make.dosing_session(course, clinician=clinician, scheduled_at=utcnow() + timedelta(days=2))


@pytest.fixture
def outsider(intruder):
    """A clinician of another clinic: the intruder's colleague."""
    return make.user(intruder.clinic, "clinician", email="outsider@other.example", name="Otto Outsider")
