"""Who may call what: every API endpoint against every role, generated from one table.

The world is the Child O case replayed to its end, plus a DSL of another school. A refusal
must look exactly like a missing record (404); an allowed call must not be refused.
Every route under /api must have a row here, so a new endpoint cannot ship unchecked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from teamaround.adapters.db.tables import ContributionRow
from teamaround.clock import FixedClock
from teamaround.demo import CHILD_O
from teamaround.scenarios.loader import load_scenario
from teamaround.scenarios.runner import replay
from teamaround.services.alerts import find_alert_for
from teamaround.services.challenges import do_raise_challenge
from teamaround.services.commands import (
    AgencyCreate,
    ChallengeCreate,
    PersonCreate,
    ProfessionalCreate,
    ShareCreate,
)
from teamaround.services.context import SYSTEM, UnitOfWork
from teamaround.services.register import (
    do_add_person,
    do_issue_token,
    do_register_agency,
    do_register_professional,
)
from teamaround.services.review import list_review_queue
from teamaround.services.sharing import do_share
from teamaround.web.app import create_app

AFTER = datetime(2021, 3, 3, 9, 0, tzinfo=UTC)
EVERYONE = frozenset(
    {"sw1", "tm1", "spoc", "dsl1", "dsl2", "pc1", "ch1", "om1", "gp1", "sn1", "idva1", "mc1"}
)
CASE = frozenset({"sw1", "tm1", "spoc", "dsl1"})  # lead, team manager, SPOC, school DSL/core
CSC = frozenset({"sw1", "tm1", "spoc"})
IDENTITY = {"given": "Dean", "family": "Marsh", "dob": "1985-02-11"}
UNCERTAIN = [
    {"name": "Dean Marsh", "sex": "M"},
    {
        "given": "Dean",
        "family": "Marsh",
        "dob": "1985-02-12",
        "address": "5 Harbour View, TS24 0AB",
    },
    {"name": "Dean Marsh"},
]


@dataclass(frozen=True)
class Row:
    method: str
    route: str
    allowed: frozenset[str]
    call: Callable[[str, dict[str, str]], tuple[str, dict[str, Any] | None]]


def fixed(path: str, body: dict[str, Any] | None = None) -> Callable[..., Any]:
    return lambda who, refs: (path.format(**refs), body)


MATRIX = [
    Row(
        "POST",
        "/api/people",
        CSC,
        lambda who, refs: (
            "/api/people",
            {"id": f"new-{who}", "kind": "adult", "given": "Ann", "family": "Bee"},
        ),
    ),
    Row(
        "PATCH",
        "/api/people/{person_id}",
        CSC,
        fixed("/api/people/nan", {"phone": "07700 900555"}),
    ),
    Row(
        "POST",
        "/api/people/{person_id}/merge",
        CSC,
        lambda who, refs: (f"/api/people/twice-{who}/merge", {"into": "nan"}),
    ),
    Row(
        "POST",
        "/api/relationships",
        CSC,
        fixed("/api/relationships", {"child": "child-o", "adult": "nan", "kind": "grandparent"}),
    ),
    Row(
        "POST",
        "/api/conditions",
        CSC | {"pc1", "om1"},
        fixed(
            "/api/conditions",
            {"person": "partner", "conditions": [{"kind": "bail", "detail": "Curfew"}]},
        ),
    ),
    Row(
        "POST",
        "/api/plans",
        CSC,
        fixed("/api/plans", {"child": "child-o", "plan": "child-in-need", "lead": "sw1"}),
    ),
    Row(
        "POST",
        "/api/plans/end",
        CSC,
        fixed("/api/plans/end", {"child": "child-o", "plan": "child-in-need"}),
    ),
    Row(
        "POST",
        "/api/challenges",
        CASE,
        fixed(
            "/api/challenges",
            {
                "child": "child-o",
                "to_agency": "csc",
                "nature": "n",
                "expected_outcome": "o",
                "respond_by": "2021-03-20",
            },
        ),
    ),
    Row(
        "POST",
        "/api/challenges/{challenge_id}/responses",
        CSC,
        fixed("/api/challenges/{challenge}/responses", {"text": "We will meet."}),
    ),
    Row(
        "POST",
        "/api/challenges/{challenge_id}/resolve",
        frozenset({"dsl1"}),
        fixed("/api/challenges/{challenge}/resolve", {"outcome": "Met."}),
    ),
    Row(
        "GET",
        "/api/children/{child_id}/challenges",
        CASE,
        fixed("/api/children/child-o/challenges"),
    ),
    Row(
        "GET",
        "/api/reports/challenges",
        frozenset({"tm1", "spoc"}),
        fixed("/api/reports/challenges"),
    ),
    Row(
        "POST",
        "/api/shares",
        EVERYONE,
        fixed("/api/shares", {"category": "concern", "summary": "s", "subjects": [IDENTITY]}),
    ),
    Row(
        "POST",
        "/api/marac-listings",
        frozenset({"mc1"}),
        fixed(
            "/api/marac-listings",
            {
                "victim": {"name": "Kelly Ashby"},
                "perpetrator": IDENTITY,
                "meeting_date": "2021-03-30",
            },
        ),
    ),
    Row(
        "POST",
        "/api/letters/check",
        EVERYONE,
        fixed("/api/letters/check", {"to": "mother", "text": "The ICPC met."}),
    ),
    Row(
        "POST",
        "/api/glossary",
        CSC,
        fixed("/api/glossary", {"term": "TAF", "plain": "Team Around the Family."}),
    ),
    Row("GET", "/api/children/{child_id}", CASE, fixed("/api/children/child-o")),
    Row("GET", "/api/children/{child_id}/prompts", CASE, fixed("/api/children/child-o/prompts")),
    Row(
        "GET",
        "/api/children/{child_id}/chronology",
        CASE,
        fixed("/api/children/child-o/chronology"),
    ),
    Row(
        "GET",
        "/api/children/{child_id}/chronology.csv",
        CASE,
        fixed("/api/children/child-o/chronology.csv"),
    ),
    Row(
        "POST",
        "/api/meetings",
        CASE,
        fixed("/api/meetings", {"child": "child-o", "type": "core-group", "attendees": ["sw1"]}),
    ),
    Row("POST", "/api/core-group", CASE, fixed("/api/core-group", {"child": "child-o"})),
    Row("POST", "/api/lookups", EVERYONE, fixed("/api/lookups", {"subject": IDENTITY})),
    Row("GET", "/api/children/{child_id}/lookups", CASE, fixed("/api/children/child-o/lookups")),
    Row(
        "POST",
        "/api/agendas",
        CASE,
        fixed("/api/agendas", {"child": "child-o", "type": "core-group"}),
    ),
    Row("GET", "/api/alerts", EVERYONE, fixed("/api/alerts")),
    Row(
        "GET",
        "/api/contributions/{contribution_id}",
        CASE | {"ch1"},
        fixed("/api/contributions/{call}"),
    ),
    Row("GET", "/api/children/{child_id}/audit", CSC, fixed("/api/children/child-o/audit")),
    Row("GET", "/api/review", frozenset({"spoc"}), fixed("/api/review")),
    Row("GET", "/api/settings", EVERYONE, fixed("/api/settings")),
    Row(
        "PUT",
        "/api/settings/{key}",
        frozenset({"tm1"}),
        fixed("/api/settings/urgent-ack-minutes", {"value": 45}),
    ),
    Row(
        "POST",
        "/api/review/{item_id}/decision",
        frozenset({"spoc"}),
        fixed("/api/review/{review}/decision", {"decision": "reject"}),
    ),
    Row(
        "POST",
        "/api/alerts/{alert_id}/acknowledge",
        frozenset({"sw1", "dsl1", "spoc", "om1"}),
        fixed("/api/alerts/{urgent}/acknowledge"),
    ),
]


@pytest.fixture
def world(engine: sa.Engine, database_url: str) -> Iterator[tuple[TestClient, dict[str, Any]]]:
    scenario = load_scenario(CHILD_O)
    assert replay(scenario, engine).ok
    uow = UnitOfWork(engine, FixedClock(AFTER))
    do_register_agency(
        uow,
        actor_id=SYSTEM.id,
        agency=AgencyCreate(id="other-school", name="Riverside", kind="school"),
    )
    do_register_professional(
        uow,
        actor_id=SYSTEM.id,
        professional=ProfessionalCreate(
            id="dsl2", agency="other-school", role="dsl", name="Other DSL"
        ),
    )
    with engine.connect() as c:
        call = c.scalar(
            sa.select(ContributionRow.id)
            .where(ContributionRow.professional_id == "ch1")
            .order_by(ContributionRow.received_at)
        )
    for who in EVERYONE:  # a record of nan's for each caller to merge (or be refused)
        twice = PersonCreate(id=f"twice-{who}", kind="adult", given="Maggie", family="Ashby")
        do_add_person(uow, actor_id=SYSTEM.id, person=twice)
    for uncertain in UNCERTAIN:  # descriptions that fall between the two thresholds
        share = {"category": "concern", "summary": "Unsure who.", "subjects": [uncertain]}
        do_share(uow, actor_id="pc1", share=ShareCreate.model_validate(share))
    [waiting, *_] = list_review_queue(uow, actor_id="spoc")
    refs = {
        "review": waiting.id,
        "call": call,
        "challenge": do_raise_challenge(
            uow,
            actor_id="dsl1",
            challenge=ChallengeCreate(
                child="child-o",
                to_agency="csc",
                nature="n",
                expected_outcome="o",
                respond_by=date(2021, 3, 20),
            ),
        ),
        "urgent": find_alert_for(
            uow, actor_id="sw1", kind="risk-adult-at-child-address", about="child-o"
        ),
    }
    tokens = {who: do_issue_token(uow, actor_id=SYSTEM.id, professional_id=who) for who in EVERYONE}
    with TestClient(create_app(database_url=database_url, clock=FixedClock(AFTER))) as client:
        yield client, {"refs": refs, "tokens": tokens}


def test_every_api_route_is_in_the_matrix() -> None:
    schema = create_app(database_url="sqlite://").openapi()
    routes = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        if path.startswith("/api/")
        for method in operations
    }
    listed = {(row.method, row.route) for row in MATRIX}
    assert routes - listed == set(), "add these endpoints to the permission matrix"
    assert listed - routes == set()


def test_each_role_gets_exactly_what_the_policy_allows(
    world: tuple[TestClient, dict[str, Any]],
) -> None:
    client, state = world
    wrong = []
    for row in MATRIX:
        for who in sorted(EVERYONE):
            path, body = row.call(who, state["refs"])
            headers = {"Authorization": f"Bearer {state['tokens'][who]}"}
            response = client.request(row.method, path, json=body, headers=headers)
            allowed = response.status_code != 404
            if response.status_code >= 500 or allowed != (who in row.allowed):
                wrong.append(f"{row.method} {row.route} as {who}: {response.status_code}")
            if not allowed and response.json() != {"detail": response.json()["detail"]}:
                wrong.append(f"{row.method} {row.route} as {who}: refusal says more than 404")
    assert wrong == []


def test_no_endpoint_works_without_signing_in(world: tuple[TestClient, dict[str, Any]]) -> None:
    client, state = world
    for row in MATRIX:
        path, body = row.call("anonymous", state["refs"])
        assert client.request(row.method, path, json=body).status_code == 401, row.route
