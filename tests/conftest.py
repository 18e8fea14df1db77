"""Database fixtures: every integration test runs on SQLite and, when configured, PostgreSQL.

Set TEAMAROUND_TEST_POSTGRES (CI sets it) to a PostgreSQL URL; the PostgreSQL tests then
run and fail if the server cannot be reached. Without it they are skipped, visibly.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from teamaround.adapters.db.engine import make_engine, normalise_url
from teamaround.adapters.db.schema import upgrade
from teamaround.adapters.db.tables import Base
from teamaround.clock import FixedClock
from teamaround.services.context import UnitOfWork

POSTGRES = os.environ.get("TEAMAROUND_TEST_POSTGRES")
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(not POSTGRES, reason="TEAMAROUND_TEST_POSTGRES is not set"),
    ),
]


def _postgres_test_database(url: str) -> str:
    """A database of our own beside the one given, created afresh for this run."""
    base = make_url(normalise_url(url))
    name = f"{base.database}_teamaround_{os.getpid()}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(url: str) -> None:
    target = make_url(url)
    admin = sa.create_engine(make_url(normalise_url(POSTGRES or "")), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    url = _postgres_test_database(POSTGRES or "")
    yield url
    _drop_postgres_database(url)


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(migrated_engine: sa.Engine) -> sa.Engine:
    """The migrated database, emptied before each test."""
    with migrated_engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    return migrated_engine


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2024, 3, 4, 9, 0, tzinfo=UTC))


@pytest.fixture
def uow(engine: sa.Engine, clock: FixedClock) -> UnitOfWork:
    return UnitOfWork(engine, clock)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return Path(__file__).parent / "data"
