"""What a patient changes: marks on task days, reflections and journal entries, questionnaire
answers. Services check the business rules, flush and record the audit event in the caller's
transaction; the view commits.

Every function takes the patient found from the signed-in user and refuses records of anyone
else (the views already load records through access.record_or_404; this is the second lock).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tracker.care.models import QuestionnaireAssignment
from tracker.care.services import record_questionnaire
from tracker.core.audit.service import record_event
from tracker.db import utcnow
from tracker.extensions import db
from tracker.integration.models import Reflection, ReflectionRevision, TaskCompletion
from tracker.portal import queries
from tracker.portal.schedule import can_mark_on, is_occurrence
from tracker.rules import Refused, Stale

REFLECTION_MAX = 5000
SKIP_REASON_MAX = 500
STALE_REFLECTION = ("This reflection was saved from another window or device since you opened "
                    "it. The saved text is shown above; your text is below. Save again to "
                    "replace the saved text with yours (the saved text is kept in the history).")


class NotFound(LookupError):
    """The record or day does not exist for this patient: the view answers 404."""


def _own(patient, record) -> None:
    if record is None or record.patient_id != patient.id:
        raise NotFound()


def _clean_text(text: str | None, *, limit: int, what: str, required: bool = True) -> str | None:
    text = (text or "").strip()
    if not text:
        if required:
            raise Refused(f"Write a few words for your {what}.")
        return None
    if len(text) > limit:
        raise Refused(f"Keep your {what} under {limit:,} characters (it is {len(text):,}).")
    return text


def mark_occurrence(patient, task, on: date, outcome: str, *, today: date,
                    skip_reason: str | None = None, reflection_text: str | None = None
                    ) -> TaskCompletion:
    """Mark one day of a task done or skipped (a skip needs a word why).

    A day marked before is re-marked (the patient changed their mind); an optional reflection
    written with a 'done' is stored as a reflection on the task."""
    _own(patient, task)
    if not is_occurrence(task, on):
        raise NotFound()
    if not task.active:
        raise Refused("This task is no longer in your plan, so it cannot be marked.")
    if outcome not in ("done", "skipped"):
        raise Refused("Choose done or skipped.")
    if not can_mark_on(task, on, today):
        raise Refused(f"This day has not come yet: you can mark it from {on:%a %d %b}.")
    reason = None
    if outcome == "skipped":
        reason = _clean_text(skip_reason, limit=SKIP_REASON_MAX, what="reason for skipping")
    text = _clean_text(reflection_text, limit=REFLECTION_MAX, what="reflection", required=False)

    mark = _upsert_mark(task_id=task.id, patient_id=patient.id, occurrence_on=on,
                        outcome=outcome, skip_reason=reason, marked_at=utcnow())
    record_event(f"mark_{outcome}", "integration_task", task.id, patient_id=patient.id)
    if text:
        add_reflection(patient, text, task=task)
    return mark


_INSERTS = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}


def _upsert_mark(**values) -> TaskCompletion:
    """Insert the mark of one occurrence, or replace the one there (the patient changed their
    mind), in one statement on the unique key (task_id, occurrence_on): two taps at once on the
    same day leave one mark, the later, without a lock taken for the purpose."""
    insert = _INSERTS[db.session.get_bind(mapper=TaskCompletion.__mapper__).dialect.name]
    stmt = insert(TaskCompletion).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[TaskCompletion.task_id, TaskCompletion.occurrence_on],
        set_={name: stmt.excluded[name] for name in ("outcome", "skip_reason", "marked_at")},
    ).returning(TaskCompletion.id)
    mark_id = db.session.execute(stmt).scalar_one()
    return db.session.get(TaskCompletion, mark_id, populate_existing=True)


def add_reflection(patient, text: str, *, task=None, session_id: int | None = None) -> Reflection:
    """A reflection on a task, or a free journal entry (no task), optionally about a session."""
    if task is not None:
        _own(patient, task)
    if (session_id is not None
            and db.session.scalar(queries.session_for_patient(patient.id, session_id)) is None):
            raise Refused("Choose one of your own sessions, or none.")
    text = _clean_text(text, limit=REFLECTION_MAX, what="reflection")
    reflection = Reflection(patient_id=patient.id, task_id=task.id if task else None,
                            session_id=session_id, text=text)
    db.session.add(reflection)
    db.session.flush()
    record_event("create", "reflection", reflection.id, patient_id=patient.id)
    return reflection


def edit_reflection(patient, reflection: Reflection, text: str, *, expected_version) -> Reflection:
    """Replace a reflection's text, keeping the earlier text as a revision.

    Refuses a stale save (the reflection changed since the form was opened): Stale.
    The flush may also raise StaleDataError if another save lands in between; the view treats
    both alike."""
    _own(patient, reflection)
    text = _clean_text(text, limit=REFLECTION_MAX, what="reflection")
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):
        expected = None
    if expected != reflection.version:
        raise Stale(STALE_REFLECTION)
    if text == reflection.text:
        return reflection
    db.session.add(ReflectionRevision(reflection_id=reflection.id, text=reflection.text,
                                      revised_at=utcnow()))
    reflection.text = text
    db.session.flush()
    record_event("update", "reflection", reflection.id, patient_id=patient.id)
    return reflection


# Open to every patient at any time, with what each is about in the patient's words; others
# (PCL-5, a trauma questionnaire) only once the care team assigns them.
ALWAYS_OPEN = {"phq9": "mood", "gad7": "anxiety"}


def offered_instruments(patient) -> set[str]:
    """PHQ-9 and GAD-7 are always open to the patient; others (PCL-5) once assigned."""
    assigned = set(db.session.scalars(
        queries.open_assignments(patient.id).with_only_columns(QuestionnaireAssignment.instrument)))
    return set(ALWAYS_OPEN) | assigned


def submit_questionnaire(patient, instrument: str, answers: list[int], *, user):
    """Record the patient's own answers through the care service, which scores them, raises
    the safety flag for PHQ-9 item 9 above 0, completes an open assignment and audits.

    Returns (response, flag or None). Raises NotFound for a questionnaire not offered to this
    patient, scoring.InvalidAnswers for answers that cannot be scored."""
    if instrument not in offered_instruments(patient):
        raise NotFound()
    return record_questionnaire(patient, instrument, answers, source="patient", entered_by=user)
