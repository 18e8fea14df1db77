"""Restricted information never goes beyond its audience, and refusals are audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from teamaround.adapters.db.tables import AuditRow
from teamaround.clock import FixedClock
from teamaround.demo import CHILD_O
from teamaround.scenarios.loader import load_scenario
from teamaround.scenarios.runner import load_register
from teamaround.services.context import SYSTEM, UnitOfWork
from teamaround.services.register import do_issue_token
from teamaround.web.app import create_app

WHEN = datetime(2021, 2, 2, 19, 12, tzinfo=UTC)
SECRET = "Mother is planning to leave; do not tell the partner."
RESTRICTED = {
    "category": "disclosure",
    "summary": SECRET,
    "restriction": "police only: not to be shared with the family",
    "subjects": [{"given": "Kelly", "family": "Ashby", "dob": "1990-07-14"}],
}


@pytest.fixture
def world(
    engine: sa.Engine, database_url: str
) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    uow = UnitOfWork(engine, FixedClock(WHEN))
    load_register(uow, load_scenario(CHILD_O))
    tokens = {
        who: do_issue_token(uow, actor_id=SYSTEM.id, professional_id=who)
        for who in ("pc1", "sw1", "dsl1", "tm1", "ch1")
    }
    auth = {who: {"Authorization": f"Bearer {token}"} for who, token in tokens.items()}
    with TestClient(create_app(database_url=database_url, clock=FixedClock(WHEN))) as client:
        yield client, auth


def test_restricted_information_reaches_only_the_lead_and_the_sharer(world) -> None:
    client, auth = world
    receipt = client.post("/api/shares", json=RESTRICTED, headers=auth["pc1"]).json()
    contribution = receipt["contribution_id"]
    assert [a["kind"] for a in client.get("/api/alerts", headers=auth["sw1"]).json()] == [
        "new-information"
    ]
    assert client.get("/api/alerts", headers=auth["dsl1"]).json() == []
    lead = client.get(f"/api/contributions/{contribution}", headers=auth["sw1"])
    assert lead.status_code == 200
    assert lead.json()["summary"] == SECRET
    assert lead.json()["subjects"][0]["linked_to"] == "mother"
    sharer = client.get(f"/api/contributions/{contribution}", headers=auth["pc1"]).json()
    assert sharer["summary"] == SECRET
    assert sharer["subjects"][0]["linked_to"] is None  # the sharer is not told whom it matched
    for outsider in ("dsl1", "tm1", "ch1"):
        assert (
            client.get(f"/api/contributions/{contribution}", headers=auth[outsider]).status_code
            == 404
        )
    for reader in ("dsl1", "tm1"):
        chronology = client.get("/api/children/child-o/chronology", headers=auth[reader]).text
        agenda = client.post(
            "/api/agendas", json={"child": "child-o", "type": "core-group"}, headers=auth[reader]
        ).text
        assert SECRET not in chronology
        assert SECRET not in agenda
        assert "Restricted" in chronology
    assert SECRET in client.get("/api/children/child-o/chronology", headers=auth["sw1"]).text


def test_every_refused_attempt_is_audited(world, engine: sa.Engine) -> None:
    client, auth = world
    for path in (
        "/api/children/child-o",
        "/api/children/child-o/chronology",
        "/api/children/child-o/prompts",
        "/api/children/child-o/audit",
    ):
        assert client.get(path, headers=auth["ch1"]).status_code == 404
    with engine.connect() as c:
        refused = (
            c.execute(
                sa.select(AuditRow.action).where(
                    AuditRow.actor_id == "ch1", AuditRow.outcome == "refused"
                )
            )
            .scalars()
            .all()
        )
    assert sorted(refused) == ["read-audit-trail", "read-child", "read-chronology", "read-prompts"]


def test_the_audit_of_the_audit_shows_who_looked(world) -> None:
    client, auth = world
    client.get("/api/children/child-o", headers=auth["dsl1"]).raise_for_status()
    client.get("/api/children/child-o", headers=auth["ch1"])
    trail = client.get("/api/children/child-o/audit", headers=auth["sw1"]).json()
    seen = {(e["who"], e["action"], e["outcome"]) for e in trail}
    assert ("Helen Carr", "read-child", "ok") in seen
    assert ("111 call handler", "read-child", "refused") in seen
    assert client.get("/api/children/child-o/audit", headers=auth["dsl1"]).status_code == 404
