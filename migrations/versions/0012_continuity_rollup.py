"""the continuity dashboard's summary tables: items with their settled states, counts per
clinic-local day (and month) and clinician, and which clinics have them built (with which settings)

Derived data only: empty after this migration (the dashboard computes from the records until
`flask continuity-rollup` builds a clinic's tables).

Revision ID: 0012_continuity_rollup
Revises: 0006_rems_form
Create Date: 2026-12-04 03:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0012_continuity_rollup'
down_revision = '0013_network_indexes'
branch_labels = None
depends_on = None

RULES = ("intention_before_start", "checklist_before_dosing", "session_signed",
         "debrief_signed", "integration_plan", "follow_up_held", "phq9_before_session",
         "rems_submitted", "phq9_every", "tasks_not_overdue", "in_contact",
         "flags_acknowledged")
STATES = ("compliant", "late", "missing", "pending")


def upgrade():
    op.create_table('continuity_rollup',
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('settings_key', sa.Text(), nullable=False),
    sa.Column('built_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_continuity_rollup_clinic_id_clinic')),
    sa.PrimaryKeyConstraint('clinic_id', name=op.f('pk_continuity_rollup'))
    )
    op.create_table('continuity_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=1), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('clinician_id', sa.Integer(), nullable=False),
    sa.Column('states', sa.String(length=12), nullable=False),
    sa.Column('sign', sa.SmallInteger(), nullable=False),
    sa.Column('base_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_continuity_item_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_continuity_item_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_continuity_item'))
    )
    with op.batch_alter_table('continuity_item', schema=None) as batch_op:
        batch_op.create_index('ix_continuity_item_clinic_base', ['clinic_id', 'base_at'], unique=False)
        batch_op.create_index('ix_continuity_item_clinic_day', ['clinic_id', 'day'], unique=False)
        batch_op.create_index(batch_op.f('ix_continuity_item_patient_id'), ['patient_id'], unique=False)
    for table, period in (('continuity_day', 'day'), ('continuity_month', 'month')):
        op.create_table(table,
        sa.Column('clinic_id', sa.Integer(), nullable=False),
        sa.Column(period, sa.Date(), nullable=False),
        sa.Column('clinician_id', sa.Integer(), nullable=False),
        *(sa.Column(f'{rule}__{state}', sa.Integer(), server_default='0', nullable=False)
          for rule in RULES for state in STATES),
        sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f(f'fk_{table}_clinic_id_clinic')),
        sa.PrimaryKeyConstraint('clinic_id', period, 'clinician_id', name=op.f(f'pk_{table}'))
        )


def downgrade():
    op.drop_table('continuity_month')
    op.drop_table('continuity_day')
    with op.batch_alter_table('continuity_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_continuity_item_patient_id'))
        batch_op.drop_index('ix_continuity_item_clinic_day')
        batch_op.drop_index('ix_continuity_item_clinic_base')
    op.drop_table('continuity_item')
    op.drop_table('continuity_rollup')
