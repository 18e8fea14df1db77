"""Merging two records of one person: the duplicate leaves the register and the matcher,
everything naming it moves to the survivor, and the rules run again over what was shared
about it, so a health contact by the duplicate adult who must not see a child now alerts."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from review_helpers import Tokens, audited, counts, decide, queue, reviews, set_thresholds
from test_sharing_api import auth, inbox_kinds, world  # noqa: F401  # world is a fixture
from test_update_person import shared_about

from teamaround.adapters.db.tables import (
    AliasRow,
    AuditRow,
    Base,
    ConditionRow,
    ContributionSubjectRow,
    PersonRow,
    RelationshipRow,
)
from teamaround.clock import FixedClock
from teamaround.domain.identity import Identity
from teamaround.services import linking
from teamaround.services.context import UnitOfWork
from teamaround.services.merging import FOLDS, KEPT_ON_DUPLICATE

World = tuple[TestClient, Tokens]
DEAN = {"id": "dm", "kind": "adult", "given": "Dean", "family": "Marsh", "dob": "1985-02-11"}
DEANO = {"id": "deano", "kind": "adult", "given": "Deano", "family": "Marsh", "nhs": "9990000018"}
HEALTH_CONTACT = {
    "category": "health-contact",
    "summary": "111 call for medication.",
    "subjects": [
        {"name": "Deano Marsh", "nhs": "9990000018", "address": "12 acacia ave stockton ts181ab"}
    ],
}
URGENT = ("risk-adult-at-child-address", "child-o")


def post(client: TestClient, tokens: Tokens, url: str, body: Any, who: str = "sw1") -> Any:
    return client.post(url, json=body, headers=auth(tokens, who))


def merge(client: TestClient, tokens: Tokens, duplicate: str, into: str, who: str = "sw1") -> Any:
    return post(client, tokens, f"/api/people/{duplicate}/merge", {"into": into}, who)


def dean_twice(client: TestClient, tokens: Tokens, contact: str = "prohibited") -> None:
    """Dean Marsh, who must not see Oliver (on a plan), entered again as Deano."""
    for person in (DEAN, DEANO):
        post(client, tokens, "/api/people", person).raise_for_status()
    relationship = {"child": "child-o", "adult": "dm", "kind": "parents-partner"}
    post(client, tokens, "/api/relationships", {**relationship, "contact": contact, "risk": "A"})
    plan = {"child": "child-o", "plan": "child-protection", "category": "neglect", "lead": "sw1"}
    post(client, tokens, "/api/plans", plan).raise_for_status()


def rows_naming(engine: sa.Engine, person_id: str) -> dict[str, int]:
    """For every foreign key to people.id, the rows that name this person."""
    found = {}
    with engine.connect() as c:
        for key, column in _person_columns().items():
            where = column == person_id
            if key in KEPT_ON_DUPLICATE:
                where = sa.and_(where, sa.not_(KEPT_ON_DUPLICATE[key]))
            count = c.scalar(sa.select(sa.func.count()).select_from(column.table).where(where))
            if count:
                found[key] = count
    return found


def _person_columns() -> dict[str, sa.Column[Any]]:
    return {
        f"{table.name}.{fk.parent.name}": fk.parent
        for table in Base.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == "people"
    }


def test_every_foreign_key_to_people_is_handled_by_merge() -> None:
    assert set(_person_columns()) - set(FOLDS) == set(), "add these to merging.FOLDS"
    assert set(FOLDS) - set(_person_columns()) == set()


def test_the_migrations_make_the_tables_the_code_declares(engine: sa.Engine) -> None:
    with engine.connect() as c:
        assert compare_metadata(MigrationContext.configure(c), Base.metadata) == []


def test_a_health_contact_by_the_duplicate_now_raises_the_survivors_alert(
    world: World,  # noqa: F811
    engine: sa.Engine,
) -> None:
    client, tokens = world
    dean_twice(client, tokens)
    bail = {"person": "deano", "conditions": [{"kind": "bail", "detail": "Curfew"}]}
    post(client, tokens, "/api/conditions", bail).raise_for_status()
    post(client, tokens, "/api/shares", HEALTH_CONTACT, who="ch1").raise_for_status()
    assert URGENT not in inbox_kinds(client, tokens, "sw1")
    with engine.connect() as c:
        assert c.scalar(sa.select(ContributionSubjectRow.person_id)) == "deano"

    response = merge(client, tokens, "deano", "dm")
    assert response.status_code == 200, response.text
    assert URGENT in inbox_kinds(client, tokens, "sw1")
    assert URGENT in inbox_kinds(client, tokens, "spoc")
    assert rows_naming(engine, "deano") == {}
    with engine.connect() as c:
        dm = c.execute(sa.select(PersonRow).where(PersonRow.id == "dm")).one()
        deano = c.execute(sa.select(PersonRow).where(PersonRow.id == "deano")).one()
        aliases = c.scalars(sa.select(AliasRow.name).where(AliasRow.person_id == "dm")).all()
        conditions = c.scalars(sa.select(ConditionRow.person_id)).all()
    assert (dm.given, dm.nhs, str(dm.dob)) == ("Dean", "9990000018", "1985-02-11")
    assert deano.merged_into == "dm"
    assert aliases == ["Deano Marsh"] and conditions == ["dm"]
    # merging again changes nothing: the duplicate is off the register
    alerts = inbox_kinds(client, tokens, "sw1")
    assert merge(client, tokens, "deano", "dm").status_code == 404
    assert inbox_kinds(client, tokens, "sw1") == alerts


def test_the_duplicate_is_never_a_candidate_again(world: World, engine: sa.Engine) -> None:  # noqa: F811
    client, tokens = world
    dean_twice(client, tokens)
    assert shared_about(client, tokens, {"name": "Deano Marsh", "nhs": "9990000018"}) == "deano"
    assert merge(client, tokens, "deano", "dm").status_code == 200
    assert shared_about(client, tokens, {"name": "Deano Marsh", "nhs": "9990000018"}) == "dm"
    described = Identity(name="Deano Marsh", nhs="9990000018")
    cached = linking._CACHE[client.app.state.uow.engine].matcher  # type: ignore[attr-defined]
    uow = UnitOfWork(engine, FixedClock(client.app.state.uow.clock.now()))  # type: ignore[attr-defined]
    with uow.transaction() as s:
        rebuilt = linking.build_matcher(s, uow.clock.now().date())
    for matcher in (cached, rebuilt):
        found = [m.person_id for m in matcher.match_person(described, floor=0.0)]
        assert "deano" not in found and "dm" in found
    bail = {"person": "deano", "conditions": [{"kind": "bail", "detail": "Curfew"}]}
    relate = {"child": "child-o", "adult": "deano", "kind": "other"}
    for url, body in (("/api/relationships", relate), ("/api/conditions", bail)):
        assert post(client, tokens, url, body).status_code == 422, url
    corrected = client.patch("/api/people/deano", json={"given": "D"}, headers=auth(tokens, "sw1"))
    assert corrected.status_code == 404
    # a correction of the survivor made against it as it was before the merge is refused
    stale = {"given": "Dean", "version": 1}
    refused = client.patch("/api/people/dm", json=stale, headers=auth(tokens, "sw1"))
    assert refused.status_code == 409


def test_a_relationship_on_both_keeps_the_stricter_rule(world: World, engine: sa.Engine) -> None:  # noqa: F811
    client, tokens = world
    dean_twice(client, tokens, contact="permitted")
    duplicate = {"child": "child-o", "adult": "deano", "kind": "parents-partner"}
    stricter = {"contact": "prohibited", "lives_with": True, "risk": "B"}
    post(client, tokens, "/api/relationships", {**duplicate, **stricter}).raise_for_status()
    assert merge(client, tokens, "deano", "dm").status_code == 200
    with engine.connect() as c:
        kept = c.execute(
            sa.select(RelationshipRow).where(RelationshipRow.adult_id.in_(("dm", "deano")))
        ).all()
    assert [(r.adult_id, r.contact, r.lives_with, r.risk) for r in kept] == [
        ("dm", "prohibited", True, "A\n\nB")
    ]
    child = client.get("/api/children/child-o", headers=auth(tokens, "sw1")).json()
    assert "deano" not in str(child)


def test_a_pending_review_of_the_duplicate_is_withdrawn(world: World, engine: sa.Engine) -> None:  # noqa: F811
    client, tokens = world
    dean_twice(client, tokens)
    set_thresholds(engine, review=20)
    shared_about(client, tokens, {"given": "Deano", "family": "Marsh", "sex": "M"})
    [item] = queue(client, tokens).json()
    assert item["person_id"] == "deano"
    assert merge(client, tokens, "deano", "dm").status_code == 200
    statuses = {i: (status, why) for i, status, why in reviews(engine)}
    assert statuses[item["id"]] == ("withdrawn", "candidate-merged")
    assert all(i["person_id"] == "dm" for i in queue(client, tokens).json())
    assert audited(engine, "withdraw-review:candidate-merged") == [
        ("sw1", "match-review", item["id"], "safeguarding-share")
    ]


def test_a_rejected_pair_stays_rejected_for_the_survivor(world: World, engine: sa.Engine) -> None:  # noqa: F811
    client, tokens = world
    dean_twice(client, tokens)
    set_thresholds(engine, review=20)
    someone_else = {"given": "Deano", "family": "Marsh", "sex": "M"}
    shared_about(client, tokens, someone_else)
    [item] = queue(client, tokens).json()
    assert decide(client, tokens, item["id"], "reject").status_code == 200
    assert merge(client, tokens, "deano", "dm").status_code == 200
    set_thresholds(engine, link=30)  # low enough that the alias alone would link him
    assert shared_about(client, tokens, someone_else) is None
    assert queue(client, tokens).json() == []
    assert URGENT not in inbox_kinds(client, tokens, "sw1")


def test_a_confirmed_pair_still_links_to_the_survivor(world: World, engine: sa.Engine) -> None:  # noqa: F811
    client, tokens = world
    dean_twice(client, tokens)
    set_thresholds(engine, review=20)
    him = {"given": "Deano", "family": "Marsh", "sex": "M"}
    shared_about(client, tokens, him)
    [item] = queue(client, tokens).json()
    assert decide(client, tokens, item["id"], "confirm").status_code == 200
    assert merge(client, tokens, "deano", "dm").status_code == 200
    assert shared_about(client, tokens, him) == "dm"


@pytest.mark.parametrize(
    ("duplicate", "into", "status", "field"),
    [
        ("other", "dm", 409, "dob"),  # another date of birth
        ("nhs-other", "deano", 409, "nhs"),  # another NHS number
        ("mother", "child-o", 422, "into"),  # an adult and a child
        ("dm", "dm", 422, "into"),  # themselves
        ("dm", "nobody", 422, "into"),
        ("nobody", "dm", 404, None),
        ("child-2", "child-o", 409, "plans"),  # both children have an open plan
    ],
)
def test_refusals_write_nothing(
    world: World,  # noqa: F811
    engine: sa.Engine,
    duplicate: str,
    into: str,
    status: int,
    field: str | None,
) -> None:
    client, tokens = world
    dean_twice(client, tokens)
    others = [
        {**DEAN, "id": "other", "dob": "1985-02-12"},
        {**DEANO, "id": "nhs-other", "nhs": "9991590838"},
        {"id": "child-2", "kind": "child", "given": "Olly", "family": "Ashby"},
    ]
    for person in others:
        post(client, tokens, "/api/people", person).raise_for_status()
    post(client, tokens, "/api/plans", {"child": "child-2", "plan": "child-in-need"})
    before = counts(engine)
    response = merge(client, tokens, duplicate, into)
    assert response.status_code == status, response.text
    if status == 422:
        assert response.json()["errors"][0]["field"] == field
    elif field is not None:
        assert response.json()["detail"].startswith(f"{field}:")
    assert counts(engine) == before


def test_merged_already_and_outsiders_are_not_found(world: World, engine: sa.Engine) -> None:  # noqa: F811
    client, tokens = world
    dean_twice(client, tokens)
    for outsider in ("pc1", "ch1", "dsl1", "gp1", "om1"):
        assert merge(client, tokens, "deano", "dm", who=outsider).status_code == 404, outsider
    assert merge(client, tokens, "deano", "dm").status_code == 200
    assert merge(client, tokens, "deano", "dm").status_code == 404
    refused = merge(client, tokens, "mother", "deano")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "into"


def test_the_audit_names_records_never_people(world: World, engine: sa.Engine) -> None:  # noqa: F811
    client, tokens = world
    dean_twice(client, tokens)
    assert merge(client, tokens, "deano", "dm").status_code == 200
    assert audited(engine, "merge-person") == [
        ("sw1", "person", "deano", "case-management"),
        ("sw1", "person", "dm", "case-management"),
    ]
    with engine.connect() as c:
        text = str(c.execute(sa.select(AuditRow)).all())
    assert "Marsh" not in text and "Dean" not in text and "9990000018" not in text


def test_the_childs_trail_keeps_what_was_done_with_its_duplicate(
    world: World,  # noqa: F811
) -> None:
    """A child entered twice: the corrections and the merge of the duplicate stay in the
    child's audit trail, under the record they were done to."""
    client, tokens = world
    oli = {"id": "oli", "kind": "child", "given": "Oli", "family": "Hale"}
    post(client, tokens, "/api/people", oli).raise_for_status()
    patched = client.patch("/api/people/oli", json={"sex": "M"}, headers=auth(tokens, "sw1"))
    patched.raise_for_status()
    before = client.get("/api/children/child-o/audit", headers=auth(tokens, "sw1")).json()
    assert not {e["record"] for e in before} & {"person oli"}
    assert merge(client, tokens, "oli", "child-o").status_code == 200
    trail = client.get("/api/children/child-o/audit", headers=auth(tokens, "sw1")).json()
    done = {(e["action"], e["record"]) for e in trail}
    assert {
        ("add-person", "person oli"),
        ("update-person", "person oli"),
        ("merge-person", "person oli"),
        ("merge-person", "person child-o"),
    } <= done
