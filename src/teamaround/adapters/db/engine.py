"""Engines for the two supported databases, with SQLite made durable and serialised."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event


def make_engine(url: str) -> sa.Engine:
    """SQLite runs in WAL mode with synchronous=FULL and takes the write lock up front."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False})
        _make_sqlite_durable(engine)
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def normalise_url(url: str) -> str:
    """Accept the plain postgresql:// form operators type, using the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _make_sqlite_durable(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        # Every transaction may write the audit chain, so take the write lock at once
        # rather than fail on upgrade from a read lock.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
