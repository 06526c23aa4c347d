"""hold each child row's copy of patient_id equal to its parent's

Access checks and lists filter child rows (notes, vitals, debriefs, tasks, ...) by their own
patient_id. Until now nothing but the services kept that copy equal to the parent's. Each plain
key child.parent_id -> parent.id becomes the composite key (parent_id, patient_id) ->
parent (id, patient_id), as questionnaire answers already do with their instrument; the
parent gains a unique (id, patient_id) as the key's target. The composite key keeps the
plain key's conventional name, since its first column is the same.

Rows whose copy already differs stop the upgrade before anything changes, counted per table:
which patient such a row belongs to is a clinical question, not one a migration may guess.
(SQLite rebuilds each table; env.py switches its foreign keys off meanwhile and checks them all
afterwards.)

Revision ID: 0003_same_patient_keys
Revises: 0002_continuity_indexes
Create Date: 2026-12-03 18:27:57.068865

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0003_same_patient_keys'
down_revision = '0002_continuity_indexes'
branch_labels = None
depends_on = None

# Parents first: a key needs its target before it can be made.
PARENTS = ("treatment_course", "dosing_session", "debrief", "integration_task",
           "questionnaire_response")

# (child table, its column naming the parent, parent table)
CHILDREN = (
    ("dosing_session", "course_id", "treatment_course"),
    ("status_change", "course_id", "treatment_course"),
    ("intention", "session_id", "dosing_session"),
    ("session_note", "session_id", "dosing_session"),
    ("vital_sign", "session_id", "dosing_session"),
    ("sedation_rating", "session_id", "dosing_session"),
    ("adverse_event", "session_id", "dosing_session"),
    ("debrief", "session_id", "dosing_session"),
    ("integration_task", "debrief_id", "debrief"),
    ("task_completion", "task_id", "integration_task"),
    ("reflection", "task_id", "integration_task"),
    ("reflection", "session_id", "dosing_session"),
    ("follow_up", "session_id", "dosing_session"),
    ("questionnaire_response", "session_id", "dosing_session"),
    ("questionnaire_assignment", "response_id", "questionnaire_response"),
    ("safety_flag", "session_id", "dosing_session"),
)


def _fk_name(child, column, parent):
    return f"fk_{child}_{column}_{parent}"


def _by_table(rows):
    tables = {}
    for child, column, parent in rows:
        tables.setdefault(child, []).append((column, parent))
    return tables


def _disagreeing_rows():
    """'table.column: N rows' for each key the existing rows would break."""
    found = []
    for child, column, parent in CHILDREN:
        count = op.get_bind().scalar(sa.text(
            f"SELECT count(*) FROM {child} JOIN {parent} ON {parent}.id = {child}.{column} "
            f"WHERE {parent}.patient_id <> {child}.patient_id"))
        if count:
            found.append(f"{child}.{column}: {count} rows")
    return found


def upgrade():
    if disagreeing := _disagreeing_rows():
        raise RuntimeError("rows whose patient_id differs from their parent's; correct them "
                           "first: " + "; ".join(disagreeing))

    for parent in PARENTS:
        with op.batch_alter_table(parent, schema=None) as batch_op:
            batch_op.create_unique_constraint(f"uq_{parent}_id_patient_id", ["id", "patient_id"])

    for child, keys in _by_table(CHILDREN).items():
        with op.batch_alter_table(child, schema=None) as batch_op:
            for column, parent in keys:
                batch_op.drop_constraint(_fk_name(child, column, parent), type_="foreignkey")
                batch_op.create_foreign_key(_fk_name(child, column, parent), parent,
                                            [column, "patient_id"], ["id", "patient_id"])


def downgrade():
    # Children first: a parent's unique key cannot go while a key still points at it.
    for child, keys in reversed(_by_table(CHILDREN).items()):
        with op.batch_alter_table(child, schema=None) as batch_op:
            for column, parent in keys:
                batch_op.drop_constraint(_fk_name(child, column, parent), type_="foreignkey")
                batch_op.create_foreign_key(_fk_name(child, column, parent), parent,
                                            [column], ["id"])

    for parent in reversed(PARENTS):
        with op.batch_alter_table(parent, schema=None) as batch_op:
            batch_op.drop_constraint(f"uq_{parent}_id_patient_id", type_="unique")
