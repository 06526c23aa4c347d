"""Stage-4 fixtures: one patient's follow-up, PHQ-9 (item 9 above 0) and the flag it raised."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from tests.care import builders
from tracker.core.flags import SafetyFlag
from tracker.extensions import db


@pytest.fixture
def care(clinician, patient):
    """Records of `patient` (on `clinician`'s team): session, follow-up, response, flag."""
    session = builders.ended_session(patient, clinician, ended_days_ago=3)
    follow_up = builders.follow_up(patient, clinician, session=session)
    response = builders.response(patient, clinician, "phq9", 12, item9=1, days_ago=1)
    flag = db.session.scalar(sa.select(SafetyFlag).where(SafetyFlag.source_id == response.id))
    db.session.commit()
    return SimpleNamespace(patient=patient, session=session, follow_up=follow_up,
                           response=response, flag=flag)


@pytest.fixture
def foreign_care(clinician2, patient2):
    """The same records for `patient2` (clinician2's team only)."""
    session = builders.ended_session(patient2, clinician2, ended_days_ago=3)
    follow_up = builders.follow_up(patient2, clinician2, session=session)
    response = builders.response(patient2, clinician2, "phq9", 12, item9=1, days_ago=1)
    flag = db.session.scalar(sa.select(SafetyFlag).where(SafetyFlag.source_id == response.id))
    db.session.commit()
    return SimpleNamespace(patient=patient2, session=session, follow_up=follow_up,
                           response=response, flag=flag)
