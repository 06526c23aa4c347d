"""The queries other pages use: open flag counts, score series and dosing markers."""
from __future__ import annotations

from datetime import timedelta

from tests import factories as make
from tests.care import builders
from tracker.care import queries, services
from tracker.core.flags import raise_flag
from tracker.db import utcnow
from tracker.extensions import db


def test_open_flag_counts_in_one_query(clinician, clinician2, patient, patient2, count_queries):
    third = make.patient(clinician.clinic, clinicians=[clinician])
    for i in range(3):
        raise_flag(patient_id=patient.id, source="vital_alert", source_id=i, summary="x",
                   user=clinician)
    acknowledged = raise_flag(patient_id=patient2.id, source="vital_alert", source_id=10,
                              summary="x", user=clinician2)
    raise_flag(patient_id=patient2.id, source="adverse_event", source_id=11, summary="x",
               user=clinician2)
    services.acknowledge_flag(acknowledged, note="ok", by=clinician2)
    with count_queries() as q:
        counts = queries.open_flag_counts([patient.id, patient2.id, third.id, patient.id])
    assert q.count == 1
    assert counts == {patient.id: 3, patient2.id: 1, third.id: 0}
    assert queries.open_flag_counts([]) == {}


def test_score_series_and_dosing_markers(clinician, patient, patient2, clinician2):
    course = make.course(patient)
    now = utcnow()
    first = make.dosing_session(course, clinician=clinician, scheduled_at=now - timedelta(days=10),
                                ended=True)
    cancelled = make.dosing_session(course, clinician=clinician,
                                    scheduled_at=now - timedelta(days=5))
    cancelled.status = "cancelled"
    planned = make.dosing_session(course, clinician=clinician, scheduled_at=now + timedelta(days=2))
    builders.response(patient, clinician, "phq9", 18, days_ago=12)
    builders.response(patient, clinician, "gad7", 9, days_ago=11)
    builders.response(patient, clinician, "phq9", 7, days_ago=2)
    builders.response(patient2, clinician2, "phq9", 24, days_ago=1)  # someone else's

    series = db.session.execute(queries.score_series(patient.id)).all()
    assert [(r.instrument, r.total, r.band) for r in series] == [
        ("phq9", 18, "moderately severe"), ("gad7", 9, "mild"), ("phq9", 7, "mild")]
    assert series[0].completed_at < series[1].completed_at < series[2].completed_at

    markers = db.session.execute(queries.dosing_markers(patient.id)).all()
    assert [m.id for m in markers] == [first.id, planned.id]  # cancelled left out
    assert markers[0].started_at == first.started_at and markers[1].started_at is None
    assert markers[1].scheduled_at == planned.scheduled_at
    assert cancelled.id not in [m.id for m in markers]
