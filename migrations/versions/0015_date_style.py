"""the clinic's date order and clock: how pages write dates and times and forms read them

Revision ID: 0015_date_style
Revises: 0006_rems_form

Existing clinics keep what every page showed until now: day-month order ("Mon 30 Nov 2026")
and the 24-hour clock.
"""
import sqlalchemy as sa
from alembic import op

revision = "0015_date_style"
down_revision = "0014_goal_ratings"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("clinic") as batch:
        batch.add_column(sa.Column(
            "date_order",
            sa.Enum("dmy", "mdy", "iso", name="date_order", native_enum=False, create_constraint=True),
            server_default="dmy", nullable=False))
        batch.add_column(sa.Column(
            "clock", sa.Enum("24h", "12h", name="clock", native_enum=False, create_constraint=True),
            server_default="24h", nullable=False))


def downgrade():
    with op.batch_alter_table("clinic") as batch:
        # the CHECKs first: SQLite's table copy would keep them, naming columns that are gone
        batch.drop_constraint(op.f("ck_clinic_clock"), type_="check")
        batch.drop_constraint(op.f("ck_clinic_date_order"), type_="check")
        batch.drop_column("clock")
        batch.drop_column("date_order")
