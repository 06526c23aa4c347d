"""Email: MAIL_URL, the transports (SMTP, or .eml files in development), the outbox worker,
the lead's delivery log, the development mailbox and the staff's notifications page.

The outbox itself (the table and enqueue()) and the safety escalation live in the core
(tracker.core.outbox, tracker.core.alerts), so any layer can queue a message in its own
transaction; this package only sends and shows."""
