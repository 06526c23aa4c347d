"""CSV exports for the lead's pages: streamed, and audited before the first byte leaves.

    return stream_csv("audit-2026-03.csv", ["When", "Who", ...], rows, record_type="audit_event")

`rows` is any iterable of sequences, ideally a generator over a `yield_per` query, so a large
export never sits whole in memory: rows are written to a small buffer and sent in chunks.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

from flask import Response, stream_with_context

from tracker.core.audit.service import record_event
from tracker.extensions import db

CHUNK_BYTES = 16 * 1024
# A cell a spreadsheet would read as a formula (CSV injection): prefixed with a quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_cell(value) -> str:
    """A value as CSV text; text that a spreadsheet would run as a formula is neutralised."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence]) -> Iterable[str]:
    """The CSV text in chunks of about CHUNK_BYTES, header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def stream_csv(filename: str, header: Sequence[str], rows_iterable: Iterable[Sequence], *,
               record_type: str = "csv_export", record_id: int | None = None,
               patient_id: int | None = None) -> Response:
    """A streamed CSV download, with its audit event ("export", record_type) committed first.

    This is the view's one commit: the event must be stored before any data is sent, and a
    streamed body is produced after the view has returned."""
    record_event("export", record_type[:40], record_id, patient_id=patient_id)
    db.session.commit()
    name = _UNSAFE_FILENAME.sub("-", filename).strip("-") or "export.csv"
    response = Response(stream_with_context(csv_chunks(header, rows_iterable)),
                        mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Accel-Buffering"] = "no"  # let a proxy pass chunks on as they come
    return response
