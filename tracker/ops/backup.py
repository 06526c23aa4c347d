"""Backups that restore: a consistent copy of the database, and a check that a copy restores.

PostgreSQL: `pg_dump --format=custom` (a consistent snapshot taken while the app runs) and
`pg_restore` into an empty database. SQLite: the SQLite backup API, page by page under SQLite's
own locking, never a file copy of a live database (which can catch a half-written page or miss
the write-ahead log).

`round_trip` is what an operator runs after each night's backup (and CI runs on PostgreSQL): it
restores the backup into a scratch database, compares every table's row count with the source's
and verifies the audit chain on the restored copy.
"""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """A backup or restore that could not be done, in words for the operator."""


def libpq_url(url: str) -> str:
    """postgresql+psycopg://... -> postgresql://... (what pg_dump and pg_restore accept)."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(database)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL client tools are needed).")
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        raise BackupError(f"{command[0]} failed: {finished.stderr.strip()[:500]}")


def create_backup(url: str, out: Path) -> Path:
    """Write a consistent backup of the database at `url` to `out`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("postgresql"):
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(out), libpq_url(url)])
    elif url.startswith("sqlite"):
        source = sqlite3.connect(f"file:{sqlite_path(url)}?mode=ro", uri=True)
        target = sqlite3.connect(out)
        try:
            with target:
                source.backup(target)
        finally:
            source.close()
            target.close()
    else:
        raise BackupError(f"No backup method for {make_url(url).get_backend_name()}.")
    return out


def restore_backup(backup: Path, url: str) -> None:
    """Restore `backup` into the EMPTY database at `url` (refused if it holds tables)."""
    engine = sa.create_engine(url)
    try:
        if sa.inspect(engine).get_table_names():
            raise BackupError("The target database is not empty; restore only into a new one.")
    finally:
        engine.dispose()
    if url.startswith("postgresql"):
        _run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", libpq_url(url),
              str(backup)])
    else:
        source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        target = sqlite3.connect(sqlite_path(url))
        try:
            with target:
                source.backup(target)
        finally:
            source.close()
            target.close()


def row_counts(url: str) -> dict[str, int]:
    """Every table's row count (the migrations' own table included)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            names = sorted(sa.inspect(connection).get_table_names())
            return {name: connection.scalar(
                        sa.select(sa.func.count()).select_from(sa.table(name)))
                    for name in names}
    finally:
        engine.dispose()


@dataclass
class RoundTrip:
    """What a restore of a backup gave: row counts against the source, and the audit chain."""
    restored: dict[str, int]
    differences: dict[str, tuple[int | None, int | None]]
    audit_ok: bool
    audit_detail: str

    @property
    def ok(self) -> bool:
        return self.audit_ok and not self.differences


def compare(before: dict[str, int], after: dict[str, int],
            restored: dict[str, int]) -> dict[str, tuple[int | None, int | None]]:
    """Tables whose restored count is not what the source held when the backup was taken.

    A live database may gain rows while the backup runs, so the source is counted just before
    and just after: a restored count must lie between the two (on a quiet database, equal)."""
    differences = {}
    for name in sorted(set(before) | set(after) | set(restored)):
        low = min(before.get(name, 0), after.get(name, 0))
        high = max(before.get(name, 0), after.get(name, 0))
        count = restored.get(name)
        if name not in restored or not (low <= count <= high):
            differences[name] = (after.get(name), count)
    return differences
