"""The demo and benchmark seeders exist only outside production: a production database must
never receive demo patients or a synthetic clinic network, whatever is typed."""
import pytest

from config import DevelopmentConfig, ProductionConfig, TestingConfig
from tracker import create_app
from tracker.extensions import db

SEEDERS = {"seed-demo", "bench-seed"}


def _commands(config) -> set[str]:
    class Config(config):
        SECRET_KEY = "c" * 40
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        AUDIT_KEY = "5e0c2b9d7a1f4e6c8b3a5d7f9e1c3b5a"

        @classmethod
        def validate(cls):
            return None

    app = create_app(Config)
    with app.app_context():
        db.engine.dispose()
    return set(app.cli.commands)


def test_production_has_no_seeders():
    commands = _commands(ProductionConfig)
    assert not commands & SEEDERS
    assert {"create-user", "audit"} <= commands


@pytest.mark.parametrize("config", [DevelopmentConfig, TestingConfig])
def test_development_and_testing_have_both_seeders(config):
    commands = _commands(config)
    assert commands >= SEEDERS | {"create-user", "audit"}
