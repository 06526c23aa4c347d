import pytest

from tests import factories as make
from tests.dosing.conftest import dosed  # noqa: F401  (the same fixture here)
from tracker.extensions import db


@pytest.fixture
def debriefed(dosed, clinician):
    """`dosed` with a draft debrief held an hour after the session started."""
    from datetime import timedelta
    make.debrief(dosed, clinician, held_at=dosed.started_at + timedelta(hours=1))
    db.session.flush()
    return dosed


@pytest.fixture
def debrief_of(debriefed):
    from tracker.integration.models import Debrief
    import sqlalchemy as sa
    return db.session.scalar(sa.select(Debrief).where(Debrief.session_id == debriefed.id))
