"""The SPOC's review queue through the API: only a SPOC sees it; decisions govern later shares."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from test_sharing_api import auth, inbox_kinds, share, world  # noqa: F401  # world is a fixture

from teamaround.adapters.db.tables import ContributionSubjectRow, PartnershipSettingRow

NAME_ONLY = {
    "category": "concern",
    "summary": "A parent gave this name at the front desk.",
    "subjects": [{"name": "Kelly Ashby", "sex": "female"}],
}


def _queue(client, tokens, who: str = "spoc"):  # type: ignore[no-untyped-def]
    return client.get("/api/review", headers=auth(tokens, who))


def _decide(client, tokens, item: str, decision: str, who: str = "spoc"):  # type: ignore[no-untyped-def]
    body = {"decision": decision}
    return client.post(f"/api/review/{item}/decision", json=body, headers=auth(tokens, who))


def test_only_a_spoc_sees_or_decides_the_queue(world) -> None:  # noqa: F811
    client, tokens = world
    share(client, tokens, "pc1", NAME_ONLY)
    items = _queue(client, tokens).json()
    assert [(i["person_id"], i["described"]) for i in items] == [
        ("mother", NAME_ONLY["subjects"][0])
    ]
    assert 0.5 <= items[0]["probability"] < 0.95
    assert items[0]["evidence"]["fields"]
    for other in ("sw1", "tm1", "pc1", "dsl1"):
        assert _queue(client, tokens, other).status_code == 404
        assert _decide(client, tokens, items[0]["id"], "confirm", other).status_code == 404
    assert _decide(client, tokens, "no-such-item", "confirm").status_code == 404


def test_a_rejected_pair_never_links_or_alerts_again(world) -> None:  # noqa: F811
    client, tokens = world
    share(client, tokens, "pc1", NAME_ONLY)
    assert inbox_kinds(client, tokens, "sw1") == []
    item = _queue(client, tokens).json()[0]
    assert _decide(client, tokens, item["id"], "reject").json()["status"] == "rejected"
    assert _decide(client, tokens, item["id"], "confirm").status_code == 409
    share(client, tokens, "pc1", NAME_ONLY)
    assert inbox_kinds(client, tokens, "sw1") == []
    assert _queue(client, tokens).json() == []


def test_a_confirmed_pair_links_and_raises_the_alerts_then(world, engine: sa.Engine) -> None:  # noqa: F811
    client, tokens = world
    share(client, tokens, "pc1", NAME_ONLY)
    item = _queue(client, tokens).json()[0]
    outcome = _decide(client, tokens, item["id"], "confirm").json()
    assert outcome["status"] == "confirmed"
    assert outcome["alerts_raised"] >= 1
    assert inbox_kinds(client, tokens, "sw1") == [("new-information", "child-o")]
    assert inbox_kinds(client, tokens, "dsl1") == [("new-information", "child-o")]
    share(client, tokens, "pc1", NAME_ONLY)  # the same description now links at once
    assert inbox_kinds(client, tokens, "sw1") == [("new-information", "child-o")] * 2
    assert _queue(client, tokens).json() == []
    with engine.connect() as c:
        linked = c.scalars(sa.select(ContributionSubjectRow.person_id)).all()
    assert linked == ["mother", "mother"]


def test_thresholds_are_the_partnerships_to_set(world, engine: sa.Engine) -> None:  # noqa: F811
    client, tokens = world
    with engine.begin() as c:
        c.execute(
            sa.insert(PartnershipSettingRow),
            [
                {
                    "key": "match-link-percent",
                    "value": "50",
                    "changed_by": "system",
                    "changed_at": datetime(2021, 1, 1, tzinfo=UTC),
                }
            ],
        )
    share(client, tokens, "pc1", NAME_ONLY)
    assert inbox_kinds(client, tokens, "sw1") == [("new-information", "child-o")]
    assert _queue(client, tokens).json() == []
