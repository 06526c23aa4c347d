"""The audit key: the secret that signs the audit chain and its checkpoints.

It is kept outside the database, so whoever can write to the database cannot forge a link:
in production the environment variable AUDIT_KEY (the app refuses to start without one of at
least 32 characters); in development and testing a random key generated once into
instance/audit.key (or the file AUDIT_KEY_FILE names), readable by its owner only.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from flask import current_app

MIN_KEY_LENGTH = 32
EXTENSION = "audit_key"


def _key_file(app) -> Path:
    return Path(app.config.get("AUDIT_KEY_FILE") or Path(app.instance_path) / "audit.key")


def _generated_key(path: Path) -> str:
    """Read the key file, creating it (exclusively, mode 0600) on first use."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    for _ in range(50):  # another process may be between creating and writing it
        key = path.read_text().strip()
        if key:
            return key
    raise RuntimeError(f"The audit key file {path} is empty.")


def init_app(app) -> None:
    """Load the audit key into the app, or refuse to start in production without one."""
    key = os.environ.get("AUDIT_KEY") or app.config.get("AUDIT_KEY")
    if app.config.get("ENV_NAME") == "production":
        if not key:
            raise RuntimeError("Refusing to start in production: set AUDIT_KEY in the environment "
                               "(a random secret of at least 32 characters, kept outside the "
                               "database; `python -c 'import secrets; print(secrets.token_hex(32))'`).")
        if len(key) < MIN_KEY_LENGTH or len(set(key)) < 8:
            raise RuntimeError("Refusing to start in production: AUDIT_KEY must be at least "
                               f"{MIN_KEY_LENGTH} characters of a random secret.")
    elif not key:
        key = _generated_key(_key_file(app))
    app.extensions[EXTENSION] = key.encode()


def audit_key() -> bytes:
    return current_app.extensions[EXTENSION]


def sign(message: str, key: bytes | None = None) -> str:
    """HMAC-SHA256 of `message` under the audit key, as hex."""
    return hmac.new(key or audit_key(), message.encode(), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)
