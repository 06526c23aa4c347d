import pytest

from tests.dosing.builders import dosed_session, scheduled_session


@pytest.fixture
def scheduled(patient, clinician):
    """Not started; intention with a complete readiness checklist."""
    return scheduled_session(patient, clinician)


@pytest.fixture
def dosed(patient, clinician):
    """Started two hours ago and ended; ketamine IV 35 mg over 40 min; one note."""
    return dosed_session(patient, clinician)
