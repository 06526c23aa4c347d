"""tracker.core.sqltime's expressions compile to the same answer on SQLite and PostgreSQL."""
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.core.sqltime import latest_of
from tracker.db import UTCDateTime
from tracker.extensions import db

BASE = datetime(2026, 1, 1, tzinfo=UTC)
moments = st.one_of(st.none(), st.integers(0, 10_000).map(lambda m: BASE + timedelta(minutes=m)))


@settings(max_examples=60, deadline=None)
@given(values=st.lists(moments, min_size=1, max_size=4))
def test_latest_of_is_the_latest_value_nulls_ignored(app, values):
    """GREATEST on PostgreSQL ignores NULLs; SQLite's max() does not: both must give the
    latest value given, and NULL only when every value is NULL."""
    with app.app_context():
        latest = db.session.scalar(sa.select(latest_of(*(
            sa.cast(sa.null(), UTCDateTime()) if v is None else sa.literal(v, UTCDateTime())
            for v in values))))
        db.session.rollback()
    present = [v for v in values if v is not None]
    assert latest == (max(present) if present else None)
