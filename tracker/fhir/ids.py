"""Stable resource ids: uuid5 of a fixed namespace, the resource type and the row's key.

The same row gives the same id in every export (a clinic's second export updates, not
duplicates, what the first one created), and every reference inside a bundle is the
`urn:uuid:` fullUrl of its target, so it resolves without a server."""
from __future__ import annotations

import uuid

# Fixed for ever: changing it would give every exported resource a new identity.
NAMESPACE = uuid.UUID("6f1d9a52-3a0e-5b7c-9d41-2c8e7b0f4a13")


def resource_id(resource_type: str, key) -> str:
    """The id of the `resource_type` made from the row (or part of a row) named `key`, e.g.
    ("Encounter", "debrief/12") or ("Patient", 7)."""
    return str(uuid.uuid5(NAMESPACE, f"{resource_type}/{key}"))


def full_url(resource_type: str, key) -> str:
    return f"urn:uuid:{resource_id(resource_type, key)}"


def ref(resource_type: str, key, display: str | None = None) -> dict:
    found = {"reference": full_url(resource_type, key), "type": resource_type}
    if display:
        found["display"] = display
    return found


class Links:
    """Collects the people a set of resources refers to, so the bundle can include exactly the
    Practitioner resources it needs (references must resolve inside the bundle)."""

    def __init__(self):
        self.practitioners: set[int] = set()

    def practitioner(self, user_id: int | None) -> dict | None:
        if user_id is None:
            return None
        self.practitioners.add(user_id)
        return ref("Practitioner", user_id)
