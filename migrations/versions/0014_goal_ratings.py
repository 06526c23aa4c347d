"""goal progress rated on a five-step scale, and goals carried forward between sessions

goal_progress.rating (1-5, GOAL_RATINGS in tracker/integration/models.py) joins the free-text
note, which becomes optional: a goal may be rated without a note, never left empty (CHECK).
Rows written before keep their note and have no rating; nothing is invented for them.

goal.carried_from_id links a goal to the same goal at the patient's earlier session (a new
intention carries the previous one's goals forward), so a goal's ratings can be followed
across sessions. Unique: one later goal per earlier goal.

Downgrade: a rating-only row gets its rating's words as its note (the column is NOT NULL
again), so no progress recorded is lost; the links between goals are dropped.

Revision ID: 0014_goal_ratings
Revises: 0006_rems_form
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_goal_ratings"
down_revision = "0006_rems_form"
branch_labels = None
depends_on = None

# As in tracker/integration/models.py at this revision (a migration keeps its own copy).
RATING_WORDS = {1: "Not started", 2: "A little progress", 3: "Some progress",
                4: "Much progress", 5: "Achieved"}


def upgrade():
    with op.batch_alter_table("goal_progress") as batch:
        batch.add_column(sa.Column("rating", sa.SmallInteger(), nullable=True))
        batch.alter_column("note", existing_type=sa.Text(), nullable=True)
        batch.create_check_constraint(
            op.f("ck_goal_progress_rating_range"), "rating IS NULL OR rating BETWEEN 1 AND 5")
        batch.create_check_constraint(
            op.f("ck_goal_progress_rating_or_note"), "rating IS NOT NULL OR note IS NOT NULL")

    with op.batch_alter_table("goal") as batch:
        batch.add_column(sa.Column("carried_from_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_goal_carried_from_id_goal"), "goal",
                                 ["carried_from_id"], ["id"])
        batch.create_unique_constraint(op.f("uq_goal_carried_from_id"), ["carried_from_id"])


def downgrade():
    with op.batch_alter_table("goal") as batch:
        batch.drop_constraint(op.f("uq_goal_carried_from_id"), type_="unique")
        batch.drop_constraint(op.f("fk_goal_carried_from_id_goal"), type_="foreignkey")
        batch.drop_column("carried_from_id")

    words = sa.case(*((sa.column("rating") == n, sa.literal(w)) for n, w in RATING_WORDS.items()))
    progress = sa.table("goal_progress", sa.column("rating"), sa.column("note"))
    op.execute(progress.update().where(progress.c.note.is_(None))
               .values(note="Rated: " + words))
    with op.batch_alter_table("goal_progress") as batch:
        batch.drop_constraint(op.f("ck_goal_progress_rating_or_note"), type_="check")
        batch.drop_constraint(op.f("ck_goal_progress_rating_range"), type_="check")
        batch.drop_column("rating")
        batch.alter_column("note", existing_type=sa.Text(), nullable=False)
