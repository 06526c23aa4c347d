"""The patient's own copy of their record: the rows the FHIR export holds for the patient
(tracker.fhir.records, Audience.PATIENT: clinician-only notes left out), grouped by session
for a readable, print-ready page. Reads only."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from tracker.core.users import User
from tracker.extensions import db
from tracker.fhir.records import Audience, JourneyRecord, load_records
from tracker.portal.pages import session_numbers


@dataclass
class SessionCopy:
    number: int | None
    session: object
    intention: object | None = None
    vitals: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    adverse_events: list = field(default_factory=list)
    debrief: object | None = None


@dataclass
class RecordCopy:
    record: JourneyRecord
    sessions: list[SessionCopy]
    people: dict[int, str]          # user id -> name, for "with whom"

    def name(self, user_id: int | None) -> str:
        return self.people.get(user_id, "") if user_id else ""


def record_copy(patient) -> RecordCopy:
    record = load_records([patient], Audience.PATIENT)[patient.id]
    numbers = session_numbers(record.sessions)
    by_session: dict[int, SessionCopy] = {s.id: SessionCopy(numbers[s.id], s) for s in record.sessions}
    for intention in record.intentions:
        by_session[intention.session_id].intention = intention
    for attribute, rows in (("vitals", record.vitals), ("notes", record.notes),
                            ("adverse_events", record.adverse_events)):
        grouped = defaultdict(list)
        for row in rows:
            grouped[row.session_id].append(row)
        for session_id, found in grouped.items():
            setattr(by_session[session_id], attribute, found)
    for debrief in record.debriefs:
        by_session[debrief.session_id].debrief = debrief
    ids = {t.clinician_id for t in record.care_team}
    ids |= {s.clinician_id for s in record.sessions} | {f.clinician_id for f in record.follow_ups}
    ids.discard(None)
    people = dict(db.session.execute(sa.select(User.id, User.full_name).where(User.id.in_(ids)))
                  .all()) if ids else {}
    return RecordCopy(record, list(by_session.values()), people)
