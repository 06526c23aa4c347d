"""A child row's copy of patient_id is held equal to its parent's by the database itself.

Access checks and lists trust the copy (a note is shown to whoever may see note.patient_id),
so a note filed under one patient but hung on another patient's session would leak. Each test
writes the row twice, once under the other patient (refused) and once under the right one
(accepted), so the refusal can only come from the composite key.
"""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tests import factories as make
from tracker.db import utcnow
from tracker.extensions import db


@pytest.fixture
def journeys(clinic, clinician, patient, patient2):
    """For each of two patients: a course, two sessions (one bare, one with a debrief), a
    task of that debrief and a questionnaire response; ids by name, per patient."""
    found = {}
    for p in (patient, patient2):
        course = make.course(p)
        bare = make.dosing_session(course, clinician=clinician)
        debriefed = make.dosing_session(course, clinician=clinician, ended=True)
        debrief = make.debrief(debriefed, clinician)
        task = make.task(p, clinician, debrief=debrief)
        response_id = db.session.execute(sa.insert(db.metadata.tables["questionnaire_response"]).values(
            patient_id=p.id, clinic_id=clinic.id, instrument="gad7", completed_at=utcnow(),
            total=3, band="Minimal",
            source="clinician", entered_by_id=clinician.id).returning(sa.column("id"))).scalar_one()
        found[p.id] = dict(patient=p.id, course=course.id, session=bare.id, debrief=debrief.id,
                           task=task.id, response=response_id, user=clinician.id,
                           clinic=clinic.id)
    db.session.flush()
    return found[patient.id], found[patient2.id]


def _now():
    return utcnow()


# table -> (column naming the parent, the parent's name in `journeys`, the row's other values)
CHILDREN = {
    "dosing_session": ("course_id", "course", lambda j: dict(scheduled_at=_now(),
                                                             clinic_id=j["clinic"])),
    "status_change": ("course_id", "course", lambda j: dict(
        from_status="active", to_status="paused", reason="Travel", changed_by_id=j["user"])),
    "intention": ("session_id", "session", lambda j: dict(
        intention_text="To rest.", recorded_by_id=j["user"])),
    "session_note": ("session_id", "session", lambda j: dict(
        noted_at=_now(), kind="observation", text="Calm.", author_id=j["user"])),
    "vital_sign": ("session_id", "session", lambda j: dict(
        measured_at=_now(), phase="pre_dose", systolic=120, diastolic=80, recorded_by_id=j["user"])),
    "sedation_rating": ("session_id", "session", lambda j: dict(
        rated_at=_now(), moaas=5, recorded_by_id=j["user"])),
    "adverse_event": ("session_id", "session", lambda j: dict(
        occurred_at=_now(), kind="nausea", severity="mild", recorded_by_id=j["user"])),
    "debrief": ("session_id", "session", lambda j: dict(held_at=_now(), clinician_id=j["user"],
                                                        clinic_id=j["clinic"])),
    "integration_task": ("debrief_id", "debrief", lambda j: dict(
        title="Walk", kind="movement", starts_on=date.today(),
        due_on=date.today() + timedelta(days=1), created_by_id=j["user"], clinic_id=j["clinic"])),
    "task_completion": ("task_id", "task", lambda j: dict(
        occurrence_on=date.today(), outcome="done")),
    "reflection.task_id": ("task_id", "task", lambda j: dict(text="It helped.")),
    "reflection.session_id": ("session_id", "session", lambda j: dict(text="It helped.")),
    "follow_up": ("session_id", "session", lambda j: dict(
        kind="check_in", scheduled_at=_now(), created_by_id=j["user"], clinic_id=j["clinic"])),
    "questionnaire_response": ("session_id", "session", lambda j: dict(
        instrument="phq9", completed_at=_now(), total=4, band="Minimal", source="patient",
        entered_by_id=j["user"], clinic_id=j["clinic"])),
    "questionnaire_assignment": ("response_id", "response", lambda j: dict(
        instrument="gad7", assigned_by_id=j["user"])),
    "safety_flag": ("session_id", "session", lambda j: dict(
        source="vital_alert", source_id=999, summary="Alert-level vital sign")),
    "rems_form": ("session_id", "session", lambda j: dict(
        ready_to_leave_minutes=110, version=1, created_at=_now(), updated_at=_now())),
}


def _insert(table_name, values):
    table = db.metadata.tables[table_name.split(".")[0]]
    with db.session.begin_nested():
        return db.session.execute(sa.insert(table).values(**values)
                                  .returning(table.c.id)).scalar_one()


@pytest.mark.parametrize("child", CHILDREN)
def test_a_child_cannot_be_filed_under_another_patient(journeys, child):
    mine, other = journeys
    column, parent, rest = CHILDREN[child]
    values = {column: mine[parent], **rest(mine)}

    with pytest.raises(IntegrityError):
        _insert(child, {**values, "patient_id": other["patient"]})
    row_id = _insert(child, {**values, "patient_id": mine["patient"]})

    table = db.metadata.tables[child.split(".")[0]]
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(sa.update(table).where(table.c.id == row_id)
                           .values(patient_id=other["patient"]))
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(sa.update(table).where(table.c.id == row_id)
                           .values({column: other[parent]}))


@pytest.mark.parametrize("parent", ["treatment_course", "dosing_session", "debrief",
                                    "integration_task"])
def test_a_parent_cannot_move_to_another_patient_under_its_children(journeys, parent):
    mine, other = journeys
    key = {"treatment_course": "course", "dosing_session": "session", "debrief": "debrief",
           "integration_task": "task"}[parent]
    if parent == "dosing_session":  # the bare session has no children yet: give it a note
        _insert("session_note", dict(session_id=mine["session"], patient_id=mine["patient"],
                                     noted_at=_now(), kind="observation", text="Calm.",
                                     author_id=mine["user"]))
    if parent == "integration_task":
        _insert("task_completion", dict(task_id=mine["task"], patient_id=mine["patient"],
                                        occurrence_on=date.today(), outcome="done"))
    table = db.metadata.tables[parent]
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(sa.update(table).where(table.c.id == mine[key])
                           .values(patient_id=other["patient"]))


def test_every_copy_of_patient_id_under_a_parent_is_covered():
    """A new table that copies patient_id next to a key to a parent must be held here too."""
    parents = {"treatment_course", "dosing_session", "debrief", "integration_task",
               "questionnaire_response"}
    held, plain = set(), set()
    for table in db.metadata.tables.values():
        if "patient_id" not in table.c:
            continue
        for fk in table.foreign_key_constraints:
            if fk.referred_table.name not in parents:
                continue
            columns = [c.name for c in fk.columns]
            (held if columns[1:] == ["patient_id"] else plain).add(f"{table.name}.{columns[0]}")
    assert plain == set()
    assert held == {f"{name.split('.')[0]}.{column}" for name, (column, _, _) in CHILDREN.items()}


def test_sqlite_enforces_foreign_keys(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL always enforces them")
    assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar_one() == 1


# table -> (its row in `journeys` (None: added here through the ORM), a valid row's values)
CLINIC_COPIES = {
    "treatment_course": ("course", lambda j: dict(kind="booster", started_on=date.today())),
    "dosing_session": ("session", lambda j: dict(course_id=j["course"], scheduled_at=_now())),
    "debrief": ("debrief", lambda j: dict(session_id=j["session"], held_at=_now(),
                                          clinician_id=j["user"])),
    "integration_task": ("task", lambda j: dict(
        title="Walk", kind="movement", starts_on=date.today(), due_on=date.today(),
        created_by_id=j["user"])),
    "follow_up": (None, lambda j: dict(kind="check_in", scheduled_at=_now(),
                                       created_by_id=j["user"])),
    "questionnaire_response": ("response", lambda j: dict(
        instrument="phq9", completed_at=_now(), total=4, band="Minimal", source="patient",
        entered_by_id=j["user"])),
    "care_team_member": (None, lambda j: dict(clinician_id=j["other_clinician"],
                                              is_primary=False)),
}


@pytest.mark.parametrize("table_name", CLINIC_COPIES)
def test_a_record_names_its_patients_clinic_and_no_other(journeys, clinic, patient, table_name):
    """A journey row's copy of the clinic (what a clinic's lists and the continuity rules
    filter on) is set from the patient when the row is added through the ORM, and the database
    refuses any other clinic, on insert and on update."""
    from tracker.db import ClinicCopy

    mine, _other = journeys
    mine = {**mine, "other_clinician": make.user(clinic, "clinician").id}
    table = db.metadata.tables[table_name]
    key, values = CLINIC_COPIES[table_name]
    if key is None:  # added here through the ORM, without naming the clinic
        model = next(m.class_ for m in db.Model.registry.mappers
                     if m.local_table is table)
        assert issubclass(model, ClinicCopy)
        row = model(patient_id=mine["patient"], **values(mine))
        db.session.add(row)
        db.session.flush()
        row_id = row.id
    else:
        row_id = mine[key]
    assert db.session.scalar(sa.select(table.c.clinic_id).where(table.c.id == row_id)) \
        == patient.clinic_id == clinic.id
    elsewhere = make.clinic(name="Another clinic")
    fresh = dict(values(mine), patient_id=mine["patient"])
    if table_name == "debrief":  # one debrief per session: the bare session's
        fresh["session_id"] = mine["session"]
    with pytest.raises(IntegrityError):
        _insert(table_name, {**fresh, "clinic_id": elsewhere.id})
    if table_name != "care_team_member":  # the ORM's row above holds the one (patient, clinician)
        _insert(table_name, {**fresh, "clinic_id": clinic.id})
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(sa.update(table).where(table.c.id == row_id)
                           .values(clinic_id=elsewhere.id))


def test_every_copy_of_the_clinic_is_held_to_the_patients():
    """Each ClinicCopy table is held by same_clinic_key and tested above. (The audit trail's
    clinic_id and patient_id are the event's: who acted where, on whom; not a copy.)"""
    from tracker.db import ClinicCopy

    copies = {m.local_table.name for m in db.Model.registry.mappers
              if issubclass(m.class_, ClinicCopy)}
    for name in copies:
        keys = {tuple(c.name for c in fk.columns)
                for fk in db.metadata.tables[name].foreign_key_constraints}
        assert ("clinic_id", "patient_id") in keys, name
    assert copies == set(CLINIC_COPIES)
