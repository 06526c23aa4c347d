import pytest

from tests.dosing.builders import dosed_session, full_record
from tests.dosing.conftest import dosed  # noqa: F401  (the same fixture here)
from tracker.dosing.services import sign_session_record
from tracker.extensions import db


@pytest.fixture
def signed(patient, clinician):
    """A full in-session record (3 of everything, a discharge), signed by the clinician."""
    session = full_record(dosed_session(patient, clinician), clinician)
    sign_session_record(session, clinician)
    db.session.commit()
    return session
