"""Stale possible matches leave the SPOC's queue: withdrawn, with a reason, and audited.

An item goes stale when its description now links by itself (a later share of it, a person
added, an address registered) or its candidate leaves the register; an item still between
the thresholds stays, once.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from fastapi.testclient import TestClient
from review_helpers import (
    KELLY_NAME_ONLY,
    SOMEONE_ON_ACACIA_AVENUE,
    Tokens,
    audit_tells_nothing,
    audited,
    decide,
    queue,
    reviews,
    set_thresholds,
)
from test_sharing_api import auth, inbox_kinds, share, world  # noqa: F401  # world is a fixture

from teamaround.adapters.db.tables import ContributionSubjectRow
from teamaround.clock import FixedClock
from teamaround.services.commands import AddressCreate
from teamaround.services.context import UnitOfWork, load_actor
from teamaround.services.register import do_register_address
from teamaround.services.review_items import Withdrawal, withdraw_reviews_of

World = tuple[TestClient, Tokens]
WHEN = datetime(2021, 2, 2, 19, 12, tzinfo=UTC)
NEW_INFORMATION = ("new-information", "child-o")
LINKED = (Withdrawal.LINKED.value,)
OLIVERS_DOOR = {"given": "Sam", "family": "Other", "address": "12 Acacia Avenue, Stockton"}
"""Nobody on the register; the door of Oliver's home in its town, no postcode (about 99.1%):
waits for a SPOC where only certainty links (100%), links at 95%. A street with no door
(SOMEONE_ON_ACACIA_AVENUE) never links by itself (ADR 0003 point 20)."""


def only_certainty_links(engine: sa.Engine) -> None:
    set_thresholds(engine, link=100)  # as stored, before anything is shared


def shared(subject: dict[str, str]) -> dict[str, object]:
    return {"category": "concern", "summary": "Given at the front desk.", "subjects": [subject]}


def link_above(client: TestClient, tokens: Tokens, percent: int) -> None:
    """A team manager changes the partnership's link threshold."""
    body = {"value": percent}
    url = "/api/settings/match-link-percent"
    client.put(url, json=body, headers=auth(tokens, "tm1")).raise_for_status()


def links(engine: sa.Engine) -> list[tuple[str | None, str | None]]:
    """(person, household) of every stored subject, in the order shared."""
    with engine.connect() as c:
        rows = c.execute(
            sa.select(ContributionSubjectRow.person_id, ContributionSubjectRow.address_id).order_by(
                ContributionSubjectRow.id
            )
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def register_address(engine: sa.Engine) -> None:
    uow = UnitOfWork(engine, FixedClock(WHEN))
    address = AddressCreate(id="leeds", text="3 Park Row, Leeds LS1 5HD")
    do_register_address(uow, actor_id="sw1", address=address)


def test_a_later_share_that_links_the_description_withdraws_the_waiting_item(
    world: World,  # noqa: F811
    engine: sa.Engine,
) -> None:
    client, tokens = world
    only_certainty_links(engine)
    share(client, tokens, "pc1", shared(OLIVERS_DOOR))
    [item] = queue(client, tokens).json()
    set_thresholds(engine, link=95)  # as stored, so that the change itself re-checks nothing
    share(client, tokens, "pc1", shared(OLIVERS_DOOR))  # now links the household
    assert queue(client, tokens).json() == []
    assert reviews(engine) == [(item["id"], "withdrawn", "linked-automatically")]
    assert links(engine) == [(None, "home"), (None, "home")]
    assert inbox_kinds(client, tokens, "sw1") == [NEW_INFORMATION] * 2  # one per share
    assert audited(engine, "withdraw-review:linked-automatically") == [
        ("pc1", "match-review", item["id"], "safeguarding-share")
    ]
    assert audit_tells_nothing(engine)
    assert decide(client, tokens, item["id"], "confirm").status_code == 409


def test_registering_an_address_withdraws_a_household_item_that_now_links(
    world: World,  # noqa: F811
    engine: sa.Engine,
) -> None:
    client, tokens = world
    only_certainty_links(engine)
    share(client, tokens, "pc1", shared(OLIVERS_DOOR))
    [item] = queue(client, tokens).json()
    set_thresholds(engine, link=95)  # as stored, so that the change itself re-checks nothing
    register_address(engine)
    assert queue(client, tokens).json() == []
    assert reviews(engine) == [(item["id"], "withdrawn", "linked-automatically")]
    assert links(engine) == [(None, "home")]
    assert inbox_kinds(client, tokens, "sw1") == inbox_kinds(client, tokens, "dsl1")
    assert inbox_kinds(client, tokens, "sw1") == [NEW_INFORMATION]
    assert [who for who, *_ in audited(engine, "withdraw-review:linked-automatically")] == ["sw1"]


def test_adding_a_person_withdraws_a_person_item_that_now_links(
    world: World,  # noqa: F811
    engine: sa.Engine,
) -> None:
    client, tokens = world
    set_thresholds(engine, review=20)
    share(client, tokens, "pc1", shared(KELLY_NAME_ONLY))
    [item] = queue(client, tokens).json()
    set_thresholds(engine, link=30)  # lower than the API allows, so Kelly by name links
    person = {"id": "someone", "kind": "adult", "given": "Pat", "family": "Quinn"}
    client.post("/api/people", json=person, headers=auth(tokens, "sw1")).raise_for_status()
    assert queue(client, tokens).json() == []
    assert reviews(engine) == [(item["id"], "withdrawn", "linked-automatically")]
    assert links(engine) == [("mother", None)]
    assert inbox_kinds(client, tokens, "sw1") == [NEW_INFORMATION]
    assert [who for who, *_ in audited(engine, "withdraw-review:linked-automatically")] == ["sw1"]


def test_an_item_still_between_the_thresholds_stays_once(
    world: World,  # noqa: F811
    engine: sa.Engine,
) -> None:
    client, tokens = world
    set_thresholds(engine, review=20)
    both = {**shared(KELLY_NAME_ONLY), "subjects": [KELLY_NAME_ONLY, SOMEONE_ON_ACACIA_AVENUE]}
    share(client, tokens, "pc1", both)
    waiting = queue(client, tokens).json()
    assert sorted(i["match"] for i in waiting) == ["household", "person"]
    person = {"id": "someone", "kind": "adult", "given": "Pat", "family": "Quinn"}
    client.post("/api/people", json=person, headers=auth(tokens, "sw1")).raise_for_status()
    register_address(engine)
    assert [i["id"] for i in queue(client, tokens).json()] == [i["id"] for i in waiting]
    assert [status for _, status, _ in reviews(engine)] == ["pending", "pending"]
    assert inbox_kinds(client, tokens, "sw1") == []


def test_a_withdrawn_item_decides_nothing_later(
    world: World,  # noqa: F811
    engine: sa.Engine,
) -> None:
    client, tokens = world
    only_certainty_links(engine)
    share(client, tokens, "pc1", shared(OLIVERS_DOOR))
    link_above(client, tokens, 95)
    register_address(engine)
    link_above(client, tokens, 100)
    share(client, tokens, "pc1", shared(OLIVERS_DOOR))
    [item] = queue(client, tokens).json()  # waits for a SPOC again, as never decided
    # Both items carry the same fixed-clock time, so compare them as a set, not in order.
    assert sorted(status for _, status, _ in reviews(engine)) == ["pending", "withdrawn"]
    assert item["address_id"] == "home"
    assert {i: status for i, status, _ in reviews(engine)}[item["id"]] == "pending"


def test_a_candidate_merged_away_leaves_the_queue(
    world: World,  # noqa: F811
    engine: sa.Engine,
) -> None:
    client, tokens = world
    set_thresholds(engine, review=20)
    share(client, tokens, "pc1", shared(KELLY_NAME_ONLY))
    [item] = queue(client, tokens).json()
    uow = UnitOfWork(engine, FixedClock(WHEN))
    with uow.transaction() as s:
        withdrawn = withdraw_reviews_of(
            s,
            person_id="mother",
            because=Withdrawal.CANDIDATE_MERGED,
            now=WHEN,
            actor=load_actor(s, "sw1"),
        )
    assert withdrawn == [item["id"]]
    assert queue(client, tokens).json() == []
    assert reviews(engine) == [(item["id"], "withdrawn", "candidate-merged")]
    assert audited(engine, "withdraw-review:candidate-merged") == [
        ("sw1", "match-review", item["id"], "safeguarding-share")
    ]


def test_lowering_the_link_threshold_links_what_now_clears_it(
    world: World,  # noqa: F811
    engine: sa.Engine,
) -> None:
    client, tokens = world
    only_certainty_links(engine)
    share(client, tokens, "pc1", shared(OLIVERS_DOOR))
    [item] = queue(client, tokens).json()
    link_above(client, tokens, 95)  # the household item (about 99.1%) now clears it
    assert queue(client, tokens).json() == []
    assert reviews(engine) == [(item["id"], "withdrawn", "linked-automatically")]
    assert links(engine) == [(None, "home")]
    assert inbox_kinds(client, tokens, "sw1") == [NEW_INFORMATION]
    assert [who for who, *_ in audited(engine, "withdraw-review:linked-automatically")] == ["tm1"]
    assert audit_tells_nothing(engine)


def test_a_street_with_no_door_stays_for_review_at_any_link_threshold(
    world: World,  # noqa: F811
    engine: sa.Engine,
) -> None:
    client, tokens = world
    share(client, tokens, "pc1", shared(SOMEONE_ON_ACACIA_AVENUE))  # about 87%
    [item] = queue(client, tokens).json()
    link_above(client, tokens, 80)
    assert [i["id"] for i in queue(client, tokens).json()] == [item["id"]]
    share(client, tokens, "pc1", shared(SOMEONE_ON_ACACIA_AVENUE))
    assert links(engine) == [(None, None), (None, None)]
    assert inbox_kinds(client, tokens, "sw1") == []


def test_raising_the_review_threshold_withdraws_weaker_items(
    world: World,  # noqa: F811
    engine: sa.Engine,
) -> None:
    client, tokens = world
    set_thresholds(engine, review=20)
    both = {**shared(KELLY_NAME_ONLY), "subjects": [KELLY_NAME_ONLY, SOMEONE_ON_ACACIA_AVENUE]}
    share(client, tokens, "pc1", both)
    waiting = {i["match"]: i["id"] for i in queue(client, tokens).json()}
    body = {"value": 60}  # Kelly by name (about 50%) is now too weak to ask a SPOC about
    url = "/api/settings/match-review-percent"
    client.put(url, json=body, headers=auth(tokens, "tm1")).raise_for_status()
    assert [i["id"] for i in queue(client, tokens).json()] == [waiting["household"]]
    assert {i: (status, why) for i, status, why in reviews(engine)} == {
        waiting["person"]: ("withdrawn", "below-review-threshold"),
        waiting["household"]: ("pending", None),
    }
    assert links(engine) == [(None, None), (None, None)]  # nothing linked by withdrawing
    assert inbox_kinds(client, tokens, "sw1") == []
    assert audited(engine, "withdraw-review:below-review-threshold") == [
        ("tm1", "match-review", waiting["person"], "safeguarding-share")
    ]
    assert decide(client, tokens, waiting["person"], "confirm").status_code == 409
