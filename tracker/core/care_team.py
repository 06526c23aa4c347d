"""Who is on a patient's care team: the query every stage uses to offer a clinician."""
from __future__ import annotations

import sqlalchemy as sa

from tracker.core.patients import CareTeamMember
from tracker.core.users import CLINICIAN, User


def care_team_clinicians(patient_id: int) -> sa.Select:
    """Active clinicians on the patient's care team, by name: who may guide, follow up, chart."""
    return (sa.select(User).join(CareTeamMember, CareTeamMember.clinician_id == User.id)
            .where(CareTeamMember.patient_id == patient_id, User.role == CLINICIAN,
                   User.active.is_(True))
            .order_by(User.full_name, User.id))
