"""How a patient prepares for a dosing session: one text, used wherever the patient is told
(the journey page, the calendar file, the reminder). General instructions only, the same for
every patient of the clinic: no clinical detail of this patient."""
from __future__ import annotations

PREPARATION_STEPS = (
    "Do not eat for 4 hours before the session, and drink only clear fluids in the last 2 hours.",
    "Arrange for a named adult to collect you: you cannot leave alone after the session.",
    "Do not drive, cycle or operate machinery until the next day after a good night's sleep.",
    "Take your usual medicines unless your care team told you otherwise, and tell them about "
    "any new ones.",
    "Wear comfortable clothes; bring an eye mask or headphones if you like them.",
)


def preparation_text() -> str:
    """The steps as plain text, one per line (for a calendar entry or an email)."""
    return "\n".join(f"- {step}" for step in PREPARATION_STEPS)
