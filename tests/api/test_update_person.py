"""Correcting a person on the register: the matcher follows at once, in this process and after
a rebuild; refusals name the field and write nothing; the audit names records, not people."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from review_helpers import Tokens, audited, counts
from test_sharing_api import auth, world  # noqa: F401  # world is a fixture

from teamaround.adapters.db.tables import (
    AliasRow,
    AuditRow,
    ContributionSubjectRow,
    PersonAddressRow,
    PersonRow,
)
from teamaround.services import linking

World = tuple[TestClient, Tokens]
MISTYPED = {"id": "dm", "kind": "adult", "given": "Derek", "family": "Smith", "dob": "1985-02-11"}
DEAN = {"given": "Dean", "family": "Marsh", "dob": "11/02/1985"}
DEREK = {"given": "Derek", "family": "Smith", "dob": "11/02/1985"}


def shared_about(client: TestClient, tokens: Tokens, subject: dict[str, str]) -> str | None:
    """Who on the register the subject of a new share was linked to."""
    body = {"category": "concern", "summary": "Seen at the front desk.", "subjects": [subject]}
    response = client.post("/api/shares", json=body, headers=auth(tokens, "pc1"))
    assert response.status_code == 201, response.text
    engine = client.app.state.uow.engine  # type: ignore[attr-defined]
    with engine.connect() as c:
        linked: str | None = c.scalar(
            sa.select(ContributionSubjectRow.person_id).where(
                ContributionSubjectRow.contribution_id == response.json()["contribution_id"]
            )
        )
    return linked


def patch(client: TestClient, tokens: Tokens, person: str, body: Any, who: str = "sw1") -> Any:
    return client.patch(f"/api/people/{person}", json=body, headers=auth(tokens, who))


def cached_matcher(client: TestClient) -> object:
    return linking._CACHE[client.app.state.uow.engine].matcher  # type: ignore[attr-defined]


def test_a_corrected_name_links_at_once_and_after_a_rebuild(world: World) -> None:  # noqa: F811
    client, tokens = world
    client.post("/api/people", json=MISTYPED, headers=auth(tokens, "sw1")).raise_for_status()
    assert shared_about(client, tokens, DEAN) is None
    before = cached_matcher(client)
    response = patch(client, tokens, "dm", {"given": "Dean", "family": "Marsh"})
    assert response.status_code == 200, response.text
    assert shared_about(client, tokens, DEAN) == "dm"
    assert cached_matcher(client) is before  # updated in place, not rebuilt
    assert shared_about(client, tokens, DEREK) is None  # the old name no longer finds him
    linking._CACHE.clear()  # another process, or a restart: built from the database
    assert shared_about(client, tokens, DEAN) == "dm"
    assert shared_about(client, tokens, DEREK) is None


def test_an_alias_and_an_nhs_number_added_are_matched(world: World, engine: sa.Engine) -> None:  # noqa: F811
    client, tokens = world
    client.post("/api/people", json=MISTYPED, headers=auth(tokens, "sw1")).raise_for_status()
    change = {"aliases_add": ["Deano Marsh", "Deano Marsh"], "nhs": "999 000 0018"}
    assert patch(client, tokens, "dm", change).status_code == 200
    with engine.connect() as c:
        aliases = c.scalars(sa.select(AliasRow.name).where(AliasRow.person_id == "dm")).all()
        nhs = c.scalar(sa.select(PersonRow.nhs).where(PersonRow.id == "dm"))
    assert aliases == ["Deano Marsh"] and nhs == "9990000018"
    assert shared_about(client, tokens, {"name": "Deano Marsh", "nhs": "9990000018"}) == "dm"


def test_a_new_address_ends_the_current_one(world: World, engine: sa.Engine) -> None:  # noqa: F811
    client, tokens = world
    assert patch(client, tokens, "mother", {"address": "nan"}).status_code == 200
    with engine.connect() as c:
        lived = c.execute(
            sa.select(PersonAddressRow.address_id, PersonAddressRow.until)
            .where(PersonAddressRow.person_id == "mother")
            .order_by(PersonAddressRow.id)
        ).all()
        home = c.scalar(sa.select(PersonRow.address_id).where(PersonRow.id == "mother"))
    assert [(a, until is not None) for a, until in lived] == [("home", True), ("nan", False)]
    assert home == "nan"


def test_refusals_name_the_field_and_write_nothing(world: World, engine: sa.Engine) -> None:  # noqa: F811
    client, tokens = world
    before = counts(engine)
    refusals = [
        ({}, "body"),
        ({"kind": "child"}, "kind"),
        ({"nhs": "12345"}, "nhs"),
        ({"address": "nowhere"}, "address"),
        ({"school": "police"}, "school"),
        ({"given": "  "}, "given"),
        ({"dob": "yesterday"}, "dob"),
    ]
    for body, field in refusals:
        response = patch(client, tokens, "mother", body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["errors"][0]["field"] == field, body
    assert patch(client, tokens, "nobody", {"given": "Ann"}).status_code == 404
    for outsider in ("pc1", "ch1", "dsl1", "gp1"):
        refused = patch(client, tokens, "mother", {"given": "Ann"}, who=outsider)
        assert refused.status_code == 404, outsider
    assert counts(engine) == before


def test_a_correction_against_an_older_version_is_refused(world: World, engine: sa.Engine) -> None:  # noqa: F811
    client, tokens = world
    first = patch(client, tokens, "mother", {"family": "Marsh-Ashby", "version": 1})
    assert first.status_code == 200 and first.json()["version"] == 2
    before = counts(engine)
    stale = patch(client, tokens, "mother", {"phone": "07700 900555", "version": 1})
    assert stale.status_code == 409 and "changed since" in stale.json()["detail"]
    assert counts(engine) == before
    with engine.connect() as c:
        row = c.execute(sa.select(PersonRow.family, PersonRow.phone, PersonRow.version)
                        .where(PersonRow.id == "mother")).one()  # fmt: skip
    assert row.family == "Marsh-Ashby" and row.phone != "07700 900555" and row.version == 2
    assert patch(client, tokens, "mother", {"version": 2}).status_code == 422  # no change
    latest = patch(client, tokens, "mother", {"phone": "07700 900555", "version": 2})
    assert latest.status_code == 200 and latest.json()["version"] == 3
    assert patch(client, tokens, "mother", {"given": "Kel"}).json()["version"] == 4  # unchecked


def test_the_audit_names_the_record_never_the_values(world: World, engine: sa.Engine) -> None:  # noqa: F811
    client, tokens = world
    assert patch(client, tokens, "mother", {"family": "Marsh-Ashby"}).status_code == 200
    assert audited(engine, "update-person") == [("sw1", "person", "mother", "case-management")]
    with engine.connect() as c:
        text = str(c.execute(sa.select(AuditRow)).all())
    assert "Marsh-Ashby" not in text and "Kelly" not in text
