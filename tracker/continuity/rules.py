"""The continuity-of-care rules (DESIGN.md "Continuity of care"), computed by the database.

One module for the lead's dashboard, the clinician's "needs attention" list (attention.py) and
the chart's stage states (stages.py): each reads the rule expressions below, so the three agree
item by item (tests/continuity/test_agreement.py checks it on random journeys). The four states
read "On time", "Late", "Missing" and "Pending" on every page.
Thresholds come from `clinic.setting(key)` (tracker/core/clinic.py DEFAULT_SETTINGS).

Every rule judges *items*. Each item has an anchor (the instant or day that places it in a
period and in an ISO week), a deadline, and one state:

- **compliant**: done, no later than the deadline;
- **late**: done, but after the deadline;
- **missing**: not done, and the deadline has passed;
- **pending**: not done, and the deadline has not passed yet. Pending items are shown but are
  not non-compliant: the rate is compliant / (compliant + late + missing).

"Due" on the dashboard counts every item of the period (all four states). Times are compared
in UTC; a period is clinic-local days [first day 00:00, last day + 1 00:00).

Session items: a dosing session of the clinic, not cancelled, scheduled in the period, that
took place (started; for rules 3-6 also ended). Per clinician: the session's guiding clinician.

1. ``intention_before_start`` (item: started session). Deadline: the session's start.
   Done: an intention is recorded for the session (its created_at). Never pending.
2. ``checklist_before_dosing`` (item: started session). Deadline: the start. Done: the
   intention's readiness checklist completed (checklist_completed_at), or the session carries
   an override reason (counts as compliant: the override is the recorded exception).
3. ``session_signed`` (item: ended session). Deadline: end + sign_session_within_hours (24).
   Done: the in-session record is signed (signed_at).
4. ``debrief_signed`` (item: ended session). Deadline: end + debrief_within_hours (72). Done:
   the session's debrief is held and signed (signed_at; signing comes after holding).
5. ``integration_plan`` (item: the debrief of an ended session of the period). Deadline: the
   debrief's signing. Done: the debrief has at least one integration task (first created_at).
   An unsigned debrief with no task yet is pending; a plan added after signing is late.
6. ``follow_up_held`` (item: ended session). Deadline: end + follow_up_within_days (14).
   Compliant: any completed follow-up with the patient between the end and the deadline.
   Late: none in time, but a follow-up booked for this session completed after the deadline.
7. ``phq9_before_session`` (item: started session). Compliant: a PHQ-9 completed in the
   phq9_before_session_days (7) before the start. Otherwise missing (no late state, never
   pending: a questionnaire after dosing cannot be a pre-dose baseline).

8. ``rems_submitted`` (item: an ended *esketamine* session; a ketamine session is no item of
   this rule). Deadline: end + rems_submit_within_days (7) days. Done: the Spravato REMS
   patient monitoring form marked as submitted (rems_form.submitted_at).

Other items (per clinician: the patient's primary care-team clinician):

9. ``tasks_not_overdue`` (item: one occurrence of a live integration task dated in the
   period: a one-off task on its due date, a daily one each day, a weekly one each week from
   its start, until its end; cancelled tasks do not count). Deadline: the end of the
   task_overdue_flag_days-th (7th) day after the occurrence. Done: the patient marked the
   occurrence (done or skipped, marked_at).
10. ``flags_acknowledged`` (item: a safety flag raised in the period). Deadline: raised +
   acknowledge_flag_within_hours (24). Done: acknowledged (acknowledged_at).

Patient items, judged as of the period's end (or now, if sooner); the trend judges them as of
each week's end. The item: a patient whose status is active today (a limitation: status
history is not replayed) and who is in care by then:

11. ``phq9_every`` (in care = a dosing session started by then). Compliant: a PHQ-9 in the
    phq9_every_days (30) before. Pending: the first dosing session is less than that old.
    Late: not in time, but a PHQ-9 was completed after that moment. Missing: otherwise.
12. ``in_contact`` (in care = a treatment course started by then). A contact is a completed
    follow-up, an ended dosing session or a held debrief. Compliant: a contact in the
    lost_to_follow_up_days (30) before. Pending: the first course is less than that old.
    Late: out of contact then, but contacted since. Missing: lost to follow-up.

Items of one kind share one FROM clause (groups.py); each rule adds its columns (item_id,
anchor, due_at, done_at, state, detail: a task's title, a flag's source) over it, its state
NULL for rows that are not its items. The dashboard reads each group once, counting every
rule's states per week and clinician; a drill-down reads one rule's items in one state.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tracker.continuity import care_rules, session_rules
from tracker.continuity.groups import FlagItems, PatientItems, SessionItems, TaskItems
from tracker.core.states import COMPLIANT, LATE, MISSING, PENDING, STATE_LABELS, STATES  # noqa: F401

ALL_ITEMS = "due"  # a drill-down of every item, whatever its state
DRILLDOWN_LABELS = {ALL_ITEMS: "All items", **STATE_LABELS}


@dataclass(frozen=True)
class Rule:
    key: str
    label: str
    item: str                 # what one item is, in words
    record_type: str          # what item_id refers to
    group: type               # the kind of item (groups.py) whose rows the rule judges
    columns: Callable         # (group, scope) -> session_rules.ItemColumns
    has_late: bool = True
    has_pending: bool = True
    anchor_is_date: bool = False

    @property
    def snapshot(self) -> bool:
        """Judged as of an instant (patient-level), not per anchored item."""
        return self.group is PatientItems

    @property
    def anchor_label(self) -> str:
        """What the item's anchor time is, for a column heading: a session's rules are placed in
        the period by its scheduled time, while their deadlines run from its real start or end."""
        if self.snapshot:
            return "As of"
        return {SessionItems: "Scheduled", TaskItems: "Due day", FlagItems: "Raised"}[self.group]


RULES: dict[str, Rule] = {rule.key: rule for rule in (
    Rule("intention_before_start", "Intention recorded before the session starts",
         "dosing session", "dosing_session", SessionItems, session_rules.intention_before_start,
         has_pending=False),
    Rule("checklist_before_dosing", "Readiness checklist complete (or overridden) before dosing",
         "dosing session", "dosing_session", SessionItems, session_rules.checklist_before_dosing,
         has_pending=False),
    Rule("session_signed", "In-session record signed in time", "dosing session",
         "dosing_session", SessionItems, session_rules.session_signed),
    Rule("debrief_signed", "Debrief held and signed in time", "dosing session",
         "dosing_session", SessionItems, session_rules.debrief_signed),
    Rule("integration_plan", "Debrief has an integration plan", "debrief", "debrief",
         SessionItems, session_rules.integration_plan),
    Rule("follow_up_held", "Follow-up held in time", "dosing session", "dosing_session",
         SessionItems, session_rules.follow_up_held),
    Rule("phq9_before_session", "PHQ-9 measured before the session", "dosing session",
         "dosing_session", SessionItems, session_rules.phq9_before_session, has_late=False,
         has_pending=False),
    Rule("rems_submitted", "REMS monitoring form submitted in time", "esketamine session",
         "dosing_session", SessionItems, session_rules.rems_submitted),
    Rule("phq9_every", "PHQ-9 measured regularly while active", "active patient", "patient",
         PatientItems, care_rules.phq9_every),
    Rule("tasks_not_overdue", "Integration tasks not left overdue", "task occurrence",
         "integration_task", TaskItems, care_rules.tasks_not_overdue, anchor_is_date=True),
    Rule("in_contact", "Active patients in contact", "active patient", "patient",
         PatientItems, care_rules.in_contact),
    Rule("flags_acknowledged", "Safety flags acknowledged in time", "safety flag",
         "safety_flag", FlagItems, care_rules.flags_acknowledged),
)}
GROUPS = (SessionItems, TaskItems, FlagItems, PatientItems)


def thresholds_text(rule: Rule, clinic) -> str:
    """The rule's threshold in words, from the clinic's settings."""
    s = clinic.setting
    return {
        "intention_before_start": "before the session starts",
        "checklist_before_dosing": "before dosing",
        "session_signed": f"within {s('sign_session_within_hours')} h of the end",
        "debrief_signed": f"within {s('debrief_within_hours')} h of the end",
        "integration_plan": "at least one task",
        "follow_up_held": f"within {s('follow_up_within_days')} days of each session",
        "phq9_before_session": f"within {s('phq9_before_session_days')} days before",
        "rems_submitted": f"within {s('rems_submit_within_days')} days of the end (esketamine)",
        "phq9_every": f"every {s('phq9_every_days')} days",
        "tasks_not_overdue": f"flag past {s('task_overdue_flag_days')} days overdue",
        "in_contact": f"contact within {s('lost_to_follow_up_days')} days",
        "flags_acknowledged": f"within {s('acknowledge_flag_within_hours')} h",
    }[rule.key]
