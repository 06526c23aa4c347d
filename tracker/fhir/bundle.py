"""One patient's whole journey as a FHIR R4 Bundle of type "collection".

Why collection and not document: a FHIR document is an attested, immutable composition
(a Composition first, signed as a whole, "this is the record as of now"). This export is a
set of resources for another system to take in and update by id; the attestation lives in the
Provenance of each signed record, as in the tracker. The patient's readable copy is the
printable page; its bundle is the same collection, filtered for the patient."""
from __future__ import annotations

import uuid
from datetime import datetime

from tracker.fhir import mapping as m
from tracker.fhir.ids import Links
from tracker.fhir.records import Audience, journey_resources, load_records, practitioners


def entry(resource: dict) -> dict:
    return {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}


def journey_bundle(patient, clinic, audience: Audience, now: datetime) -> dict:
    """The bundle of `patient`'s journey as `audience` may see it (access already checked)."""
    record = load_records([patient], audience)[patient.id]
    return bundle_of(record, clinic, now)


def bundle_of(record, clinic, now: datetime) -> dict:
    links = Links()
    resources = list(journey_resources(record, links))
    shared = [m.organization(clinic), *practitioners(links.practitioners)]
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": m.instant(now)},
        "type": "collection",
        "timestamp": m.instant(now),
        "entry": [entry(r) for r in [resources[0], *shared, *resources[1:]]],
    }


def resource_counts(bundle: dict) -> dict[str, int]:
    counts: dict[str, int] = {}
    for e in bundle["entry"]:
        kind = e["resource"]["resourceType"]
        counts[kind] = counts.get(kind, 0) + 1
    return counts
