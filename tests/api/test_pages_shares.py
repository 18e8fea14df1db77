"""The share form's optional sex of each person: kept as typed, sent as the agency has it."""

from __future__ import annotations

import re

import sqlalchemy as sa
from fastapi.testclient import TestClient
from page_helpers import sign_in, written

from teamaround.adapters.db.tables import ContributionSubjectRow

SHARE = {
    "category": "concern",
    "summary": "Neighbour reports shouting.",
    "subjects-0-given": "Kelly",
    "subjects-0-family": "Ashby",
    "subjects-0-sex": "Female",
}


def test_each_person_has_an_optional_sex_field(story: TestClient) -> None:
    sign_in(story, "gp1")
    page = story.get("/share")
    assert 'id="subjects-0-sex"' in page.text and "for example F or Male" in page.text
    assert 'id="sex"' not in story.get("/lookup").text  # the lookup does not ask


def test_the_sex_is_kept_when_another_person_is_added(story, story_engine) -> None:
    token = sign_in(story, "gp1")
    before = written(story_engine)
    page = story.post("/share", data={**SHARE, "action": "add-person", "csrf_token": token})
    assert page.status_code == 200 and 'id="subjects-1-sex"' in page.text
    assert re.search(r'name="subjects-0-sex" [^>]*value="Female"', page.text)
    assert written(story_engine) == before


def test_a_sex_too_long_is_an_error_against_it_and_nothing_is_sent(story, story_engine) -> None:
    token = sign_in(story, "gp1")
    before = written(story_engine)
    data = {**SHARE, "subjects-0-sex": "x" * 201, "csrf_token": token}
    page = story.post("/share", data=data)
    assert page.status_code == 400 and 'href="#subjects-0-sex"' in page.text
    assert "Sex for person 1 is too long" in page.text
    assert written(story_engine) == before


def test_the_sex_is_sent_as_typed(fresh: TestClient, engine: sa.Engine) -> None:
    token = sign_in(fresh, "gp1")
    page = fresh.post("/share", data={**SHARE, "csrf_token": token})
    assert page.status_code == 200 and page.url.path == "/share/sent"
    with engine.connect() as c:
        described = c.scalars(sa.select(ContributionSubjectRow.described)).all()
    assert any(d.get("sex") == "Female" for d in described)
