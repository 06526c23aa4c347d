"""the journey's other tables name their clinic: one index range per clinic and period

0016 gave dosing sessions their clinic. The continuity rules that judge tasks, flags and
active patients still read the other journey tables by time alone and kept the clinic's rows
by a join to `patient`: in a database of ten clinics PostgreSQL read every clinic's task
days, contacts and PHQ-9s of the period, and grouped every clinic's care teams to find the
primary clinicians (a drill-down of overdue tasks: 65 ms for a clinic alone, 290 ms as one of
ten). Integration tasks, debriefs, follow-ups, questionnaire responses, care-team members and
treatment courses now carry `clinic_id` as dosing sessions do: copied from the patient when a row is added
(tracker.core.patients._copy_the_clinic), held equal by the key (clinic_id, patient_id) ->
patient (clinic_id, id), and first in the indexes the rules read.

Revision ID: 0017_journey_clinic
Revises: 0016_session_clinic
"""
import sqlalchemy as sa
from alembic import op

revision = "0017_journey_clinic"
down_revision = "0016_session_clinic"
branch_labels = None
depends_on = None

# table: the indexes (name, columns) that lead with the clinic
TABLES = {
    "integration_task": [("ix_integration_task_clinic_due", ["clinic_id", "due_on"]),
                         ("ix_integration_task_clinic_repeat_until", ["clinic_id", "repeat_until"])],
    "debrief": [("ix_debrief_clinic_held", ["clinic_id", "held_at"])],
    "follow_up": [("ix_follow_up_clinic_completed", ["clinic_id", "completed_at"])],
    "questionnaire_response": [("ix_questionnaire_response_clinic_instrument",
                                ["clinic_id", "instrument", "completed_at"])],
    "care_team_member": [("ix_care_team_member_clinic_primary",
                          ["clinic_id", "is_primary", "patient_id", "clinician_id"])],
    "treatment_course": [("ix_treatment_course_clinic_patient",
                          ["clinic_id", "patient_id", "started_on"])],
}


def upgrade():
    for table, indexes in TABLES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("clinic_id", sa.Integer(), nullable=True))
        op.execute(f"UPDATE {table} SET clinic_id = "
                   f"(SELECT patient.clinic_id FROM patient WHERE patient.id = {table}.patient_id)")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("clinic_id", existing_type=sa.Integer(), nullable=False)
            batch_op.create_foreign_key(f"fk_{table}_clinic_id_patient", "patient",
                                        ["clinic_id", "patient_id"], ["clinic_id", "id"])
            for name, columns in indexes:
                batch_op.create_index(name, columns)
    with op.batch_alter_table("dosing_session", schema=None) as batch_op:
        batch_op.create_index("ix_dosing_session_clinic_ended", ["clinic_id", "ended_at"])


def downgrade():
    with op.batch_alter_table("dosing_session", schema=None) as batch_op:
        batch_op.drop_index("ix_dosing_session_clinic_ended")
    for table, indexes in reversed(TABLES.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _columns in indexes:
                batch_op.drop_index(name)
            batch_op.drop_constraint(f"fk_{table}_clinic_id_patient", type_="foreignkey")
            batch_op.drop_column("clinic_id")
