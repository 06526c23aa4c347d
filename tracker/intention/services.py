"""Stage 1: recording the intention before a dosing session, and its readiness checklist.

The intention is editable until the session starts; afterwards a change is refused (what
happened is then recorded in the session itself)."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from tracker.core.audit.service import record_event
from tracker.core.sessions import DosingSession, SessionStatus
from tracker.db import utcnow
from tracker.extensions import db
from tracker.intention.models import (
    CHECKLIST_ITEMS,
    CONCOMITANT_MEDICATIONS,
    FOCUS_AREAS,
    Goal,
    Intention,
    IntentionFocus,
)
from tracker.intention.queries import intention_for_session
from tracker.rules import Refused, Stale, check_version


@dataclass
class IntentionDraft:
    """What the clinician typed. goals: (existing goal id or None, text[, the id of the earlier
    goal a new row carries forward]), in order."""

    focus_areas: list[str]
    intention_text: str
    focus_other: str | None = None
    goals: list[tuple] = field(default_factory=list)
    preparation_notes: str | None = None
    checklist: dict[str, bool] = field(default_factory=dict)
    escort_name: str | None = None
    escort_phone: str | None = None
    # concomitant medications (CONCOMITANT_MEDICATIONS): True / False, or None: not asked
    concomitant: dict[str, bool | None] = field(default_factory=dict)


def editing_refused(session: DosingSession) -> str | None:
    """Why the session's intention can no longer be changed, or None while it can."""
    if session.status == SessionStatus.CANCELLED:
        return "This dosing session is cancelled; its intention can no longer be changed."
    if session.started_at is not None or session.status != SessionStatus.SCHEDULED:
        return ("This dosing session has started, so its intention can no longer be changed. "
                "Record anything new in the session's notes.")
    return None


def save_intention(session: DosingSession, draft: IntentionDraft, *, expected_version,
                   by) -> Intention:
    """Record or update the intention of a session not yet started, refusing a stale form.

    Goals keep their ids when their text is edited; a cleared goal row removes the goal.
    checklist_completed_at is set when the last item is ticked and cleared if one is unticked."""
    problem = editing_refused(session)
    if problem:
        raise Refused(problem, status=409)  # the session's state, not the input, is in the way
    unknown = set(draft.focus_areas) - set(FOCUS_AREAS)
    if unknown or not draft.focus_areas:
        raise Refused("Choose focus areas from the list.", field="focus_areas")
    intention = db.session.scalar(intention_for_session(session.id))
    if intention is None:
        if str(expected_version or "").strip():
            raise Stale(what="intention")  # it existed when the form was opened: removed or replaced since
        intention = Intention(session_id=session.id, patient_id=session.patient_id,
                              recorded_by_id=by.id, intention_text="")
        db.session.add(intention)
        action = "create"
    else:
        check_version(intention, expected_version)
        action = "update"

    intention.intention_text = draft.intention_text.strip()
    intention.focus_other = ((draft.focus_other or "").strip() or None
                             if "other" in draft.focus_areas else None)
    intention.preparation_notes = (draft.preparation_notes or "").strip() or None
    _apply_checklist(intention, draft)
    intention.updated_at = utcnow()  # always an UPDATE: the version moves with goal-only edits
    db.session.flush()
    _apply_focus_areas(intention, draft.focus_areas)
    _apply_goals(intention, draft.goals)
    db.session.flush()
    record_event(action, "intention", intention.id, patient_id=session.patient_id, user=by)
    return intention


def _apply_checklist(intention: Intention, draft: IntentionDraft) -> None:
    for column, _ in CHECKLIST_ITEMS:
        setattr(intention, column, bool(draft.checklist.get(column)))
    if intention.escort_arranged:
        intention.escort_name = (draft.escort_name or "").strip() or None
        intention.escort_phone = (draft.escort_phone or "").strip() or None
    else:
        intention.escort_name = intention.escort_phone = None
    for column, _ in CONCOMITANT_MEDICATIONS:
        setattr(intention, column, draft.concomitant.get(column))
    if intention.checklist_complete:
        intention.checklist_completed_at = intention.checklist_completed_at or utcnow()
    else:
        intention.checklist_completed_at = None


def _apply_focus_areas(intention: Intention, areas: list[str]) -> None:
    wanted = set(areas)
    for focus in list(intention.focus_areas):
        if focus.area not in wanted:
            intention.focus_areas.remove(focus)
    have = {f.area for f in intention.focus_areas}
    for area in sorted(wanted - have):
        intention.focus_areas.append(IntentionFocus(area=area))


def _apply_goals(intention: Intention, goals: list[tuple]) -> None:
    existing = {g.id: g for g in intention.goals}
    rows = [(gid, text.strip(), carried) for gid, text, carried in (_goal_row(r) for r in goals)
            if text and text.strip()]
    if any(gid is not None and gid not in existing for gid, _, _ in rows):
        raise Stale(what="intention")  # a goal the form showed is gone: someone else changed the goals
    kept = {gid for gid, _, _ in rows if gid is not None}
    removed = [g for gid, g in existing.items() if gid not in kept]
    if removed and db.session.scalar(sa.select(Goal.id).where(
            Goal.id.in_([g.id for g in removed]), Goal.progress_notes.any()).limit(1)):
        raise Refused("A goal with progress noted at a debrief cannot be removed.",
                            field="goals")
    carried = _carried_goals(intention, [c for gid, _, c in rows if gid is None and c])
    if removed:  # a later session that carried a removed goal forward keeps its own goal, unlinked
        db.session.execute(sa.update(Goal).where(Goal.carried_from_id.in_([g.id for g in removed]))
                           .values(carried_from_id=None))
    for goal in removed:
        intention.goals.remove(goal)
    for position, (gid, text, carried_from) in enumerate(rows):
        goal = existing[gid] if gid is not None else Goal(text=text)
        goal.text, goal.position = text, position
        if gid is None:
            goal.carried_from_id = carried_from if carried_from in carried else None
            intention.goals.append(goal)


def _goal_row(row: tuple) -> tuple[int | None, str, int | None]:
    gid, text, *rest = row
    return gid, text, (rest[0] if rest else None)


def _carried_goals(intention: Intention, wanted: list[int]) -> set[int]:
    """Of the goal ids new rows say they carry forward, those that may be: goals of the same
    patient's intention for an earlier-scheduled session, carried nowhere yet. A form sent
    twice or opened in two tabs may name one already carried: that row becomes a new goal."""
    if not wanted:
        return set()
    later = aliased(Goal)
    here = sa.select(DosingSession.scheduled_at).where(
        DosingSession.id == intention.session_id).scalar_subquery()
    return set(db.session.scalars(
        sa.select(Goal.id).join(Intention, Intention.id == Goal.intention_id)
        .join(DosingSession, DosingSession.id == Intention.session_id)
        .where(Goal.id.in_(wanted), Intention.patient_id == intention.patient_id,
               Intention.id != intention.id, DosingSession.scheduled_at < here,
               ~sa.exists().where(later.carried_from_id == Goal.id))))
