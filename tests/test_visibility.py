"""The per-patient rule, as a SQL filter and for single records."""
import sqlalchemy as sa

from tests import factories as make
from tracker.core.access import visible_patients
from tracker.extensions import db


def _ids(user):
    return set(db.session.scalars(visible_patients(user).with_only_columns(sa.text("patient.id"))))


def test_lead_sees_the_whole_clinic_and_no_other(lead, patient, patient2, intruder):
    other_patient = make.patient(db.session.get(type(intruder.clinic), intruder.clinic_id))
    assert _ids(lead) == {patient.id, patient2.id}
    assert _ids(intruder) == {other_patient.id}


def test_clinician_sees_only_their_care_team(clinician, clinician2, patient, patient2):
    assert _ids(clinician) == {patient.id}
    assert _ids(clinician2) == {patient2.id}


def test_patient_sees_only_themself(patient_user, patient2_user, patient, patient2):
    assert _ids(patient_user) == {patient.id}
    assert _ids(patient2_user) == {patient2.id}


def test_a_clinician_in_another_clinic_on_the_team_sees_nothing(patient, intruder):
    # Even a care-team row pointing across clinics does not open the record.
    from tracker.core.patients import CareTeamMember
    foreign = make.user(intruder.clinic, "clinician")
    db.session.add(CareTeamMember(patient_id=patient.id, clinician_id=foreign.id))
    db.session.flush()
    assert _ids(foreign) == set()
