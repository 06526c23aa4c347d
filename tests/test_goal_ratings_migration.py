"""Migration 0014_goal_ratings keeps every progress note written before it, and on downgrade
keeps a rating as words in the note; the goals' carries are dropped and come back empty."""
import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests import factories as make
from tests.test_migrations import empty_database_url  # noqa: F401 (a fixture)
from tracker import create_app
from tracker.extensions import db

REVISION, PREVIOUS = "0014_goal_ratings", "0006_rems_form"


@pytest.mark.db
def test_notes_survive_down_and_up_and_ratings_become_words(empty_database_url):  # noqa: F811
    from config import TestingConfig
    from tracker.integration.models import GoalProgress
    from tracker.intention.models import Goal

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = empty_database_url

    app = create_app(Config)
    with app.app_context():
        upgrade()  # to the head: the factories write today's models
        clinic = make.clinic()
        clinician = make.user(clinic, "clinician", email="c@test.example")
        patient = make.patient(clinic, clinicians=[clinician])
        course = make.course(patient)
        first = make.dosing_session(course, clinician=clinician, ended=True)
        intention = make.intention(first, clinician, goals=("Walk", "Call", "Cook"))
        walk, call, cook = db.session.scalars(sa.select(Goal).where(
            Goal.intention_id == intention.id).order_by(Goal.position)).all()
        debrief = make.debrief(first, clinician)
        db.session.add_all([
            GoalProgress(debrief_id=debrief.id, goal_id=walk.id, note="Walked twice."),
            GoalProgress(debrief_id=debrief.id, goal_id=call.id, rating=3),
            GoalProgress(debrief_id=debrief.id, goal_id=cook.id, rating=5, note="Cooked.")])
        db.session.commit()
        progress = sa.table("goal_progress", sa.column("goal_id"), sa.column("note"))

        def notes():
            with db.engine.connect() as conn:
                return dict(conn.execute(sa.select(progress.c.goal_id, progress.c.note)).all())

        db.session.remove()
        downgrade(revision=PREVIOUS)  # through the later migrations, then this one
        assert notes() == {walk.id: "Walked twice.", call.id: "Rated: Some progress",
                           cook.id: "Cooked."}
        assert "carried_from_id" not in {c["name"] for c in sa.inspect(db.engine).get_columns("goal")}
        upgrade(revision=REVISION)
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT goal_id, rating, note FROM goal_progress")).all()
        assert {r.goal_id: (r.rating, r.note) for r in rows} == {
            walk.id: (None, "Walked twice."), call.id: (None, "Rated: Some progress"),
            cook.id: (None, "Cooked.")}
        db.session.remove()
        db.engine.dispose()
