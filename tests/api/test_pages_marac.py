"""Listing a case for MARAC through the pages: how many children are linked, never which."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from page_helpers import sign_in, written

LISTING = {
    "victim-given": "Kelly",
    "victim-family": "Ashby",
    "victim-dob": "14/07/1990",
    "victim-sex": "F",
    "victim-address": "12 Acacia Avenue, TS18 1AB",
    "perpetrator-name": "MARSH, Dean",
    "perpetrator-dob": "11/02/1985",
    "meeting_date-day": "9",
    "meeting_date-month": "3",
    "meeting_date-year": "2021",
}


def _links(text: str) -> list[str]:
    return [x for x in re.findall(r'<a href="#([\w-]+)"', text) if x != "main-content"]


def test_the_form_is_for_marac_coordinators(story: TestClient) -> None:
    sign_in(story, "mc1")
    page = story.get("/marac")
    assert page.status_code == 200 and "List a case for MARAC" in page.text
    assert 'id="victim-sex"' in page.text and 'id="perpetrator-given"' in page.text


@pytest.mark.parametrize("outsider", ["sw1", "idva1", "dsl2"])
def test_anyone_else_gets_page_not_found_and_nothing_is_written(
    story, story_engine, outsider
) -> None:
    token = sign_in(story, outsider)
    before = written(story_engine)
    assert story.get("/marac").status_code == 404
    page = story.post("/marac", data={**LISTING, "csrf_token": token})
    assert page.status_code == 404 and "Page not found" in page.text
    assert story.get("/marac/listed").status_code == 404
    assert written(story_engine) == before


def test_the_form_without_the_token_is_refused(story, story_engine) -> None:
    sign_in(story, "mc1")
    before = written(story_engine)
    page = story.post("/marac", data={**LISTING, "csrf_token": "forged"})
    assert page.status_code == 403
    assert written(story_engine) == before


def test_an_empty_listing_shows_every_problem_in_order(story, story_engine) -> None:
    token = sign_in(story, "mc1")
    before = written(story_engine)
    page = story.post("/marac", data={"csrf_token": token})
    assert page.status_code == 400 and "govuk-error-summary" in page.text
    assert _links(page.text) == ["victim-given", "perpetrator-given", "meeting_date-day"]
    assert "whole name for the perpetrator" in page.text
    assert written(story_engine) == before


def test_a_date_that_is_not_one_is_explained_and_typing_is_kept(story, story_engine) -> None:
    token = sign_in(story, "mc1")
    before = written(story_engine)
    data = {**LISTING, "meeting_date-day": "30", "meeting_date-month": "2", "csrf_token": token}
    page = story.post("/marac", data=data)
    assert page.status_code == 400 and _links(page.text) == ["meeting_date-day"]
    assert "must be a real date" in page.text and 'value="MARSH, Dean"' in page.text
    assert written(story_engine) == before


def test_the_confirmation_counts_children_and_names_contacts_not_the_child(
    fresh: TestClient,
) -> None:
    token = sign_in(fresh, "mc1")
    page = fresh.post("/marac", data={**LISTING, "csrf_token": token})
    assert page.status_code == 200 and page.url.path == "/marac/listed"
    assert "Case listed for MARAC" in page.text and "9 March 2021" in page.text
    assert "1 child is linked" in page.text
    assert "Priya Shah" in page.text and "Helen Carr" in page.text
    assert "Oliver" not in page.text and "child-o" not in page.text
    again = fresh.get("/marac/listed")  # shown once
    assert again.url.path == "/marac"
