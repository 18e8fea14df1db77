"""Schemathesis against the OpenAPI schema, as several roles: no 5xx, no schema violation.

Schema-valid requests may still be refused for what the schema cannot say (an unknown
child id, a date already past, a role without access), so the "positive data accepted"
check is left out; every other check runs, including that invalid data is rejected.

Hypothesis draws valid and invalid requests for every operation; each is sent as a social
worker, a 111 call handler and a GP of another area, and once without signing in (which
must always be refused).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from schemathesis.specs.openapi.schemas import OpenApiSchema

from teamaround.clock import FixedClock
from teamaround.demo import CHILD_O
from teamaround.scenarios.loader import load_scenario
from teamaround.scenarios.runner import load_register
from teamaround.services.context import SYSTEM, UnitOfWork
from teamaround.services.register import do_issue_token
from teamaround.web.app import create_app

pytestmark = pytest.mark.slow
WHEN = datetime(2021, 2, 2, 19, 12, tzinfo=UTC)
ROLES = ("sw1", "ch1", "gp1")
# CI replays the same examples every run; `make fuzz` explores new ones.
EXPLORE = bool(os.environ.get("TEAMAROUND_FUZZ_EXPLORE"))
_tokens: dict[str, str] = {}


@pytest.fixture
def api(engine: sa.Engine, database_url: str) -> Iterator[OpenApiSchema]:
    uow = UnitOfWork(engine, FixedClock(WHEN))
    load_register(uow, load_scenario(CHILD_O))
    _tokens.clear()
    _tokens.update({r: do_issue_token(uow, actor_id=SYSTEM.id, professional_id=r) for r in ROLES})
    app = create_app(database_url=database_url, clock=FixedClock(WHEN))
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    app.state.uow.engine.dispose()


def test_every_operation_as_every_role(api: OpenApiSchema) -> None:
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=8,
            deadline=None,
            database=None,
            derandomize=not EXPLORE,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case: schemathesis.Case) -> None:
            for role in ROLES:
                case.call_and_validate(
                    headers={"Authorization": f"Bearer {_tokens[role]}"},
                    excluded_checks=[positive_data_acceptance],
                )
            anonymous = case.call()
            assert anonymous.status_code in (401, 422), anonymous.text

        exercise()
