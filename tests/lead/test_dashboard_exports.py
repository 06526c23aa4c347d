"""stream_csv: the body is produced while it is sent, never held whole; the export is audited."""
from __future__ import annotations

import sqlalchemy as sa

from tracker.core.audit.models import AuditEvent
from tracker.extensions import db
from tracker.lead import exports
from tracker.lead.exports import safe_cell, stream_csv


def test_rows_are_read_only_as_the_body_is_sent(app, lead, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK_BYTES", 64)
    consumed = []

    def rows():
        for i in range(50):
            consumed.append(i)
            yield (i, f"row {i}")

    with app.test_request_context("/lead/export"):
        response = stream_csv("x.csv", ["n", "text"], rows(), record_type="test_export")
        assert response.is_streamed and consumed == []
        body = response.iter_encoded()
        first = next(body)
        assert first.startswith(b"n,text\r\n") and len(consumed) < 50
        rest = b"".join(body)
    assert consumed == list(range(50))
    assert (first + rest).count(b"\r\n") == 51
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "export", AuditEvent.record_type == "test_export")) == 1


def test_filename_is_made_safe(app):
    with app.test_request_context("/"):
        response = stream_csv('a b"; evil.csv', ["x"], iter(()))
    assert response.headers["Content-Disposition"] == 'attachment; filename="a-b-evil.csv"'


def test_cells_that_would_run_as_formulas_are_neutralised():
    assert [safe_cell(v) for v in ("=1+1", "+1", "-1", "@x", "ok", None, 5, -3)] == [
        "'=1+1", "'+1", "'-1", "'@x", "ok", "", "5", "-3"]
