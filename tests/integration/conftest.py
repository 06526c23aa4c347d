from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests import factories as make
from tests.dosing.conftest import dosed  # noqa: F401  (the same fixture here)
from tracker.extensions import db
from tracker.integration.models import Debrief


@pytest.fixture
def debriefed(dosed, clinician):  # noqa: F811
    """`dosed` with a draft debrief held an hour after the session started."""
    make.debrief(dosed, clinician, held_at=dosed.started_at + timedelta(hours=1))
    return dosed


@pytest.fixture
def debrief_of(debriefed) -> Debrief:
    return db.session.scalar(sa.select(Debrief).where(Debrief.session_id == debriefed.id))
