"""Migration 0005_vitals_discharge renames the stored vital-sign settings, each keeping its
meaning, and renames them back on downgrade."""
import importlib.util
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.test_migrations import empty_database_url  # noqa: F401 (a fixture)
from tracker import create_app
from tracker.core.clinic import DEFAULT_SETTINGS
from tracker.dosing.vitals import order_problems
from tracker.extensions import db

REVISION = "0005_vitals_discharge"
PATH = Path(__file__).resolve().parent.parent / "migrations" / "versions" / f"{REVISION}.py"


def _migration():
    spec = importlib.util.spec_from_file_location("migration_0005", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


OLD = {"systolic_flag": 150, "systolic_alert": 170, "diastolic_alert": 115, "spo2_below": 95,
       "heart_rate_above": 120, "debrief_within_hours": 48}


def test_each_old_setting_keeps_its_meaning_under_its_new_name():
    new = _migration().renamed_settings(OLD)
    assert new == {"systolic_high_flag": 150, "systolic_high_alert": 170,
                   "diastolic_high_alert": 115, "spo2_low_alert": 95,
                   "spo2_low_flag": 95,           # moved with its alert: 95 > the default 94
                   "heart_rate_high_alert": 121,  # "above 120" is "at or above 121"
                   "debrief_within_hours": 48}
    assert set(new) <= set(DEFAULT_SETTINGS)
    assert order_problems({**DEFAULT_SETTINGS, **new}) == {}
    assert _migration().original_settings(new) == OLD


def test_a_low_heart_rate_alert_setting_pulls_its_flag_down():
    new = _migration().renamed_settings({"heart_rate_above": 90})
    assert new == {"heart_rate_high_alert": 91, "heart_rate_high_flag": 91}


@pytest.mark.db
def test_the_stored_settings_are_renamed_and_back(empty_database_url):  # noqa: F811
    from config import TestingConfig

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = empty_database_url

    clinic = sa.table("clinic", sa.column("id", sa.Integer), sa.column("name", sa.String),
                      sa.column("timezone", sa.String), sa.column("crisis_text", sa.Text),
                      sa.column("settings", sa.JSON), sa.column("version", sa.Integer),
                      sa.column("created_at", sa.DateTime), sa.column("updated_at", sa.DateTime))
    app = create_app(Config)
    with app.app_context():
        upgrade(revision=_migration().down_revision)
        from datetime import datetime
        now = datetime(2026, 1, 1)
        with db.engine.begin() as conn:
            conn.execute(clinic.insert().values(
                id=1, name="Old", timezone="UTC", crisis_text="x", settings=OLD, version=1,
                created_at=now, updated_at=now))
            conn.execute(clinic.insert().values(
                id=2, name="Defaults", timezone="UTC", crisis_text="x", settings={}, version=1,
                created_at=now, updated_at=now))

        def stored():
            with db.engine.connect() as conn:
                return dict(conn.execute(sa.select(clinic.c.id, clinic.c.settings)).all())

        upgrade(revision=REVISION)
        after = stored()
        assert after[1]["heart_rate_high_alert"] == 121 and "heart_rate_above" not in after[1]
        assert after[2] == {}
        downgrade(revision="-1")
        assert stored() == {1: OLD, 2: {}}
        db.session.remove()
        db.engine.dispose()
