"""keep why a staff account was deactivated

Revision ID: 0010_deactivation_reason
Revises: 0008_session_epoch
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_deactivation_reason"
down_revision = "0008_session_epoch"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("deactivation_reason", sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("deactivation_reason")
