"""tracker.paging: a page of a list and the list's size in one statement, the same answer as
Flask-SQLAlchemy's own pagination (a COUNT beside the page) on every page, past the end too."""
import pytest
import sqlalchemy as sa
from flask_sqlalchemy.pagination import SelectPagination
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories as make
from tracker.core.patients import Patient
from tracker.extensions import db
from tracker.paging import paginate

SIZE = 23


@pytest.fixture
def listed(app, clinic):
    """SIZE patients, family names Testperson..., in one clinic."""
    for _ in range(SIZE):
        make.patient(clinic)
    db.session.commit()
    return clinic


def _patients(clinic, keep: int) -> sa.Select:
    """The clinic's first `keep` patients by id (0 to SIZE), by family name."""
    ids = sa.select(Patient.id).where(Patient.clinic_id == clinic.id).order_by(Patient.id).limit(keep)
    return (sa.select(Patient).where(Patient.id.in_(ids.scalar_subquery()))
            .order_by(Patient.family_name, Patient.id))


def _as_seen(page) -> tuple:
    return ([p.id for p in page.items], page.total, page.pages, page.has_prev, page.has_next,
            list(page.iter_pages()))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(keep=st.integers(0, SIZE), per_page=st.integers(1, 9), page=st.integers(1, 8))
def test_a_page_is_what_flask_sqlalchemy_gives(app, listed, keep, per_page, page):
    with app.test_request_context():
        ours = paginate(_patients(listed, keep), page=page, per_page=per_page)
        theirs = SelectPagination(select=_patients(listed, keep), session=db.session(), page=page,
                                  per_page=per_page, error_out=False)
        assert _as_seen(ours) == _as_seen(theirs)
        db.session.rollback()


@pytest.mark.parametrize(("keep", "page", "statements"), [
    (SIZE, 1, 1),   # a full page carries the total
    (SIZE, 3, 1),   # the last, short page too
    (SIZE, 9, 2),   # past the end: no row to carry it, counted on its own
    (0, 1, 1),      # an empty list: its first page says so
])
def test_one_statement_for_a_page_and_its_total(app, listed, count_queries, keep, page, statements):
    with app.test_request_context(), count_queries() as q:
        result = paginate(_patients(listed, keep), page=page, per_page=10)
        assert result.total == keep
    assert q.count == statements, q.statements


def test_the_page_and_its_size_come_from_the_request(app, listed):
    with app.test_request_context("/?page=2&per_page=5"):
        result = paginate(_patients(listed, SIZE))
    assert (result.page, result.per_page, len(result.items), result.total) == (2, 5, 5, SIZE)
