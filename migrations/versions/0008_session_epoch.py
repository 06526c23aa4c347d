"""sessions that end, sign-in without lockout: drop user_account.locked_until

Issue 11. Sign-out now moves the per-user session epoch (user_account.session_epoch, which a
password change already moved), so no new column is needed for it. The lockout it replaces
(5 wrong passwords locked any account for 15 minutes, whoever typed them) gives way to
throttling per email and address, kept in the rate limiter's store: locked_until has no use
left. failed_logins stays, now counting failed sign-ins since the owner's last sign-in, for the
notice the owner is shown.

Revision ID: 0008_session_epoch
Revises: 0005_vitals_discharge
Create Date: 2026-12-03 21:50:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008_session_epoch'
down_revision = '0005_vitals_discharge'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('locked_until')


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))
