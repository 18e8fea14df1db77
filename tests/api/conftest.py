"""Fixtures for the page tests: the whole Child O case, served to a test client.

`story` serves the case replayed to its last step from a database of its own, made once per
test module (a replay takes seconds); tests that must write use `fresh`, rebuilt for each
test. Both run on SQLite and, when configured, PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from page_helpers import END, other_school
from sqlalchemy.engine import make_url

from teamaround.adapters.db.engine import make_engine
from teamaround.adapters.db.schema import upgrade
from teamaround.clock import FixedClock
from teamaround.demo import CHILD_O
from teamaround.scenarios.loader import load_scenario
from teamaround.scenarios.runner import replay
from teamaround.web.app import create_app


def _own_database(database_url: str, scratch: Path) -> str:
    if database_url.startswith("sqlite"):
        return f"sqlite:///{scratch / 'child-o.db'}"
    base = make_url(database_url)
    name = f"{base.database}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _drop(url: str, database_url: str) -> None:
    if url.startswith("sqlite"):
        return
    name = make_url(url).database
    admin = sa.create_engine(make_url(database_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="module")
def story_engine(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine]:
    """The Child O case replayed once for the module, plus another school and its DSL."""
    url = _own_database(database_url, tmp_path_factory.mktemp("story"))
    engine = make_engine(url)
    upgrade(engine)
    replay(load_scenario(CHILD_O), engine)
    other_school(engine)
    yield engine
    engine.dispose()
    _drop(url, database_url)


@pytest.fixture
def story(story_engine: sa.Engine) -> Iterator[TestClient]:
    url = story_engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(database_url=url, clock=FixedClock(END))) as client:
        yield client


@pytest.fixture
def fresh(engine: sa.Engine, database_url: str) -> Iterator[TestClient]:
    """The Child O case replayed for this test alone, for tests that write."""
    replay(load_scenario(CHILD_O), engine)
    other_school(engine)
    with TestClient(create_app(database_url=database_url, clock=FixedClock(END))) as client:
        yield client
