"""Check a letter: jargon marked in the text with plain explanations; errors shown, not kept."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient
from page_helpers import sign_in, written

LETTER = (
    "Following the MARAC on 1 October, the ICPC decided that Oliver remains on a CP plan.\n"
    "Two of the incidents were recorded as NFA. NFA does not mean nothing happened."
)


def test_each_term_is_marked_and_explained_at_its_first_use(story: TestClient) -> None:
    token = sign_in(story, "sw1")
    page = story.post("/letters", data={"to": "Kelly Ashby", "text": LETTER, "csrf_token": token})
    assert page.status_code == 200
    letter = page.text.split('id="marked-letter">')[1].split("</div>")[0]
    assert letter.count("<mark>NFA</mark>") == 2
    assert '<mark>NFA</mark><span class="teamaround-plain"> (The police' in letter
    assert letter.count("no further action") == 1  # explained once, marked each time
    for term in ("MARAC", "ICPC", "CP plan"):
        assert f"<mark>{term}</mark>" in letter
    assert "Terms a family may not know" in page.text and "Reading ease" in page.text
    assert "Recommendation 14" in page.text


def test_a_letter_without_jargon_says_so(story: TestClient) -> None:
    token = sign_in(story, "sw1")
    text = "We will visit you on Monday. Please call me if that day is not good for you."
    page = story.post("/letters", data={"to": "Kelly", "text": text, "csrf_token": token})
    assert page.status_code == 200 and "<mark>" not in page.text


def test_an_empty_letter_shows_the_errors_and_nothing_is_recorded(
    story: TestClient, story_engine: sa.Engine
) -> None:
    token = sign_in(story, "sw1")
    before = written(story_engine, audit=True)
    page = story.post("/letters", data={"to": " ", "text": "", "csrf_token": token})
    assert page.status_code == 400 and "govuk-error-summary" in page.text
    assert 'href="#to"' in page.text and 'href="#text"' in page.text
    assert page.text.index('href="#to"') < page.text.index('href="#text"')
    assert written(story_engine, audit=True) == before


def test_a_letter_without_the_sessions_token_is_refused(story, story_engine) -> None:
    sign_in(story, "sw1")
    before = written(story_engine, audit=True)
    page = story.post("/letters", data={"to": "Kelly", "text": LETTER})
    assert page.status_code == 403
    assert written(story_engine, audit=True) == before
