"""indexes for a clinic network: the time-window scans read only index pages

In a database shared by several clinics, the rows of one clinic's period are spread over the
pages of every clinic's rows. The continuity rules read contacts (completed follow-ups, ended
sessions, held debriefs) and PHQ-9s of a window, then keep the clinic's patients: with the
patient (and the column the rule filters on) in the index, PostgreSQL answers from the index
alone (an index-only scan) instead of visiting a heap page per row of every clinic. The
first dose of each active patient is read per patient from (patient_id, started_at).

On PostgreSQL the four window indexes are rebuilt with INCLUDE columns (same names, same keys);
SQLite has no INCLUDE and keeps them as they are. Measured with 10 clinics of 10,000 patients
(README, Speed at the size of a clinic network).

Revision ID: 0013_network_indexes
Revises: 0006_rems_form
"""
from alembic import op

revision = "0013_network_indexes"
down_revision = "0015_date_style"
branch_labels = None
depends_on = None

# (index, table, key columns, INCLUDE columns on PostgreSQL)
COVERED = [
    ("ix_follow_up_completed_at", "follow_up", ["completed_at"], ["patient_id", "outcome"]),
    ("ix_dosing_session_ended_at", "dosing_session", ["ended_at"], ["patient_id", "status"]),
    ("ix_debrief_held_at", "debrief", ["held_at"], ["patient_id"]),
    ("ix_questionnaire_response_instrument_completed", "questionnaire_response",
     ["instrument", "completed_at"], ["patient_id"]),
]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name, table, columns, include in COVERED:
            op.drop_index(name, table_name=table)
            op.create_index(name, table, columns, postgresql_include=include)
    op.create_index("ix_dosing_session_patient_started", "dosing_session",
                    ["patient_id", "started_at"], postgresql_include=["status"])


def downgrade():
    op.drop_index("ix_dosing_session_patient_started", table_name="dosing_session")
    if op.get_bind().dialect.name == "postgresql":
        for name, table, columns, _include in COVERED:
            op.drop_index(name, table_name=table)
            op.create_index(name, table, columns)
