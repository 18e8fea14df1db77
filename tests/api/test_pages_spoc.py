"""The SPOC view: information from agencies outside the core group, for the SPOC's children."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from page_helpers import END, sign_in

from teamaround.adapters.db.tables import AuditRow
from teamaround.clock import FixedClock
from teamaround.services.commands import ShareCreate
from teamaround.services.context import UnitOfWork
from teamaround.services.errors import NotFound
from teamaround.services.sharing import do_share
from teamaround.services.spoc import RESTRICTED, spoc_incoming


def test_the_spoc_sees_what_agencies_outside_the_core_group_shared(story: TestClient) -> None:
    sign_in(story, "spoc")
    page = story.get("/spoc")
    assert page.status_code == 200
    section = page.text.split('id="child-child-o"')[1]
    assert 'href="/children/child-o"' in section
    for agency in ("North East Ambulance Service (111)", "Probation Service, Bedfordshire"):
        assert agency in section, agency
    assert "111 call requesting an emergency supply" in section
    assert "Home visit after a report" not in section  # the social worker's own agency
    assert section.index("111 call requesting") < section.index("split her cheekbone")  # newest


def _name_only(engine: sa.Engine) -> None:
    """A share that names Kelly and nothing else: close, but not enough to link alone."""
    share = ShareCreate(
        category="concern",
        summary="A parent gave this name at the front desk.",
        subjects=[{"name": "Kelly Ashby", "sex": "female"}],
    )
    do_share(UnitOfWork(engine, FixedClock(END)), actor_id="pc1", share=share)


def _kelly(page: str) -> str:
    """The id of the possible match "Is this Kelly Ashby?" on the page (the case replayed
    also leaves a household to decide)."""
    item = re.search(r'id="review-(\w+)">\s*<div[^>]*>\s*<h3[^>]*>Is this Kelly Ashby\?', page)
    assert item
    return item[1]


def test_possible_matches_wait_for_the_spoc_to_decide(fresh: TestClient, engine) -> None:
    _name_only(engine)
    token = sign_in(fresh, "spoc")
    page = fresh.get("/spoc")
    assert "Possible matches waiting for a decision" in page.text
    assert "Is this Kelly Ashby?" in page.text and "Whole name: Kelly Ashby" in page.text
    assert "From" in page.text and "Shared information from Cleveland Police" in page.text
    item = _kelly(page.text)
    forged = fresh.post(f"/spoc/review/{item}", data={"decision": "confirm"})
    assert forged.status_code == 403 and "Is this Kelly Ashby?" in fresh.get("/spoc").text
    done = fresh.post(f"/spoc/review/{item}", data={"decision": "confirm", "csrf_token": token})
    assert done.status_code == 200 and "Match confirmed" in done.text
    assert "Is this Kelly Ashby?" not in done.text
    again = fresh.post(f"/spoc/review/{item}", data={"decision": "reject", "csrf_token": token})
    assert "Already decided" in again.text


def test_only_a_spoc_decides_a_possible_match(fresh: TestClient, engine) -> None:
    _name_only(engine)
    sign_in(fresh, "spoc")
    item = _kelly(fresh.get("/spoc").text)
    token = sign_in(fresh, "sw1")
    refused = fresh.post(f"/spoc/review/{item}", data={"decision": "confirm", "csrf_token": token})
    assert refused.status_code == 404
    sign_in(fresh, "spoc")
    assert "Is this Kelly Ashby?" in fresh.get("/spoc").text


@pytest.mark.parametrize("who", ["sw1", "gp1", "dsl2", "tm1"])
def test_the_spoc_view_is_not_found_for_anyone_else(story: TestClient, who: str) -> None:
    sign_in(story, who)
    page = story.get("/spoc")
    assert page.status_code == 404 and "Oliver" not in page.text


def test_reading_the_spoc_view_is_audited_as_a_safeguarding_share(story, story_engine) -> None:
    sign_in(story, "spoc")
    story.get("/spoc")
    with story_engine.connect() as c:
        rows = c.execute(
            sa.select(AuditRow.action, AuditRow.record_id, AuditRow.purpose).where(
                AuditRow.actor_id == "spoc"
            )
        ).all()
    assert ("read-spoc-incoming", "child-o", "safeguarding-share") in [tuple(r) for r in rows]


def test_restricted_information_is_not_shown_to_the_spoc(
    fresh: TestClient, engine: sa.Engine
) -> None:
    uow = UnitOfWork(engine, FixedClock(END))
    share = ShareCreate(
        category="disclosure",
        summary="Secret detail from an investigation.",
        subjects=[{"given": "Kelly", "family": "Ashby", "dob": "1990-07-14"}],
        restriction="Live police investigation",
    )
    do_share(uow, actor_id="pc1", share=share)
    [oliver] = spoc_incoming(uow, actor_id="spoc")
    newest = oliver.items[0]
    assert newest.summary == RESTRICTED and newest.facts == []
    assert oliver.core_group_agencies == ["Ashgrove Primary School", "Stockton Children's Services"]
    with pytest.raises(NotFound):
        spoc_incoming(uow, actor_id="sw1")
