"""Creating and upgrading the schema with Alembic, for SQLite and PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from teamaround.adapters.db.tables import Base

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: sa.Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def is_empty(engine: sa.Engine) -> bool:
    """True when none of our tables hold a row (or none exist yet)."""
    existing = set(sa.inspect(engine).get_table_names())
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if (
                table.name in existing
                and connection.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first()
            ):
                return False
    return True
