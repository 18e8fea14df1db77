"""The demo: the Child O case replayed into the demo database, with a token per account."""

from __future__ import annotations

from teamaround.adapters.db.engine import make_engine
from teamaround.adapters.db.schema import upgrade
from teamaround.adapters.db.tables import Base
from teamaround.clock import SystemClock
from teamaround.demo import CHILD_O
from teamaround.scenarios.loader import load_scenario
from teamaround.scenarios.runner import replay
from teamaround.services.context import SYSTEM, UnitOfWork
from teamaround.services.register import do_issue_token


def load_demo(url: str, *, reset: bool) -> dict[str, str]:
    """Replay the demo case and issue a fresh bearer token for every professional in it."""
    engine = make_engine(url)
    if reset:
        with engine.begin() as connection:
            Base.metadata.drop_all(connection)
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    upgrade(engine)
    scenario = load_scenario(CHILD_O)
    replay(scenario, engine)
    uow = UnitOfWork(engine, SystemClock())
    tokens = {
        p.id: do_issue_token(uow, actor_id=SYSTEM.id, professional_id=p.id)
        for p in scenario.professionals
    }
    engine.dispose()
    return tokens
