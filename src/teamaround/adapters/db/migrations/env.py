"""Alembic environment: runs against the connection handed over in config attributes."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from teamaround.adapters.db.engine import make_engine
from teamaround.adapters.db.tables import Base

config = context.config
connection = config.attributes.get("connection")


def _run(conn: sa.Connection) -> None:
    context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:
    with make_engine(config.get_main_option("sqlalchemy.url") or "").connect() as conn:
        _run(conn)
