"""Reads of patients: every list starts from access.visible_patients()."""
from __future__ import annotations

import sqlalchemy as sa

from tracker.access import visible_patients
from tracker.patients.models import Patient


def patient_list(user, *, search: str = "", status: str = "") -> sa.Select:
    """The patients `user` may see, filtered, ordered by family name."""
    stmt = visible_patients(user)
    if search:
        term = f"%{search.strip().lower()}%"
        stmt = stmt.where(sa.or_(
            sa.func.lower(Patient.given_name + " " + Patient.family_name).like(term),
            sa.func.lower(Patient.family_name).like(term),
            sa.func.lower(Patient.record_number).like(term),
        ))
    if status:
        stmt = stmt.where(Patient.status == status)
    return stmt.order_by(Patient.family_name, Patient.given_name, Patient.id)
