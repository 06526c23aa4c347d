"""dose checks: the date a weight was measured, the dose check and its confirmation

A ketamine dose is checked in mg/kg against a weight measured within the clinic's number of
days, so the patient's weight and the weight used at a session gain the date it was measured
(`weighed_on`; existing rows have none, so their next ketamine dose asks for a weight date).
A dose outside the usual range is saved only with a confirmation: the session keeps the
outcome of the check, the reason, who confirmed and when (all or none of the three).

Revision ID: 0004_dose_checks
Revises: 0003_same_patient_keys
Create Date: 2026-12-03 21:37:34.069993

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_dose_checks'
down_revision = '0003_same_patient_keys'
branch_labels = None
depends_on = None

CHECKS = (
    ("dose_check", "dose_check IN ('usual', 'outside_usual')"),
    ("dose_confirmation_whole",
     "(dose_confirmed_at IS NULL) = (dose_confirmed_by_id IS NULL) AND "
     "(dose_confirmed_at IS NULL) = (dose_confirmation_reason IS NULL)"),
    ("outside_usual_confirmed",
     "dose_check IS NULL OR dose_check <> 'outside_usual' OR dose_confirmed_at IS NOT NULL"),
)


def upgrade():
    with op.batch_alter_table('dosing_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weighed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('dose_check', sa.String(length=13), nullable=True))
        batch_op.add_column(sa.Column('dose_confirmation_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('dose_confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('dose_confirmed_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_dosing_session_dose_confirmed_by_id_user_account'), 'user_account', ['dose_confirmed_by_id'], ['id'])
        for name, condition in CHECKS:
            batch_op.create_check_constraint(batch_op.f(f'ck_dosing_session_{name}'), condition)

    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weighed_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.drop_column('weighed_on')

    with op.batch_alter_table('dosing_session', schema=None) as batch_op:
        for name, _ in reversed(CHECKS):
            batch_op.drop_constraint(batch_op.f(f'ck_dosing_session_{name}'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_dosing_session_dose_confirmed_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('dose_confirmed_at')
        batch_op.drop_column('dose_confirmed_by_id')
        batch_op.drop_column('dose_confirmation_reason')
        batch_op.drop_column('dose_check')
        batch_op.drop_column('weighed_on')
