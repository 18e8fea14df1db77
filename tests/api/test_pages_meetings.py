"""Meetings through the pages: record one, a conference sets the core group, change the group."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from page_helpers import sign_in

from teamaround.adapters.db.tables import CoreGroupMemberRow, MeetingRow

URL = "/children/child-o/meetings"


def _rows(engine: sa.Engine) -> tuple[int, ...]:
    with engine.connect() as c:
        return tuple(
            c.scalar(sa.select(sa.func.count()).select_from(t)) or 0
            for t in (MeetingRow, CoreGroupMemberRow)
        )


def _members(engine: sa.Engine) -> set[str]:
    with engine.connect() as c:
        query = sa.select(CoreGroupMemberRow.professional_id).where(
            CoreGroupMemberRow.child_id == "child-o"
        )
        return set(c.scalars(query))


def _links(text: str) -> list[str]:
    return [x for x in re.findall(r'<a href="#([\w-]+)"', text) if x != "main-content"]


@pytest.mark.parametrize("who", ["sw1", "dsl1"])
def test_a_role_on_the_case_sees_the_core_group_and_the_forms(story: TestClient, who) -> None:
    sign_in(story, who)
    page = story.get(URL)
    assert page.status_code == 200
    assert "Meetings and core group" in page.text and "Helen Carr" in page.text
    assert "Record the meeting" in page.text and "Change the core group" in page.text


@pytest.mark.parametrize("outsider", ["ch1", "gp1", "dsl2"])
def test_outsiders_get_page_not_found_and_write_nothing(story, story_engine, outsider) -> None:
    token = sign_in(story, outsider)
    before = _rows(story_engine)
    assert story.get(URL).status_code == 404
    data = {"type": "strategy", "add": "gp1", "csrf_token": token}
    for path in (URL, "/children/child-o/core-group"):
        page = story.post(path, data=data)
        assert page.status_code == 404 and "Oliver" not in page.text
    assert _rows(story_engine) == before


@pytest.mark.parametrize("path", [URL, "/children/child-o/core-group"])
def test_meeting_forms_without_the_token_are_refused(story, story_engine, path) -> None:
    sign_in(story, "sw1")
    before = _rows(story_engine)
    page = story.post(path, data={"type": "strategy", "add": "gp1", "csrf_token": "forged"})
    assert page.status_code == 403
    assert _rows(story_engine) == before


def test_a_meeting_without_its_kind_is_an_error(story, story_engine) -> None:
    token = sign_in(story, "sw1")
    before = _rows(story_engine)
    data = {"attendees": "sw1", "decisions": "Keep the plan", "csrf_token": token}
    page = story.post(URL, data=data)
    assert page.status_code == 400 and "govuk-error-summary" in page.text
    assert _links(page.text) == ["type"] and "Keep the plan" in page.text
    assert _rows(story_engine) == before


def test_only_a_conference_sets_the_core_group(story, story_engine) -> None:
    token = sign_in(story, "sw1")
    before = _rows(story_engine)
    data = {"type": "strategy", "core_group": "gp1", "csrf_token": token}
    page = story.post(URL, data=data)
    assert page.status_code == 400 and _links(page.text) == ["core_group"]
    assert "Only a conference" in page.text
    assert _rows(story_engine) == before


def test_changing_nothing_or_removing_a_non_member_is_an_error(story, story_engine) -> None:
    token = sign_in(story, "sw1")
    before = _rows(story_engine)
    page = story.post("/children/child-o/core-group", data={"csrf_token": token})
    assert page.status_code == 400 and _links(page.text) == ["add"]
    page = story.post("/children/child-o/core-group", data={"remove": "gp1", "csrf_token": token})
    assert page.status_code == 400 and _links(page.text) == ["remove"]
    assert _rows(story_engine) == before


def test_a_conference_sets_the_core_group_and_it_can_change(fresh, engine) -> None:
    token = sign_in(fresh, "sw1")
    data = {
        "type": "rcpc",
        "attendees": ["sw1", "dsl1"],
        "core_group": ["sw1", "dsl1", "pc1"],
        "decisions": "Plan continues\nPolice join the core group",
        "csrf_token": token,
    }
    held = fresh.post(URL, data=data)
    assert held.status_code == 200 and "Meeting recorded" in held.text
    assert _members(engine) == {"sw1", "dsl1", "pc1"}
    change = {"add": "om1", "remove": "pc1", "csrf_token": token}
    changed = fresh.post("/children/child-o/core-group", data=change)
    assert changed.status_code == 200 and "Core group changed" in changed.text
    assert _members(engine) == {"sw1", "dsl1", "om1"}


def test_a_child_id_that_cannot_be_one_is_page_not_found(story, story_engine) -> None:
    token = sign_in(story, "sw1")
    before = _rows(story_engine)
    page = story.post(f"/children/{'x' * 80}/meetings", data={"type": "icpc", "csrf_token": token})
    assert page.status_code == 404
    assert _rows(story_engine) == before
