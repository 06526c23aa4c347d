"""The core every stage stands on: access rules, the audit trail, signing, the hub records
(clinic, users, patients, treatment courses, dosing sessions, safety flags) and the helpers
the stages share. Imports only the foundation modules (tracker.db, tracker.rules, ...)."""
