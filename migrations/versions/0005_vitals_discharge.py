"""vital-sign thresholds low and high, respiratory rate, discharge gates

- vital_sign.respiratory_rate (breaths/min, 2-60, optional like every other measure);
- discharge.vitals_override_reason and vitals_override_by_id: a clinician's reason to discharge
  with the last vitals at a flag level, and who gave it (both or neither);
- the clinic settings' vital-sign thresholds renamed to <measure>_<high|low>_<flag|alert>.
  Only values a clinic changed are stored (tracker/core/clinic.py); each keeps its meaning:
  heart_rate_above N alerted above N, heart_rate_high_alert alerts at or above, so it becomes
  N + 1. Where a kept value would sit on the wrong side of a new default (a clinic's SpO2 alert
  of 95 above the new SpO2 flag default of 94, say), the flag level moves with it, so no stored
  setting contradicts another. Downgrade renames back (the new thresholds are dropped).

Revision ID: 0005_vitals_discharge
Revises: 0004_dose_checks
Create Date: 2026-12-03 21:40:47.766676

"""
import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005_vitals_discharge'
down_revision = '0004_dose_checks'
branch_labels = None
depends_on = None

# old key -> (new key, what to add to the value so it keeps its meaning)
RENAMED = {
    "systolic_flag": ("systolic_high_flag", 0),
    "systolic_alert": ("systolic_high_alert", 0),
    "diastolic_flag": ("diastolic_high_flag", 0),
    "diastolic_alert": ("diastolic_high_alert", 0),
    "spo2_below": ("spo2_low_alert", 0),
    "heart_rate_above": ("heart_rate_high_alert", 1),
}
# the defaults of this revision, for keeping a moved alert and its flag in order
DEFAULT_FLAGS = {"systolic_high_flag": 160, "diastolic_high_flag": 100, "heart_rate_high_flag": 100,
                 "spo2_low_flag": 94}
ORDER = (  # (alert key, flag key, side)
    ("systolic_high_alert", "systolic_high_flag", "high"),
    ("diastolic_high_alert", "diastolic_high_flag", "high"),
    ("heart_rate_high_alert", "heart_rate_high_flag", "high"),
    ("spo2_low_alert", "spo2_low_flag", "low"),
)

clinic = sa.table("clinic", sa.column("id", sa.Integer), sa.column("settings", sa.JSON))


def renamed_settings(settings: dict) -> dict:
    """The stored settings under the new names (a pure function: tests/test_migrations.py)."""
    new = {}
    for key, value in settings.items():
        if key in RENAMED:
            name, shift = RENAMED[key]
            new[name] = int(value) + shift
        else:
            new[key] = value
    for alert, flag, side in ORDER:
        if alert not in new:
            continue
        current = new.get(flag, DEFAULT_FLAGS[flag])
        if side == "high" and new[alert] < current:
            new[flag] = new[alert]
        if side == "low" and new[alert] > current:
            new[flag] = new[alert]
    return new


def original_settings(settings: dict) -> dict:
    back = {new: (old, shift) for old, (new, shift) in RENAMED.items()}
    dropped = {"heart_rate_high_flag", "spo2_low_flag"} | {
        f"{m}_{side}_{level}" for m in ("systolic", "diastolic", "heart_rate", "respiratory_rate")
        for side, level in (("low", "flag"), ("low", "alert"))} | {
        "respiratory_rate_high_flag", "respiratory_rate_high_alert",
        "iv_vitals_interval_minutes", "ketamine_min_observation_minutes"}
    old = {}
    for key, value in settings.items():
        if key in back:
            name, shift = back[key]
            old[name] = int(value) - shift
        elif key not in dropped:
            old[key] = value
    return old


def _rewrite(change) -> None:
    bind = op.get_bind()
    for row in bind.execute(sa.select(clinic.c.id, clinic.c.settings)).all():
        settings = row.settings
        if isinstance(settings, str):
            settings = json.loads(settings)
        if not settings:
            continue
        new = change(settings)
        if new != settings:
            bind.execute(clinic.update().where(clinic.c.id == row.id).values(settings=new))


def upgrade():
    with op.batch_alter_table('discharge', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vitals_override_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('vitals_override_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_discharge_vitals_override_by_id_user_account'),
                                    'user_account', ['vitals_override_by_id'], ['id'])
        batch_op.create_check_constraint(
            'vitals_override_whole',
            sa.text('(vitals_override_reason IS NULL) = (vitals_override_by_id IS NULL)'))

    with op.batch_alter_table('vital_sign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('respiratory_rate', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            'respiratory_rate_range',
            sa.text('respiratory_rate IS NULL OR respiratory_rate BETWEEN 2 AND 60'))

    _rewrite(renamed_settings)


def downgrade():
    _rewrite(original_settings)

    with op.batch_alter_table('vital_sign', schema=None) as batch_op:
        batch_op.drop_constraint('respiratory_rate_range', type_='check')
        batch_op.drop_column('respiratory_rate')

    with op.batch_alter_table('discharge', schema=None) as batch_op:
        batch_op.drop_constraint('vitals_override_whole', type_='check')
        batch_op.drop_constraint(batch_op.f('fk_discharge_vitals_override_by_id_user_account'),
                                 type_='foreignkey')
        batch_op.drop_column('vitals_override_by_id')
        batch_op.drop_column('vitals_override_reason')
