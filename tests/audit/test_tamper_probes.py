"""Finding F2 of issue 11, kept in the suite: a database user rewriting the audit trail.

The four probes of the security review: edit a row and recompute the chain and head; delete a
row and recompute; cut the newest 50 rows and move the head back; empty the table. Each used to
verify as "intact"; with the keyed chain (the key is not in the database) and a signed
checkpoint kept outside it, each is now detected. The attacker here knows the old, unkeyed
scheme and everything stored in the database, but not the audit key.
"""
from __future__ import annotations

import hashlib
import json
import os

import pytest
import sqlalchemy as sa

from tests import factories as make
from tracker.core.audit.checkpoints import (
    CheckpointError,
    append_checkpoint,
    last_checkpoint,
    take_checkpoint,
)
from tracker.core.audit.models import GENESIS_HASH, AuditEvent
from tracker.core.audit.service import HASHED_FIELDS, canonical, record_event, verify_chain
from tracker.extensions import db

GUESSED_KEY = b"not-the-audit-key"


@pytest.fixture
def checkpoints(app, tmp_path):
    path = tmp_path / "checkpoints.jsonl"
    app.config["AUDIT_CHECKPOINT_FILE"] = str(path)
    yield path
    app.config.pop("AUDIT_CHECKPOINT_FILE")


@pytest.fixture
def trail(clinic, checkpoints):
    user = make.user(clinic, "clinician")
    for n in range(1, 81):
        record_event("read", "patient", n, user=user)
    db.session.commit()
    append_checkpoint(take_checkpoint())
    return checkpoints


def _rows():
    cols = [getattr(AuditEvent, name) for name in ("id", "prev_hash", "hash", *HASHED_FIELDS)]
    return db.session.execute(sa.select(*cols).order_by(AuditEvent.seq)).mappings().all()


def _rechain(rows, *, keyed: bool):
    """What an attacker with write access does: renumber, relink and rehash every row, with
    the old unkeyed SHA-256 or with a guessed key, and move the head to match."""
    from tracker.core.audit.service import event_hash

    def sha(prev, fields):
        return hashlib.sha256((prev + canonical(fields)).encode()).hexdigest()

    with _triggers_off():
        prev = GENESIS_HASH
        for seq, row in enumerate(rows, start=1):
            fields = {**dict(row), "seq": seq}
            digest = event_hash(prev, fields, GUESSED_KEY) if keyed else sha(prev, fields)
            db.session.execute(sa.text("UPDATE audit_event SET seq = :s, prev_hash = :p, hash = :h "
                                       "WHERE id = :i"),
                               {"s": -row["id"], "p": prev, "h": f"tmp{row['id']}", "i": row["id"]})
            db.session.execute(sa.text("UPDATE audit_event SET seq = :s, prev_hash = :p, hash = :h "
                                       "WHERE id = :i"),
                               {"s": seq, "p": prev, "h": digest, "i": row["id"]})
            prev = digest
        db.session.execute(sa.text("UPDATE audit_chain_head SET last_hash = :h, last_seq = :s, "
                                   "last_event_id = :i WHERE id = 1"),
                           {"h": prev, "s": len(rows), "i": rows[-1]["id"] if rows else None})
    db.session.commit()


class _triggers_off:
    """PostgreSQL: the owner switches the append-only triggers off, as the review's attacker
    (then the table's owner) could; the app's own role cannot (test_app_role)."""

    def __enter__(self):
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ALTER TABLE audit_event DISABLE TRIGGER USER"))

    def __exit__(self, *exc):
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ALTER TABLE audit_event ENABLE TRIGGER USER"))


def _sql(statement, **params):
    with _triggers_off():
        db.session.execute(sa.text(statement), params)
    db.session.commit()


def _verify(runner):
    result = runner.invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def test_the_untouched_trail_matches_its_checkpoint(runner, trail):
    code, output = _verify(runner)
    assert code == 0 and "80 events verified" in output and "Matches the checkpoint" in output


@pytest.mark.parametrize("keyed", [False, True], ids=["sha256", "guessed-key"])
def test_probe_1_an_edit_with_the_chain_recomputed_is_found(runner, trail, keyed):
    _sql("UPDATE audit_event SET action = 'create' WHERE seq = 30")
    _rechain(_rows(), keyed=keyed)
    report = verify_chain(checkpoint=last_checkpoint())
    assert not report.ok and report.reason == "this event was changed"
    assert _verify(runner)[0] == 1


@pytest.mark.parametrize("keyed", [False, True], ids=["sha256", "guessed-key"])
def test_probe_2_a_deletion_with_the_chain_recomputed_is_found(runner, trail, keyed):
    _sql("DELETE FROM audit_event WHERE seq = 30")
    _rechain(_rows(), keyed=keyed)
    assert not verify_chain(checkpoint=last_checkpoint()).ok
    assert _verify(runner)[0] == 1


def test_a_deletion_leaves_a_gap_in_the_sequence(trail):
    _sql("DELETE FROM audit_event WHERE seq = 30")
    report = verify_chain()
    assert not report.ok and report.reason == "an event before this one was changed or removed"
    assert report.verified_up_to is not None and report.checked == 29


def test_probe_3_the_newest_50_cut_and_the_head_moved_back_is_found(runner, trail):
    rows = _rows()
    keep = rows[:-50]
    _sql("DELETE FROM audit_event WHERE seq > 30")
    _sql("UPDATE audit_chain_head SET last_hash = :h, last_seq = 30, last_event_id = :i WHERE id = 1",
         h=keep[-1]["hash"], i=keep[-1]["id"])
    assert verify_chain().ok  # consistent in itself: only the checkpoint can tell
    report = verify_chain(checkpoint=last_checkpoint())
    assert not report.ok and "were removed" in report.reason and "80 events" in report.reason
    code, output = _verify(runner)
    assert code == 1 and "BROKEN" in output


def test_probe_4_an_emptied_table_is_found(runner, trail):
    _sql("DELETE FROM audit_event")
    _sql("UPDATE audit_chain_head SET last_hash = :h, last_seq = 0, last_event_id = NULL WHERE id = 1",
         h=GENESIS_HASH)
    assert verify_chain().ok
    report = verify_chain(checkpoint=last_checkpoint())
    assert not report.ok and "empty" in report.reason
    assert _verify(runner)[0] == 1


def test_reordered_events_are_found(trail):
    a, b = _rows()[40], _rows()[41]
    _sql("UPDATE audit_event SET seq = -1 WHERE id = :i", i=a["id"])
    _sql("UPDATE audit_event SET seq = :s WHERE id = :i", s=a["seq"], i=b["id"])
    _sql("UPDATE audit_event SET seq = :s WHERE id = :i", s=b["seq"], i=a["id"])
    report = verify_chain()
    assert not report.ok and report.broken_at == b["id"]


def test_events_after_the_checkpoint_are_fine_and_rewriting_before_it_is_not(trail, clinic):
    record_event("read", "patient", 999, user=make.user(clinic, "lead"))
    db.session.commit()
    assert verify_chain(checkpoint=last_checkpoint()).ok
    _sql("DELETE FROM audit_event")
    _rechain([], keyed=True)
    assert not verify_chain(checkpoint=last_checkpoint()).ok


def test_a_forged_checkpoint_line_is_refused(runner, trail):
    forged = json.loads(trail.read_text().splitlines()[-1])
    forged.update(seq=30, count=30)
    with trail.open("a") as handle:
        handle.write(json.dumps(forged) + "\n")
    with pytest.raises(CheckpointError):
        last_checkpoint()
    code, output = _verify(runner)
    assert code == 1 and "TAMPERED" in output


def test_the_checkpoint_command_appends_a_signed_line(runner, checkpoints, clinic):
    record_event("read", "patient", 1, user=make.user(clinic, "lead"))
    db.session.commit()
    for _ in range(2):
        result = runner.invoke(args=["audit", "checkpoint"])
        assert result.exit_code == 0 and "Checkpoint of 1 events" in result.output
    lines = checkpoints.read_text().splitlines()
    assert len(lines) == 2 and {"seq", "count", "head", "at", "mac"} <= set(json.loads(lines[-1]))
    assert last_checkpoint().seq == 1


def test_without_a_checkpoint_verify_says_what_it_cannot_see(runner, checkpoints, clinic):
    record_event("read", "patient", 1, user=make.user(clinic, "lead"))
    db.session.commit()
    code, output = _verify(runner)
    assert code == 0 and "No checkpoint" in output


def test_the_audit_key_lives_outside_the_database(app):
    key = app.extensions["audit_key"]
    assert len(key) >= 32
    dumped = "\n".join(str(r) for r in db.session.execute(sa.text("SELECT * FROM audit_chain_head")))
    assert key.decode() not in dumped
    if not os.environ.get("AUDIT_KEY"):
        assert (app.instance_path and os.path.exists(os.path.join(app.instance_path, "audit.key")))


def test_another_databases_checkpoints_in_the_same_file_are_ignored(runner, trail):
    from tracker.core.audit.checkpoints import Checkpoint

    append_checkpoint(Checkpoint(seq=9999, count=9999, head="f" * 64, at="2026-12-01T00:00:00+00:00",
                                 database="another-db"))
    assert last_checkpoint().seq == 80
    assert _verify(runner)[0] == 0


def test_the_leads_audit_page_compares_with_the_last_checkpoint(login_as, lead, trail):
    from tests.conftest import page_text

    client = login_as(lead)
    assert "Matches the signed checkpoint" in page_text(client.get("/lead/audit"))
    _sql("DELETE FROM audit_event WHERE seq > 30")
    rows = _rows()
    _sql("UPDATE audit_chain_head SET last_hash = :h, last_seq = 30, last_event_id = :i WHERE id = 1",
         h=rows[-1]["hash"], i=rows[-1]["id"])
    text = page_text(client.get("/lead/audit"))
    assert "does not match its signed checkpoint" in text and "were removed" in text


def test_the_audit_page_without_a_checkpoint_says_so(login_as, lead, checkpoints):
    from tests.conftest import page_text

    assert "No signed checkpoint yet" in page_text(login_as(lead).get("/lead/audit"))
