"""The state of every stage of a patient's dosing sessions, as the continuity rules judge it.

The chart reads its stage states here, so the chart, the needs-attention list and the lead's
dashboard say the same thing about the same session: each state below is the rule's own
expression (rules.py), evaluated over every session of one patient instead of a period.

Once a session is an item of a rule (started; for most rules also ended) its stage shows the
rule's state: compliant (shown "On time"), late, missing or pending. Before that, the chart
needs plain words for what the dashboard does not judge yet:

- pending:   still to do before its deadline (an intention, the readiness checklist or a
             PHQ-9 before an upcoming session; nothing is late before the session starts);
- recorded:  done already, not judged until the session starts (an intention, a checklist);
- draft:     the in-session record of a session under way;
- upcoming:  not due yet (the debrief, the plan and the follow-up before the session ends);
- cancelled: the session was cancelled; no rule judges it;
- not applicable: the stage is not part of this session (the REMS form of a ketamine session).
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from tracker.continuity.groups import SessionItems
from tracker.continuity.predicates import PENDING
from tracker.continuity.rules import RULES, STATE_LABELS
from tracker.continuity.scope import Scope
from tracker.core.sessions import Medication

RECORDED, DRAFT, UPCOMING, CANCELLED = "recorded", "draft", "upcoming", "cancelled"
NOT_APPLICABLE = "not_applicable"

STAGE_LABELS = {**STATE_LABELS, RECORDED: "Recorded", DRAFT: "Draft", UPCOMING: "Not yet due",
                CANCELLED: "Cancelled", NOT_APPLICABLE: "Not applicable"}


@dataclass(frozen=True)
class Stage:
    """One stage of a session as the chart shows it, with the rule that judges it."""

    key: str        # the chart row's name
    label: str
    rule: str       # the continuity rule (rules.RULES) that judges the stage
    before_start: bool = False   # to do before the session starts (else after it ends)
    medication: str | None = None  # a stage of sessions of this medication only


SESSION_STAGES = (
    Stage("intention", "1. Intention", "intention_before_start", before_start=True),
    Stage("checklist", "Readiness checklist", "checklist_before_dosing", before_start=True),
    Stage("phq9", "PHQ-9 before the session", "phq9_before_session", before_start=True),
    Stage("record", "2. In-session record", "session_signed"),
    Stage("debrief", "3. Debrief", "debrief_signed"),
    Stage("plan", "Integration plan", "integration_plan"),
    Stage("follow_up", "4. Follow-up", "follow_up_held"),
    Stage("rems", "REMS monitoring form", "rems_submitted", medication=Medication.ESKETAMINE),
)
STAGES = {stage.key: stage for stage in SESSION_STAGES}


def session_stage_columns(patient_id: int, scope: Scope) -> sa.Subquery:
    """Per dosing session of the patient: `session_id`, and per stage its rule's `<key>_state`
    (NULL where the session is not yet an item of the rule), `<key>_due` and `<key>_done`."""
    g = SessionItems(scope, None)
    columns = [g.s.id.label("session_id")]
    for stage in SESSION_STAGES:
        c = RULES[stage.rule].columns(g, scope)
        columns += [sa.case((g.is_item, c.state), else_=sa.null()).label(f"{stage.key}_state"),
                    c.due_at.label(f"{stage.key}_due"), c.done_at.label(f"{stage.key}_done")]
    return g.select_for_patient(patient_id, *columns).subquery("stage_states")


def shown_state(stage: Stage, rule_state: str | None, *, cancelled: bool, started: bool,
                done: bool, medication: str | None = None) -> str:
    """The state a page shows for `stage`: the rule's state once the session is its item,
    else the plain words of this module's docstring. A medication-specific stage of a session
    of another medication is not applicable (until the medication is recorded, not yet due)."""
    if rule_state is not None:
        return rule_state
    if cancelled:
        return CANCELLED
    if stage.medication is not None and medication is not None and medication != stage.medication:
        return NOT_APPLICABLE
    if stage.before_start:
        return RECORDED if done else PENDING
    if stage.key == "record" and started:
        return DRAFT
    return UPCOMING
