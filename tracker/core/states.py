"""The four states every continuity item is in, and the one SQL expression that orders them.

The words are the continuity rules' (tracker/continuity/rules.py); they live here, below the
stages, because a stage's own page (care's follow-ups) shows a rule's state too and must use
the same words and the same expression.
"""
from __future__ import annotations

import sqlalchemy as sa

COMPLIANT, LATE, MISSING, PENDING = "compliant", "late", "missing", "pending"
STATES = (COMPLIANT, LATE, MISSING, PENDING)
# The words every page uses for the four states (the chart, the lists, the dashboard).
STATE_LABELS = {COMPLIANT: "On time", LATE: "Late", MISSING: "Missing", PENDING: "Pending"}


def state_case(*, compliant, late=None, pending=None) -> sa.Case:
    """compliant / pending / late / missing, tested in that order: done in time wins; else an
    item whose deadline has not passed is pending; else done late; else missing."""
    whens = [(compliant, COMPLIANT)]
    if pending is not None:
        whens.append((pending, PENDING))
    if late is not None:
        whens.append((late, LATE))
    return sa.case(*whens, else_=MISSING)
