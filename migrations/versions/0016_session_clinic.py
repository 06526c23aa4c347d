"""a dosing session names its clinic: one index range per clinic and period

The continuity rules anchored on dosing sessions (eight of twelve) select a period by
`scheduled_at` and keep the clinic's patients by a join: in a database of ten clinics
PostgreSQL read every clinic's sessions of the period, or probed each of the clinic's 10,000
patients. `dosing_session.clinic_id` (copied from the patient when a session is added; the
key (clinic_id, patient_id) -> patient (clinic_id, id) holds it equal) and the index
(clinic_id, scheduled_at) make a clinic's period one index range.

Revision ID: 0016_session_clinic
Revises: 0012_continuity_rollup
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_session_clinic"
down_revision = "0012_continuity_rollup"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_patient_clinic_id_id", ["clinic_id", "id"])
    with op.batch_alter_table("dosing_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clinic_id", sa.Integer(), nullable=True))
    op.execute("UPDATE dosing_session SET clinic_id = "
               "(SELECT patient.clinic_id FROM patient WHERE patient.id = dosing_session.patient_id)")
    with op.batch_alter_table("dosing_session", schema=None) as batch_op:
        batch_op.alter_column("clinic_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key("fk_dosing_session_clinic_id_patient", "patient",
                                    ["clinic_id", "patient_id"], ["clinic_id", "id"])
        batch_op.create_index("ix_dosing_session_clinic_scheduled", ["clinic_id", "scheduled_at"])


def downgrade():
    with op.batch_alter_table("dosing_session", schema=None) as batch_op:
        batch_op.drop_index("ix_dosing_session_clinic_scheduled")
        batch_op.drop_constraint("fk_dosing_session_clinic_id_patient", type_="foreignkey")
        batch_op.drop_column("clinic_id")
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.drop_constraint("uq_patient_clinic_id_id", type_="unique")
