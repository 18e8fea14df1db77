"""MARAC listings through the review queue: a victim or an address close to the register waits
for the SPOC; confirming invites the child's professionals, rejecting never links."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from review_helpers import (
    KELLY_NAME_ONLY,
    SOMEONE_ON_ACACIA_AVENUE,
    Tokens,
    audit_tells_nothing,
    audited,
    counts,
    decide,
    names_nobody,
    queue,
    reviews,
    set_thresholds,
)
from test_sharing_api import auth, inbox_kinds, world  # noqa: F401  # world is a fixture

from teamaround.adapters.db.tables import ContributionSubjectRow
from teamaround.services.sharing import WAITING_FOR_SPOC

World = tuple[TestClient, Tokens]
STRANGER = {"name": "Joe Bloggs"}
INVITED = [("marac-linked-child", "child-o"), ("new-information", "child-o")]


@pytest.fixture
def marac(world: World, engine: sa.Engine) -> World:  # noqa: F811
    set_thresholds(engine, review=20)  # Kelly by name alone sits well inside the band
    return world


def list_marac(client: TestClient, tokens: Tokens, victim: dict[str, str]) -> dict[str, Any]:
    body = {"victim": victim, "perpetrator": STRANGER, "meeting_date": "2021-02-20"}
    response = client.post("/api/marac-listings", json=body, headers=auth(tokens, "mc1"))
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_listed_victim_close_to_the_register_waits_for_the_spoc(
    marac: World, engine: sa.Engine
) -> None:
    client, tokens = marac
    receipt = list_marac(client, tokens, KELLY_NAME_ONLY)
    assert receipt["linked_children"] == 0 and receipt["contacts"] == []
    assert receipt["message"].endswith(WAITING_FOR_SPOC)
    assert names_nobody(receipt)
    assert inbox_kinds(client, tokens, "sw1") == inbox_kinds(client, tokens, "dsl1") == []
    [item] = queue(client, tokens).json()
    assert (item["source"], item["source_agency"]) == ("marac-listing", "Cleveland MARAC")
    assert (item["match"], item["person_id"], item["candidate"]) == (
        "person",
        "mother",
        "Kelly Ashby",
    )
    assert item["contribution_id"] == receipt["contribution_id"]
    assert item["described"] == KELLY_NAME_ONLY
    for other in ("mc1", "sw1", "tm1", "dsl1", "idva1", "gp1"):
        assert queue(client, tokens, other).status_code == 404, other
        assert decide(client, tokens, item["id"], "confirm", other).status_code == 404, other
    assert [status for _, status, _ in reviews(engine)] == ["pending"]


def test_confirming_a_listed_victim_invites_the_childs_professionals(
    marac: World, engine: sa.Engine
) -> None:
    client, tokens = marac
    list_marac(client, tokens, KELLY_NAME_ONLY)
    [item] = queue(client, tokens).json()
    outcome = decide(client, tokens, item["id"], "confirm").json()
    assert (outcome["status"], outcome["alerts_raised"]) == ("confirmed", 2)
    assert sorted(inbox_kinds(client, tokens, "sw1")) == INVITED
    assert sorted(inbox_kinds(client, tokens, "dsl1")) == INVITED
    assert inbox_kinds(client, tokens, "mc1") == []
    assert decide(client, tokens, item["id"], "reject").status_code == 409
    assert audited(engine, "review-match:confirm") == [
        ("spoc", "match-review", item["id"], "safeguarding-share")
    ]
    assert [who for who, *_ in audited(engine, "raise-alert:marac-linked-child")] == ["spoc"]
    assert audit_tells_nothing(engine)
    again = list_marac(client, tokens, KELLY_NAME_ONLY)  # the same description links at once
    assert again["linked_children"] == 1 and WAITING_FOR_SPOC not in again["message"]
    assert queue(client, tokens).json() == []


def test_a_rejected_victim_is_never_linked_by_a_later_listing(marac: World) -> None:
    client, tokens = marac
    list_marac(client, tokens, KELLY_NAME_ONLY)
    [item] = queue(client, tokens).json()
    assert decide(client, tokens, item["id"], "reject").json()["status"] == "rejected"
    again = list_marac(client, tokens, KELLY_NAME_ONLY)
    assert again["linked_children"] == 0 and WAITING_FOR_SPOC not in again["message"]
    assert queue(client, tokens).json() == []
    assert inbox_kinds(client, tokens, "sw1") == []


def test_a_listed_address_near_a_childs_home_waits_then_links_the_household(
    marac: World, engine: sa.Engine
) -> None:
    client, tokens = marac
    receipt = list_marac(client, tokens, SOMEONE_ON_ACACIA_AVENUE)
    assert receipt["linked_children"] == 0 and receipt["message"].endswith(WAITING_FOR_SPOC)
    [item] = queue(client, tokens).json()
    assert (item["match"], item["address_id"], item["person_id"]) == ("household", "home", None)
    assert item["candidate"] == "12 Acacia Avenue, Stockton-on-Tees, TS18 1AB"
    assert 0.2 <= item["probability"] < 0.95 and item["evidence"]["fields"]
    outcome = decide(client, tokens, item["id"], "confirm").json()
    assert outcome["alerts_raised"] == 1
    [alert] = client.get("/api/alerts", headers=auth(tokens, "sw1")).json()
    assert alert["kind"] == "new-information" and "child's home address" in alert["reason"]
    with engine.connect() as c:
        homes = c.scalars(
            sa.select(ContributionSubjectRow.address_id).where(
                ContributionSubjectRow.contribution_id == receipt["contribution_id"]
            )
        ).all()
    assert sorted(homes, key=str) == [None, "home"]
    list_marac(client, tokens, SOMEONE_ON_ACACIA_AVENUE)  # links the household at once now
    assert queue(client, tokens).json() == []


def test_a_bad_listing_names_the_field_and_writes_nothing(marac: World, engine: sa.Engine) -> None:
    client, tokens = marac
    before = counts(engine)
    bodies = {
        "meeting_date": {
            "victim": KELLY_NAME_ONLY,
            "perpetrator": STRANGER,
            "meeting_date": "soon",
        },
        "victim": {
            "victim": {"sex": "female"},
            "perpetrator": STRANGER,
            "meeting_date": "2021-02-20",
        },
    }
    for field, body in bodies.items():
        response = client.post("/api/marac-listings", json=body, headers=auth(tokens, "mc1"))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"].startswith(field)
    assert counts(engine) == before
