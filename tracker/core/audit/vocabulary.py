"""The audit trail's words: each action and record type as the lead reads it in the filters and
the table, and as a patient reads it in "who has seen my record". One place, so a new kind of
event gets its words once (tests/audit/test_vocabulary.py fails on an event without them).

Codes stay what they are in the table (short, stable, in exports); only their words live here.
"""
from __future__ import annotations

# action code: (the lead's label, the patient's verb)
ACTIONS: dict[str, tuple[str, str]] = {
    "read": ("Viewed", "Looked at"),
    "list": ("Listed", "Looked at a list including"),
    "create": ("Created", "Added"),
    "update": ("Changed", "Changed"),
    "schedule": ("Scheduled", "Scheduled"),
    "start": ("Started", "Started"),
    "end": ("Ended", "Ended"),
    "record_medication": ("Recorded the medication", "Recorded the medication of"),
    "confirm_dose": ("Confirmed a dose outside the usual range", "Confirmed the dose of"),
    "sign": ("Signed", "Signed"),
    "addendum": ("Added an addendum", "Added a correction (addendum) to"),
    "export": ("Exported or downloaded", "Downloaded"),
    "mark_done": ("Marked a day done", "Marked a day done on"),
    "mark_skipped": ("Marked a day skipped", "Marked a day skipped on"),
    "complete": ("Completed", "Completed"),
    "raise_flag": ("Raised a safety flag", "Raised"),
    "acknowledge": ("Acknowledged", "Acknowledged"),
    "record_outcome": ("Recorded an outcome", "Recorded the outcome of"),
    "cancel": ("Cancelled", "Cancelled"),
    "share": ("Shared with the patient", "Shared"),
    "unshare": ("Stopped sharing", "Stopped sharing"),
    "override": ("Overrode", "Overrode"),
    "print": ("Printed", "Printed"),
    "submit": ("Marked as submitted", "Marked as submitted"),
    "override_vitals": ("Discharged with vitals outside the flag levels (reason given)",
                        "Recorded a reason to discharge despite the vital signs in"),
    "end_sessions": ("Ended sign-in sessions", "Ended the sign-in sessions of"),
    "failed_sign_in_alert": ("Repeated failed sign-ins", "Noted repeated failed sign-ins to"),
    "assign": ("Assigned", "Assigned"),
    "invite": ("Invited to the portal", "Invited you to"),
    "transfer": ("Transferred", "Transferred"),
    "change_status": ("Changed the status", "Changed the status of"),
    "sign_in": ("Signed in", "Signed in to"),
    "sign_out": ("Signed out", "Signed out of"),
    "second_factor": ("Gave a second-factor code", "Gave a second-factor code for"),
    "start_second_factor": ("Began setting up two-factor sign-in",
                            "Began setting up two-factor sign-in for"),
    "enrol_second_factor": ("Set up two-factor sign-in", "Set up two-factor sign-in for"),
    "disable_second_factor": ("Turned off two-factor sign-in", "Turned off two-factor sign-in for"),
    "reset_second_factor": ("Reset someone's two-factor sign-in",
                            "Reset the two-factor sign-in of"),
    "regenerate_recovery_codes": ("Made new recovery codes", "Made new recovery codes for"),
    "change_password": ("Changed a password", "Changed the password of"),
    "lock_account": ("Locked an account", "Locked"),
    "create_user": ("Created an account", "Created"),
    "deactivate": ("Deactivated", "Deactivated"),
    "reactivate": ("Reactivated", "Reactivated"),
    "issue_invite_link": ("Issued an invitation link", "Issued an invitation link for"),
    "issue_reset_link": ("Issued a password reset link", "Issued a password reset link for"),
    "redeem_link": ("Used a one-time link", "Used a one-time link for"),
    "add_care_team_member": ("Added to a care team", "Added someone to"),
    "remove_care_team_member": ("Removed from a care team", "Removed someone from"),
    "set_primary": ("Set the primary clinician", "Set the primary clinician of"),
    # email (tracker/notify, tracker/auth/reset.py)
    "request_password_reset": ("Asked for a password reset email", "Asked for a password reset of"),
    "reset_password": ("Reset the password from an emailed link", "Reset the password of"),
    "email_link": ("Emailed a one-time link", "Emailed a one-time link for"),
    "email_invite_link": ("Emailed an invitation link", "Emailed an invitation link for"),
    "email_reset_link": ("Emailed a password reset link", "Emailed a password reset link for"),
    "escalate": ("Escalated to the clinic's leads", "Told the clinic's leads about"),
    "send_reminder": ("Queued a reminder email", "Emailed you a reminder about"),
    "unsubscribe": ("Turned off reminder emails", "Turned off"),
}

# record type code: (the lead's label, the patient's words)
RECORD_TYPES: dict[str, tuple[str, str]] = {
    "patient": ("Patient record", "your record"),
    "user": ("Account", "an account"),
    "clinic_settings": ("Clinic settings", "the clinic's settings"),
    "care_team": ("Care team", "your care team"),
    "care_team_member": ("Care team member", "your care team"),
    "treatment_course": ("Treatment course", "a treatment course"),
    "dosing_session": ("Dosing session", "a dosing session"),
    "intention": ("Intention", "an intention"),
    "goal": ("Goal", "a goal"),
    "goal_progress": ("Goal progress (portal)", "how your goals are going"),
    "session_note": ("In-session note", "an in-session note"),
    "vital_sign": ("Vital signs", "vital signs"),
    "sedation_rating": ("Sedation rating", "a sedation rating"),
    "adverse_event": ("Adverse event", "an adverse event record"),
    "discharge": ("Discharge", "a discharge record"),
    "debrief": ("Debrief", "a debrief"),
    "integration_task": ("Integration task", "an integration task"),
    "task_completion": ("Task mark", "a task mark"),
    "task_list": ("Task list (portal)", "your task list"),
    "reflection": ("Reflection", "a reflection"),
    "journal": ("Journal (portal)", "your journal"),
    "journey": ("Journey page", "your journey page"),
    "chart": ("Chart", "your chart"),
    "follow_up": ("Follow-up", "a follow-up"),
    "questionnaire": ("Questionnaire", "a questionnaire"),
    "questionnaire_response": ("Questionnaire response", "a questionnaire"),
    "questionnaire_assignment": ("Questionnaire request", "a questionnaire request"),
    "questionnaire_list": ("Questionnaires (portal)", "your questionnaires page"),
    "questionnaires": ("Questionnaires page", "your questionnaires"),
    "safety_flag": ("Safety flag", "a safety flag"),
    "addendum": ("Addendum", "an addendum"),
    "rems_form": ("REMS monitoring form", "a REMS monitoring form"),
    "access_log": ("Who has seen my record (portal)", "this list of who has seen your record"),
    "calendar": ("Calendar file", "your calendar file"),
    "audit_trail": ("Audit trail", "the audit trail"),
    "lead_today": ("Clinic overview (today's list)", "the clinic's list of what is due today"),
    "csv_export": ("CSV export", "a download"),
    "audit_event": ("Audit events", "the audit trail"),
    "delivery_log": ("Email delivery log", "the email delivery log"),
    "reminder_preference": ("Reminder choices", "your reminder emails"),
    "fhir_bundle": ("FHIR bundle of a patient's journey", "your whole record as a FHIR file"),
    "record_copy": ("Patient's printable record (portal)", "your printable record"),
    "fhir_export_page": ("FHIR export page", "the clinic's FHIR export page"),
}


def _words(code: str) -> str:
    return code.replace("_", " ").capitalize()


def action_label(code: str) -> str:
    """The lead's words for an action code ("raise_flag" -> "Raised a safety flag")."""
    return ACTIONS[code][0] if code in ACTIONS else _words(code)


def record_type_label(code: str) -> str:
    if code in RECORD_TYPES:
        return RECORD_TYPES[code][0]
    if "." in code:  # a refused page is recorded under its endpoint (lead.settings)
        return f"Page {code}"
    if code.startswith("continuity:"):  # the dashboard's per-rule CSV exports
        return f"Continuity list ({code.split(':', 1)[1].replace('_', ' ')})"
    if code.startswith("fhir_bulk_"):  # the clinic-wide FHIR export, one file per type
        return f"FHIR bulk export ({code.removeprefix('fhir_bulk_')})"
    return _words(code)


def patient_words(action: str, record_type: str) -> str:
    """'Looked at your record', 'Added a reflection': an event as the patient reads it."""
    verb = ACTIONS[action][1] if action in ACTIONS else _words(action)
    what = RECORD_TYPES[record_type][1] if record_type in RECORD_TYPES else \
        record_type.replace("_", " ")
    return f"{verb} {what}"
