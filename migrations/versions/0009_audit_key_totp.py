"""audit chain keyed with HMAC and numbered; TRUNCATE refused; two-factor sign-in (TOTP)

The audit chain was SHA-256 without a key: whoever could write to the database could edit a
row and recompute every hash after it. Each event now carries `seq` (1, 2, 3, ... under the
head's lock: a gap is a deleted event) and an HMAC-SHA256 under the audit key, which is kept
outside the database (tracker.core.audit.keys). The existing chain is verified as it was
(SHA-256) and then re-signed with the key; a broken chain stops the upgrade, because
re-signing it would launder the tampering. On PostgreSQL TRUNCATE of audit_event is refused
by a trigger as UPDATE and DELETE already were.

Two-factor sign-in: the account's TOTP secret, when it was confirmed, the last time step used
(a code is accepted once), and single-use recovery codes stored as hashes. Clinics that exist
already keep their leads signing in as today (require_2fa_leads = 0); a new clinic requires
two-factor sign-in of its leads by default.

Revision ID: 0009_audit_key_totp
Revises: 0007_outbox
Create Date: 2026-12-03 21:40:00
"""
import hashlib
import json

import sqlalchemy as sa
from alembic import op

import tracker.db

revision = '0009_audit_key_totp'
down_revision = '0007_outbox'
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64
OLD_FIELDS = ("occurred_at", "clinic_id", "user_id", "role", "action", "record_type",
              "record_id", "patient_id", "ip_address", "outcome")
EVENT_COLUMNS = ("id", "prev_hash", "hash", *OLD_FIELDS)


def _old_hash(prev_hash, fields):
    canonical = json.dumps({k: (fields[k].isoformat() if k == "occurred_at" else fields[k])
                            for k in OLD_FIELDS}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _resign_chain(bind):
    """Verify the SHA-256 chain, then number and re-sign every event with the audit key."""
    from tracker.core.audit.service import event_hash

    event = sa.table("audit_event", sa.column("seq", sa.BigInteger),
                     *(sa.column(c) for c in EVENT_COLUMNS if c != "occurred_at"),
                     sa.column("occurred_at", tracker.db.UTCDateTime()))
    rows = bind.execute(sa.select(*(event.c[c] for c in EVENT_COLUMNS)).order_by(event.c.id)).all()
    prev, new_prev = GENESIS_HASH, GENESIS_HASH
    updates = []
    for seq, row in enumerate(rows, start=1):
        fields = {k: getattr(row, k) for k in OLD_FIELDS}
        if row.prev_hash != prev or _old_hash(prev, fields) != row.hash:
            raise RuntimeError(f"The audit chain is broken at event {row.id}: it is not re-signed. "
                               "Investigate (flask audit verify on the previous version) first.")
        prev = row.hash
        digest = event_hash(new_prev, {**fields, "seq": seq})
        updates.append({"i": row.id, "s": seq, "p": new_prev, "h": digest})
        new_prev = digest
    # Two passes: the new hashes must not collide with old ones still in the unique column.
    for u in updates:
        bind.execute(sa.text("UPDATE audit_event SET seq = :s, hash = :t WHERE id = :i"),
                     {**u, "t": f"pending-{u['i']}"})
    for u in updates:
        bind.execute(sa.text("UPDATE audit_event SET prev_hash = :p, hash = :h WHERE id = :i"), u)
    bind.execute(sa.text("UPDATE audit_chain_head SET last_hash = :h, last_seq = :s, "
                         "last_event_id = :i WHERE id = 1"),
                 {"h": new_prev, "s": len(updates), "i": updates[-1]["i"] if updates else None})


def upgrade():
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    with op.batch_alter_table('audit_chain_head', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seq', sa.BigInteger(), server_default='0', nullable=False))
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.BigInteger(), nullable=True))
    if postgresql:
        op.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
    _resign_chain(bind)
    if postgresql:
        op.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.alter_column('seq', existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_event_seq'), ['seq'])
    if postgresql:
        op.execute("CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change()")

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_confirmed_at', tracker.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
    op.create_table('recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', tracker.db.UTCDateTime(), nullable=False),
    sa.Column('used_at', tracker.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_recovery_code_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code')),
    sa.UniqueConstraint('user_id', 'code_hash', name=op.f('uq_recovery_code_user_id_code_hash'))
    )
    # Clinics of today keep signing in as they do; new clinics get the default (required).
    clinic = sa.table("clinic", sa.column("id", sa.Integer), sa.column("settings", sa.JSON))
    for clinic_id, settings in bind.execute(sa.select(clinic.c.id, clinic.c.settings)).all():
        bind.execute(clinic.update().where(clinic.c.id == clinic_id)
                     .values(settings={"require_2fa_leads": 0, **(settings or {})}))


def downgrade():
    op.drop_table('recovery_code')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_confirmed_at')
        batch_op.drop_column('totp_secret')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
    # The keyed hashes stay: the SHA-256 chain cannot be rebuilt without rewriting history.
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_event_seq'), type_='unique')
        batch_op.drop_column('seq')
    with op.batch_alter_table('audit_chain_head', schema=None) as batch_op:
        batch_op.drop_column('last_seq')
