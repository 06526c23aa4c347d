"""How a patient prepares for a dosing session: one text, used wherever the patient is told
(the journey page, the calendar file, the reminder). General instructions only, the same for
every patient of the clinic: no clinical detail of this patient."""
from __future__ import annotations

PREPARATION_STEPS = (
    "Fasting: do not eat or drink for as long before the session as your care team told you.",
    "Escort: arrange for a named adult to take you home afterwards; you cannot leave alone.",
    "No driving until the next day, after a good night's sleep; no cycling or operating "
    "machinery either.",
    "Take your usual medicines unless your care team told you otherwise, and tell them about "
    "any new ones.",
)


def preparation_text() -> str:
    """The steps as plain text, one per line (for a calendar entry or an email)."""
    return "\n".join(f"- {step}" for step in PREPARATION_STEPS)
