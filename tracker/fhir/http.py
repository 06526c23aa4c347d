"""FHIR responses: JSON (application/fhir+json) and streamed NDJSON (application/fhir+ndjson)."""
from __future__ import annotations

import json
import re
from collections.abc import Iterable

from flask import Response, stream_with_context

FHIR_JSON = "application/fhir+json"
FHIR_NDJSON = "application/fhir+ndjson"
CHUNK_BYTES = 64 * 1024
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def _attachment(filename: str) -> str:
    name = _UNSAFE_FILENAME.sub("-", filename).strip("-") or "export.json"
    return f'attachment; filename="{name}"'


def fhir_json(resource: dict, filename: str) -> Response:
    body = json.dumps(resource, ensure_ascii=False, separators=(",", ":"))
    response = Response(body, mimetype=FHIR_JSON)
    response.headers["Content-Disposition"] = _attachment(filename)
    response.headers["Cache-Control"] = "no-store"
    return response


def ndjson_chunks(resources: Iterable[dict]) -> Iterable[str]:
    """One resource per line, sent in chunks of about CHUNK_BYTES."""
    buffer: list[str] = []
    size = 0
    for resource in resources:
        line = json.dumps(resource, ensure_ascii=False, separators=(",", ":")) + "\n"
        buffer.append(line)
        size += len(line)
        if size >= CHUNK_BYTES:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)


def fhir_ndjson(resources: Iterable[dict], filename: str) -> Response:
    response = Response(stream_with_context(ndjson_chunks(resources)), mimetype=FHIR_NDJSON)
    response.headers["Content-Disposition"] = _attachment(filename)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"
    return response
