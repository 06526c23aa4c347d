"""MAIL_URL, parsed in one place.

    smtp://host[:port]                         plain SMTP (port 25), e.g. a closed network's relay
    smtp+starttls://user:password@host[:port]  SMTP upgraded with STARTTLS (port 587)
    smtps://user:password@host[:port]          SMTP over TLS from the first byte (port 465)

User name and password are percent-decoded (write '@' as %40). Anything else is refused with a
message that names the problem and never echoes the password.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

SCHEMES = {"smtp": ("none", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}


class MailURLError(ValueError):
    pass


@dataclass(frozen=True)
class MailServer:
    host: str
    port: int
    security: str                      # none, starttls or tls
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def describe(self) -> str:
        """For logs and pages: never the password."""
        who = f"{self.username}@" if self.username else ""
        return f"{self.security} {who}{self.host}:{self.port}"


def parse_mail_url(url: str) -> MailServer:
    """A MailServer from a MAIL_URL, or MailURLError."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise MailURLError(f"MAIL_URL is not a valid URL ({error}).") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise MailURLError(f"MAIL_URL must start with {', '.join(s + '://' for s in SCHEMES)}"
                           f" (got {scheme + '://' if scheme else 'no scheme'}).")
    if not parts.hostname:
        raise MailURLError("MAIL_URL names no host.")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise MailURLError("MAIL_URL takes no path, query or fragment.")
    security, default_port = SCHEMES[scheme]
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if password is not None and not username:
        raise MailURLError("MAIL_URL has a password but no user name.")
    return MailServer(host=parts.hostname, port=port or default_port, security=security,
                      username=username, password=password)
