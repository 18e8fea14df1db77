"""Sharing through the HTTP API: who is told, who is not, refusals and the audit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from teamaround.adapters.db.tables import (
    AlertRow,
    AuditRow,
    ContributionRow,
    ContributionSubjectRow,
)
from teamaround.clock import FixedClock
from teamaround.demo import CHILD_O
from teamaround.scenarios.loader import load_scenario
from teamaround.scenarios.runner import load_register
from teamaround.services.context import SYSTEM, UnitOfWork
from teamaround.services.register import do_issue_token
from teamaround.web.app import create_app

WHEN = datetime(2021, 2, 2, 19, 12, tzinfo=UTC)


@pytest.fixture
def world(engine: sa.Engine, database_url: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    clock = FixedClock(WHEN)
    uow = UnitOfWork(engine, clock)
    scenario = load_scenario(CHILD_O)
    load_register(uow, scenario)
    tokens = {
        p.id: do_issue_token(uow, actor_id=SYSTEM.id, professional_id=p.id)
        for p in scenario.professionals
    }
    app = create_app(database_url=database_url, clock=clock)
    with TestClient(app) as client:
        yield client, tokens


def auth(tokens: dict[str, str], who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[who]}"}


def share(
    client: TestClient, tokens: dict[str, str], who: str, body: dict[str, object]
) -> dict[str, object]:
    response = client.post("/api/shares", json=body, headers=auth(tokens, who))
    assert response.status_code == 201, response.text
    return dict(response.json())


def inbox_kinds(client: TestClient, tokens: dict[str, str], who: str) -> list[tuple[str, str]]:
    response = client.get("/api/alerts", headers=auth(tokens, who))
    assert response.status_code == 200
    return [(a["kind"], a["about"]) for a in response.json()]


MOTHER_AT_HOME = {
    "category": "incident",
    "summary": "Police attended a report of shouting.",
    "facts": ["domestic-abuse"],
    "subjects": [
        {
            "given": "Kelly",
            "family": "Ashby",
            "dob": "14/07/1990",
            "address": "12 Acacia Ave, Stockton TS18 1AB",
        }
    ],
}


def test_share_about_a_linked_adult_tells_lead_and_school_and_nobody_else(world) -> None:
    client, tokens = world
    receipt = share(client, tokens, "pc1", MOTHER_AT_HOME)
    assert "Oliver" not in str(receipt) and "child-o" not in str(receipt)
    assert inbox_kinds(client, tokens, "sw1") == [("new-information", "child-o")]
    assert inbox_kinds(client, tokens, "dsl1") == [("new-information", "child-o")]
    for other in ("pc1", "ch1", "gp1", "om1", "tm1", "spoc", "sn1", "mc1", "idva1"):
        assert inbox_kinds(client, tokens, other) == [], other


def test_prohibited_adult_reported_at_home_is_urgent(world, engine: sa.Engine) -> None:
    client, tokens = world
    sw = auth(tokens, "sw1")
    client.post(
        "/api/people",
        headers=sw,
        json={
            "id": "dm",
            "kind": "adult",
            "given": "Dean",
            "family": "Marsh",
            "dob": "1985-02-11",
            "address": "luton",
        },
    ).raise_for_status()
    client.post(
        "/api/relationships",
        headers=sw,
        json={
            "child": "child-o",
            "adult": "dm",
            "kind": "parents-partner",
            "contact": "prohibited",
        },
    ).raise_for_status()
    client.post(
        "/api/plans",
        headers=sw,
        json={"child": "child-o", "plan": "child-protection", "category": "neglect", "lead": "sw1"},
    ).raise_for_status()
    share(
        client,
        tokens,
        "ch1",
        {
            "category": "health-contact",
            "summary": "111 call for medication.",
            "subjects": [
                {
                    "name": "MARSH, Dean",
                    "dob": "11/02/1985",
                    "address": "12 acacia ave stockton ts181ab",
                }
            ],
        },
    )
    urgent = [a for a in client.get("/api/alerts", headers=sw).json() if a["priority"] == "urgent"]
    assert [a["kind"] for a in urgent] == ["risk-adult-at-child-address"]
    assert "home address" in urgent[0]["reason"]
    assert ("risk-adult-at-child-address", "child-o") in inbox_kinds(client, tokens, "spoc")
    assert inbox_kinds(client, tokens, "ch1") == []
    assert inbox_kinds(client, tokens, "gp1") == []


def test_malformed_share_is_refused_naming_the_field_and_writes_nothing(world, engine) -> None:
    client, tokens = world
    before = _counts(engine)
    bad = dict(MOTHER_AT_HOME, category="gossip")
    response = client.post("/api/shares", json=bad, headers=auth(tokens, "pc1"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "category"
    nameless = dict(MOTHER_AT_HOME, subjects=[{"dob": "1990-07-14"}])
    response = client.post("/api/shares", json=nameless, headers=auth(tokens, "pc1"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].startswith("subjects.0")
    response = client.post(
        "/api/shares",
        content=b"{not json",
        headers={**auth(tokens, "pc1"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert _counts(engine) == before


def test_share_without_a_token_is_refused(world) -> None:
    client, _ = world
    assert client.post("/api/shares", json=MOTHER_AT_HOME).status_code == 401
    bogus = {"Authorization": "Bearer not-a-token"}
    assert client.post("/api/shares", json=MOTHER_AT_HOME, headers=bogus).status_code == 401


def test_share_is_audited_without_its_content(world, engine) -> None:
    client, tokens = world
    receipt = share(client, tokens, "pc1", MOTHER_AT_HOME)
    with engine.connect() as c:
        rows = c.execute(sa.select(AuditRow).where(AuditRow.actor_id == "pc1")).all()
    actions = [r.action for r in rows]
    assert "contribute:share" in actions and "raise-alert:new-information" in actions
    contribution = next(r for r in rows if r.action == "contribute:share")
    assert contribution.record_id == receipt["contribution_id"]
    assert all("Kelly" not in str(tuple(r)) for r in rows)


def test_subjects_are_kept_as_the_agency_described_them(world, engine) -> None:
    client, tokens = world
    receipt = share(client, tokens, "pc1", MOTHER_AT_HOME)
    with engine.connect() as c:
        row = c.execute(
            sa.select(ContributionSubjectRow).where(
                ContributionSubjectRow.contribution_id == receipt["contribution_id"]
            )
        ).one()
    assert row.described["dob"] == "14/07/1990"
    assert row.described["address"] == "12 Acacia Ave, Stockton TS18 1AB"
    assert row.person_id == "mother"
    assert row.evidence["person"]["fields"]


def test_child_page_only_for_a_role_on_the_case(world) -> None:
    client, tokens = world
    ok = client.get("/api/children/child-o", headers=auth(tokens, "sw1"))
    assert ok.status_code == 200 and ok.json()["name"] == "Oliver Ashby"
    for outsider in ("ch1", "gp1", "pc1"):
        refused = client.get("/api/children/child-o", headers=auth(tokens, outsider))
        missing = client.get("/api/children/nobody", headers=auth(tokens, outsider))
        assert refused.status_code == missing.status_code == 404
        assert refused.json() == {"detail": "child not found"}


def test_register_is_kept_only_by_childrens_social_care(world) -> None:
    client, tokens = world
    body = {"id": "x", "kind": "adult", "given": "A", "family": "B"}
    assert client.post("/api/people", json=body, headers=auth(tokens, "pc1")).status_code == 404
    assert client.post("/api/people", json=body, headers=auth(tokens, "sw1")).status_code == 201


def _counts(engine: sa.Engine) -> tuple[int, ...]:
    with engine.connect() as c:
        return tuple(
            c.scalar(sa.select(sa.func.count()).select_from(t)) or 0
            for t in (ContributionRow, ContributionSubjectRow, AlertRow, AuditRow)
        )
