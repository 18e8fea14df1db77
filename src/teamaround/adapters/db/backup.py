"""Backup and restore of either database, with the tools each one is made for.

SQLite: the online backup API (a consistent copy while the service runs). PostgreSQL:
pg_dump's custom format and pg_restore, which must be on the PATH (Debian's
postgresql-client) and of the server's major version.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess  # nosec B404 - runs pg_dump and pg_restore with fixed arguments
from pathlib import Path

from sqlalchemy.engine import make_url

from teamaround.adapters.db.engine import normalise_url


class BackupError(Exception):
    pass


def backup(url: str, target: Path) -> None:
    if _is_sqlite(url):
        with sqlite3.connect(_sqlite_path(url)) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        return
    _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq(url)])


def restore(url: str, source: Path) -> None:
    """Replace the database's contents with the backup's."""
    if not source.exists():
        raise BackupError(f"no backup at {source}")
    if _is_sqlite(url):
        with sqlite3.connect(source) as copy, sqlite3.connect(_sqlite_path(url)) as target:
            copy.backup(target)
        return
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={_libpq(url)}",
            str(source),
        ]
    )


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client)")
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:500]}")


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _sqlite_path(url: str) -> str:
    database = make_url(url).database
    if not database:
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return database


def _libpq(url: str) -> str:
    """The URL as libpq tools take it: without SQLAlchemy's driver name."""
    return (
        make_url(normalise_url(url))
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )
