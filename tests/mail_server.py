"""A real SMTP server (aiosmtpd) inside the test process: fixtures for every test package."""
from __future__ import annotations

import logging
import socket
import threading
import time
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from tracker.notify.mailurl import parse_mail_url
from tracker.notify.transport import SMTPTransport

# aiosmtpd logs every connection from its own thread ("mail.log"), sometimes after pytest has
# closed the stream that the root logger's handler writes to ("--- Logging error ---" in CI's
# output). Its chatter is not the tests': the messages each test receives are checked instead.
logging.getLogger("mail.log").propagate = False
logging.getLogger("mail.log").addHandler(logging.NullHandler())


class Mailbox:
    """What the SMTP server received: every message, in order, parsed."""

    def __init__(self, delay: float = 0):
        self.messages = []
        self.delay = delay
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            time.sleep(self.delay)  # a slow server: workers overlap while a message is sent
        with self._lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPServer:
    """Start, stop and start again on the same port (a mail-server outage)."""

    def __init__(self, mailbox: Mailbox):
        self.mailbox = mailbox
        self.port = _free_port()
        self.controller = None

    def start(self):
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def transport(self) -> SMTPTransport:
        return SMTPTransport(parse_mail_url(self.url), timeout=5)


@pytest.fixture
def mailbox():
    return Mailbox()


@pytest.fixture
def smtp_server(mailbox):
    server = SMTPServer(mailbox)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_config(app, smtp_server):
    """The app sends through the test's SMTP server (restored after the test)."""
    saved = {k: app.config[k] for k in ("MAIL_URL", "MAIL_RETRY_SECONDS", "MAIL_MAX_ATTEMPTS")}
    app.config["MAIL_URL"] = smtp_server.url
    yield app.config
    app.config.update(saved)
