"""Prove that tests do not see each other's rows: whichever of these runs second would fail
if the first one's clinic leaked."""
import pytest
import sqlalchemy as sa

from tests import factories as make
from tracker.core.clinic import Clinic
from tracker.extensions import db

# Under pytest-xdist, in one process and in this order, or they would prove nothing.
pytestmark = pytest.mark.xdist_group("isolation")


def _assert_empty_then_insert(name):
    assert db.session.scalar(sa.select(sa.func.count(Clinic.id))) == 0
    make.clinic(name=name)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Clinic.id))) == 1


def test_first_sees_an_empty_database(app):
    _assert_empty_then_insert("first")


def test_second_sees_an_empty_database(app):
    _assert_empty_then_insert("second")


def test_identity_restarts_and_audit_chain_resets(app):
    from tracker.core.audit.models import GENESIS_HASH, AuditChainHead
    assert db.session.get(AuditChainHead, 1).last_hash == GENESIS_HASH



def test_writes_by_another_app(probe_app):
    """Another engine, as the csrf and probe apps and the browser tests' server thread have."""
    with probe_app.app_context():
        make.clinic(name="through another app")
        db.session.execute(sa.text("INSERT INTO audit_chain_head (id, last_hash) VALUES (2, 'x')"))
        db.session.commit()
        db.session.remove()


def test_an_update_through_raw_sql_of_the_row_the_migrations_wrote(app):
    db.session.execute(sa.text("UPDATE audit_chain_head SET last_hash = 'y' WHERE id = 1"))
    db.session.commit()


def test_then_every_table_is_as_a_fresh_database_has_it(app):
    """Whatever the tests above wrote, and however, is gone."""
    from tests.conftest import leftover_rows
    assert leftover_rows() == {}
