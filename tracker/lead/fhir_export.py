"""The clinic-wide FHIR export (Bulk Data style) for the lead: a page with the count of
resources per type, one streamed NDJSON file per type, and a manifest listing them."""
from __future__ import annotations

from flask import abort, render_template, url_for
from flask_login import current_user

from tracker.core.access import allow
from tracker.core.audit.service import record_event
from tracker.core.users import LEAD
from tracker.db import utcnow
from tracker.extensions import db
from tracker.fhir.bulk import clinic_resources, resource_counts
from tracker.fhir.http import fhir_json, fhir_ndjson
from tracker.fhir.mapping import instant
from tracker.fhir.records import RESOURCE_TYPES
from tracker.lead.routes import bp


@bp.route("/fhir-export")
@allow(LEAD)
def fhir_export():
    counts = resource_counts(current_user.clinic_id)
    record_event("read", "fhir_export_page", None)
    db.session.commit()
    return render_template("lead/fhir_export.html", counts=counts, types=RESOURCE_TYPES)


@bp.route("/fhir-export/manifest.json")
@allow(LEAD)
def fhir_export_manifest():
    """The Bulk Data `$export` status response: one output file per type, with its count."""
    counts = resource_counts(current_user.clinic_id)
    manifest = {
        "transactionTime": instant(utcnow()),
        "request": url_for("lead.fhir_export_manifest", _external=True),
        "requiresAccessToken": True,  # the files need the lead's signed-in session
        "output": [{"type": t, "url": url_for("lead.fhir_export_file", resource_type=t, _external=True),
                    "count": counts[t]} for t in RESOURCE_TYPES if counts[t]],
        "error": [],
    }
    record_event("read", "fhir_export_page", None)
    db.session.commit()
    return fhir_json(manifest, "manifest.json")


@bp.route("/fhir-export/<resource_type>.ndjson")
@allow(LEAD)
def fhir_export_file(resource_type: str):
    if resource_type not in RESOURCE_TYPES:
        abort(404)
    # The audit event is stored before the first byte leaves (the stream runs after return).
    record_event("export", f"fhir_bulk_{resource_type}"[:40], None)
    db.session.commit()
    return fhir_ndjson(clinic_resources(current_user.clinic_id, resource_type),
                       f"{resource_type}.ndjson")
