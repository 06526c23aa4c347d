"""FHIR R4 export of the journey: the code tables (codes), stable ids (ids), one mapping
function per resource (mapping), what is loaded for one patient or the whole clinic (records,
bulk) and the bundle around it (bundle). Nothing here records audit events or knows about
requests: the views that serve an export audit it."""
