"""Every kind of audit event has its words for the lead and for the patient: each action and
record type the code writes, found in the source and in the demo clinic's own trail."""
from __future__ import annotations

import ast
from pathlib import Path

import sqlalchemy as sa

from tracker.core.audit.models import AuditEvent
from tracker.core.audit.vocabulary import ACTIONS, RECORD_TYPES, patient_words, record_type_label
from tracker.demo.seed import seed_demo_clinic
from tracker.extensions import db

TRACKER = Path(__file__).resolve().parents[2] / "tracker"
WRITERS = {"record_event", "Attempt"}


def literal_codes() -> set[tuple[str, str | None]]:
    """(action, record type) of every record_event(...) / Attempt(...) call and audit=(...)
    pair written with string literals; a record type given as a variable is None."""
    found = set()
    for path in TRACKER.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.keyword) and node.arg == "audit"
                    and isinstance(node.value, ast.Tuple)
                    and all(isinstance(e, ast.Constant) for e in node.value.elts)):
                found.add(tuple(e.value for e in node.value.elts[:2]))  # audit=("start", ...)
                continue
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) in WRITERS
                    and node.args and isinstance(node.args[0], ast.Constant)):
                continue
            action = node.args[0].value
            second = node.args[1] if len(node.args) > 1 else None
            found.add((action, second.value if isinstance(second, ast.Constant) else None))
    return found


def test_every_literal_action_and_record_type_in_the_code_has_words():
    codes = literal_codes()
    assert len(codes) > 40  # the scan finds the calls
    assert sorted(a for a, _ in codes if a not in ACTIONS) == []
    assert sorted(t for _, t in codes if t is not None and t not in RECORD_TYPES) == []


def test_every_event_of_the_demo_clinic_has_words(app):
    seed_demo_clinic()
    db.session.commit()
    kinds = db.session.execute(sa.select(AuditEvent.action, AuditEvent.record_type).distinct()).all()
    assert len(kinds) > 20
    assert sorted({a for a, _ in kinds} - set(ACTIONS)) == []
    # a refusal (403/404) is recorded under the refused page's endpoint: those read "Page ..."
    assert sorted({t for _, t in kinds if "." not in t} - set(RECORD_TYPES)) == []


def test_words_read_as_sentences_and_unknown_codes_still_read():
    assert patient_words("read", "patient") == "Looked at your record"
    assert patient_words("frobnicate_widget", "strange_thing") == "Frobnicate widget strange thing"
    assert record_type_label("continuity:debrief_signed") == "Continuity list (debrief signed)"
