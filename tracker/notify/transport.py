"""How an outbox message leaves: as an email over SMTP, or as an .eml file in development."""
from __future__ import annotations

import contextlib
import hashlib
import smtplib
import ssl
from datetime import UTC
from email.message import EmailMessage
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

from flask import current_app

from tracker.notify.mailurl import MailServer, parse_mail_url


def message_id(key: str, mail_from: str) -> str:
    """The same Message-ID for the same idempotency key, so receivers can drop a duplicate."""
    domain = mail_from.rsplit("@", 1)[-1].strip("> ") or "journey-tracker.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def build_email(message, mail_from: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = mail_from
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = message_id(message.idempotency_key, mail_from)
    email["Date"] = format_datetime(message.created_at.astimezone(UTC))
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body or "")
    unsubscribe = next((line.split(": ", 1)[1] for line in (message.body or "").splitlines()
                        if line.startswith("Stop these emails: ")), None)
    if unsubscribe:  # RFC 8058 one-click unsubscribe (a POST to the same signed link)
        email["List-Unsubscribe"] = f"<{unsubscribe}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if message.ics:
        email.add_attachment(message.ics.encode(), maintype="text", subtype="calendar",
                             filename="session.ics")
    return email


class SMTPTransport:
    """One connection, opened on the first send and reused until closed or broken."""

    def __init__(self, server: MailServer, timeout: float = 15):
        self.server = server
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.server
        if s.security == "tls":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=self.timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=self.timeout)
            if s.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if s.username:
            smtp.login(s.username, s.password or "")
        return smtp

    def send(self, email: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(email)
        except (smtplib.SMTPServerDisconnected, OSError):
            self.close()
            raise

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None

    def describe(self) -> str:
        return f"SMTP {self.server.describe()}"


class FileTransport:
    """Development without MAIL_URL: each email an .eml file (the development mailbox page)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def send(self, email: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        digest = email["Message-ID"].strip("<>").split("@")[0][:12]
        stamp = parsedate_to_datetime(email["Date"]).strftime("%Y%m%dT%H%M%S")
        (self.folder / f"{stamp}-{digest}.eml").write_bytes(bytes(email))

    def close(self) -> None:
        pass

    def describe(self) -> str:
        return f".eml files in {self.folder}"


def mail_folder() -> Path:
    return Path(current_app.config.get("MAIL_FILE_DIR") or Path(current_app.instance_path) / "mail")


def transport_from_config():
    """SMTP when MAIL_URL is set; else .eml files, except in production, which refuses (as it
    refuses to run without PUBLIC_URL)."""
    url = current_app.config.get("MAIL_URL")
    production = current_app.config.get("ENV_NAME") == "production"
    if production and not current_app.config.get("PUBLIC_URL"):
        raise RuntimeError("Set PUBLIC_URL in production (https://tracker.clinic.example): the "
                           "worker has no request to build the links in emails from.")
    if url:
        return SMTPTransport(parse_mail_url(url))
    if production:
        raise RuntimeError("Set MAIL_URL in production: without it no email could leave.")
    return FileTransport(mail_folder())
