"""Prove that tests do not see each other's rows: whichever of these runs second would fail
if the first one's clinic leaked."""
import sqlalchemy as sa

from tests import factories as make
from tracker.core.clinic import Clinic
from tracker.extensions import db


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
    from tracker.core.audit.models import AuditChainHead, GENESIS_HASH
    assert db.session.get(AuditChainHead, 1).last_hash == GENESIS_HASH
