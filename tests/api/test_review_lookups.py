"""Flag lookups close to a flagged person: "possible match, contact the SPOC", and the pair
waits in the SPOC's queue; confirmed, later lookups are flagged; rejected, they are not."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from page_helpers import END, sign_in
from review_helpers import (
    KELLY_NAME_ONLY,
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
from test_sharing_api import auth, world  # noqa: F401  # world is a fixture

from teamaround.clock import FixedClock
from teamaround.domain.identity import Identity
from teamaround.services.commands import LookupRequest
from teamaround.services.context import UnitOfWork
from teamaround.services.linking import link_identity
from teamaround.services.lookups import do_lookup

World = tuple[TestClient, Tokens]


@pytest.fixture
def lookups(world: World, engine: sa.Engine) -> World:  # noqa: F811
    set_thresholds(engine, review=20)  # Kelly by name alone sits well inside the band
    return world


def look_up(client: TestClient, tokens: Tokens, who: str, subject: dict[str, str]) -> Any:
    response = client.post("/api/lookups", json={"subject": subject}, headers=auth(tokens, who))
    assert response.status_code == 200, response.text
    return response.json()


def test_a_possible_match_says_contact_the_spoc_and_nothing_of_anyone(
    lookups: World, engine: sa.Engine
) -> None:
    client, tokens = lookups
    answer = look_up(client, tokens, "gp1", KELLY_NAME_ONLY)
    assert (answer["flagged"], answer["possible_match"], answer["contact"]) == (False, True, "spoc")
    assert answer["message"].startswith("Possible match")
    assert answer["contacts"] and {c["role"] for c in answer["contacts"]} == {"spoc"}
    assert not (answer["discloses_child"] or answer["flags"] or answer["children"])
    assert names_nobody(answer)
    [item] = queue(client, tokens).json()
    assert (item["source"], item["source_agency"]) == (
        "flag-lookup",
        "Wellington Road Surgery, Luton",
    )
    assert (item["person_id"], item["contribution_id"], item["described"]) == (
        "mother",
        None,
        KELLY_NAME_ONLY,
    )
    for other in ("gp1", "ch1", "sw1", "dsl1"):
        assert queue(client, tokens, other).status_code == 404, other
        assert decide(client, tokens, item["id"], "reject", other).status_code == 404, other
    assert [who for who, *_ in audited(engine, "flag-lookup")] == ["gp1"]
    assert audit_tells_nothing(engine)


def test_once_confirmed_later_lookups_are_flagged(lookups: World, engine: sa.Engine) -> None:
    client, tokens = lookups
    look_up(client, tokens, "gp1", KELLY_NAME_ONLY)
    [item] = queue(client, tokens).json()
    outcome = decide(client, tokens, item["id"], "confirm").json()
    assert (outcome["status"], outcome["alerts_raised"]) == ("confirmed", 0)
    answer = look_up(client, tokens, "ch1", KELLY_NAME_ONLY)
    assert (answer["flagged"], answer["possible_match"], answer["discloses_child"]) == (
        True,
        False,
        False,
    )
    assert names_nobody({k: v for k, v in answer.items() if k != "contacts"})
    assert queue(client, tokens).json() == []
    seen = client.get("/api/children/child-o/lookups", headers=auth(tokens, "sw1")).json()
    assert sorted((r["professional"], r["about"]) for r in seen) == [  # one clock: no order
        ("111 call handler", "Kelly Ashby"),
        ("Dr Anne Fry", "Kelly Ashby"),  # the first lookup, now known to be about her
    ]
    assert audited(engine, "review-match:confirm") == [
        ("spoc", "match-review", item["id"], "safeguarding-share")
    ]


def test_once_rejected_later_lookups_are_not_flagged(lookups: World) -> None:
    client, tokens = lookups
    look_up(client, tokens, "gp1", KELLY_NAME_ONLY)
    [item] = queue(client, tokens).json()
    assert decide(client, tokens, item["id"], "reject").json()["status"] == "rejected"
    answer = look_up(client, tokens, "gp1", KELLY_NAME_ONLY)
    assert (answer["flagged"], answer["possible_match"]) == (False, False)
    assert answer["message"] == "No flag found for the details given."
    assert queue(client, tokens).json() == []


def test_the_same_pair_waits_once_however_often_it_is_looked_up(
    lookups: World, engine: sa.Engine
) -> None:
    client, tokens = lookups
    for who in ("gp1", "gp1", "ch1"):
        assert look_up(client, tokens, who, KELLY_NAME_ONLY)["possible_match"] is True
    assert len(queue(client, tokens).json()) == 1
    assert len(reviews(engine)) == 1


def test_someone_close_who_would_not_be_flagged_is_no_flag_and_no_work(
    lookups: World, engine: sa.Engine
) -> None:
    client, tokens = lookups
    brenda = {"id": "brenda", "kind": "adult", "given": "Brenda", "family": "Quayle", "sex": "F"}
    client.post("/api/people", json=brenda, headers=auth(tokens, "sw1")).raise_for_status()
    described = {"name": "Brenda Quayle", "sex": "female"}
    uow = UnitOfWork(engine, FixedClock(datetime(2021, 2, 2, tzinfo=UTC)))
    with uow.transaction() as s:  # she is close enough to review, not to link
        link = link_identity(s, Identity(**described), uow.clock.now())
        assert link.person is None and [c.person_id for c in link.candidates] == ["brenda"]
    answer = look_up(client, tokens, "gp1", described)
    assert (answer["flagged"], answer["possible_match"]) == (False, False)
    assert queue(client, tokens).json() == []


def test_a_bad_lookup_names_the_field_and_writes_nothing(lookups: World, engine: sa.Engine) -> None:
    client, tokens = lookups
    before = counts(engine)
    for subject in ({"dob": "1990-07-14"}, {**KELLY_NAME_ONLY, "colour": "red"}):
        response = client.post(
            "/api/lookups", json={"subject": subject}, headers=auth(tokens, "gp1")
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"].startswith("subject")
    assert counts(engine) == before


def test_a_bad_decision_names_the_field_and_writes_nothing(
    lookups: World, engine: sa.Engine
) -> None:
    client, tokens = lookups
    look_up(client, tokens, "gp1", KELLY_NAME_ONLY)
    [item] = queue(client, tokens).json()
    before = counts(engine)
    response = decide(client, tokens, item["id"], "maybe")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "decision"
    assert counts(engine) == before
    assert [status for _, status, _ in reviews(engine)] == ["pending"]


def test_the_spoc_page_shows_who_looked_up_and_whom_it_may_be(
    fresh: TestClient, engine: sa.Engine
) -> None:
    set_thresholds(engine, review=20)
    uow = UnitOfWork(engine, FixedClock(END))
    request = LookupRequest.model_validate({"subject": KELLY_NAME_ONLY})
    assert do_lookup(uow, actor_id="ch1", request=request).possible_match
    sign_in(fresh, "spoc")
    page = fresh.get("/spoc").text
    card = re.search(r"Is this Kelly Ashby\?.*?</form>", page, re.S)
    assert card and "Flag lookup from North East Ambulance Service (111)" in card[0]
