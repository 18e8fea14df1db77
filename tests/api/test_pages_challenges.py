"""Professional challenge through the pages: raise, respond, resolve, stages, the report."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from page_helpers import sign_in, written

from teamaround.adapters.db.tables import ChallengeRow

GOOD = {
    "to_agency": "police",
    "nature": "The incident on 14 August was not shared with the school.",
    "expected_outcome": "Share incidents involving Oliver's household the next day.",
    "respond_by-day": "9",
    "respond_by-month": "3",
    "respond_by-year": "2021",
}


def _challenge_id(engine: sa.Engine) -> str:
    with engine.connect() as c:
        found = c.scalar(sa.select(ChallengeRow.id).where(ChallengeRow.raised_by == "dsl1"))
    assert found
    return found


def test_the_page_shows_each_challenge_with_its_stage_and_due_date(story: TestClient) -> None:
    sign_in(story, "sw1")
    page = story.get("/children/child-o/challenges")
    assert page.status_code == 200
    text = page.text
    assert "Challenge to Stockton Children&#39;s Services" in text
    assert "Raised by" in text and "Helen Carr" in text
    assert "2 of 4: line managers" in text and "Escalated" in text
    assert "9 March 2021" in text
    assert "Respond for Stockton Children&#39;s Services" in text  # sw1's agency was challenged
    assert "Mark as resolved" not in text  # only the one who raised it resolves it


def test_raising_a_challenge_with_nothing_filled_in_shows_every_problem_in_order(
    story: TestClient, story_engine: sa.Engine
) -> None:
    token = sign_in(story, "dsl1")
    before = written(story_engine)
    page = story.post("/children/child-o/challenges", data={"csrf_token": token})
    assert page.status_code == 400 and "govuk-error-summary" in page.text
    links = [x for x in re.findall(r'<a href="#([\w-]+)"', page.text) if x != "main-content"]
    assert links == ["to_agency", "nature", "expected_outcome", "respond_by-day"]
    assert written(story_engine) == before


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("31", "2", "2021", "must be a real date"),
        ("1", "1", "2021", "must be today or in the future"),
        ("", "3", "2021", "Enter the date to respond by"),
    ],
)
def test_a_wrong_date_is_explained_and_what_was_typed_is_kept(
    story: TestClient, story_engine: sa.Engine, day: str, month: str, year: str, message: str
) -> None:
    token = sign_in(story, "dsl1")
    before = written(story_engine)
    date = {"respond_by-day": day, "respond_by-month": month, "respond_by-year": year}
    page = story.post("/children/child-o/challenges", data={**GOOD, **date, "csrf_token": token})
    assert page.status_code == 400 and 'href="#respond_by-day"' in page.text
    assert message in page.text
    assert "The incident on 14 August" in page.text
    assert written(story_engine) == before


def test_raising_responding_and_resolving(fresh: TestClient, engine: sa.Engine) -> None:
    token = sign_in(fresh, "dsl1")
    raised = fresh.post("/children/child-o/challenges", data={**GOOD, "csrf_token": token})
    assert raised.status_code == 200 and raised.url.path == "/children/child-o/challenges"
    assert "Challenge raised" in raised.text and "Challenge to Cleveland Police" in raised.text
    challenge = _challenge_id(engine)
    token = sign_in(fresh, "sw1")
    url = f"/children/child-o/challenges/{challenge}"
    answered = fresh.post(f"{url}/respond", data={"text": "Agreed.", "csrf_token": token})
    assert answered.status_code == 200 and "Response sent" in answered.text
    assert "Responded" in answered.text
    token = sign_in(fresh, "dsl1")
    done = fresh.post(f"{url}/resolve", data={"outcome": "Meeting held.", "csrf_token": token})
    assert done.status_code == 200 and "Challenge resolved" in done.text
    assert "Resolved" in done.text


def test_an_empty_response_is_an_error_and_writes_nothing(story, story_engine) -> None:
    challenge = _challenge_id(story_engine)
    token = sign_in(story, "sw1")
    before = written(story_engine)
    url = f"/children/child-o/challenges/{challenge}/respond"
    page = story.post(url, data={"text": "  ", "csrf_token": token})
    assert page.status_code == 400
    assert f'href="#response-{challenge}"' in page.text and "Enter your response" in page.text
    assert written(story_engine) == before


def test_only_the_professional_who_raised_it_can_resolve_it(story, story_engine) -> None:
    challenge = _challenge_id(story_engine)
    token = sign_in(story, "sw1")
    before = written(story_engine)
    url = f"/children/child-o/challenges/{challenge}/resolve"
    page = story.post(url, data={"outcome": "Done", "csrf_token": token})
    assert page.status_code == 404
    assert written(story_engine) == before


@pytest.mark.parametrize("action", ["", "/{}/respond", "/{}/resolve"])
def test_challenge_forms_without_the_token_are_refused(story, story_engine, action) -> None:
    challenge = _challenge_id(story_engine)
    sign_in(story, "dsl1")
    before = written(story_engine)
    path = "/children/child-o/challenges" + action.format(challenge)
    page = story.post(path, data={**GOOD, "text": "x", "outcome": "y", "csrf_token": "forged"})
    assert page.status_code == 403
    assert written(story_engine) == before


@pytest.mark.parametrize("outsider", ["ch1", "gp1", "dsl2"])
def test_outsiders_cannot_raise_a_challenge_about_oliver(story, story_engine, outsider) -> None:
    token = sign_in(story, outsider)
    before = written(story_engine)
    page = story.post("/children/child-o/challenges", data={**GOOD, "csrf_token": token})
    assert page.status_code == 404 and "Oliver" not in page.text
    assert written(story_engine) == before


@pytest.mark.parametrize(("who", "status"), [("tm1", 200), ("spoc", 200), ("sw1", 404)])
def test_the_report_is_for_managers(story: TestClient, who: str, status: int) -> None:
    sign_in(story, who)
    page = story.get("/reports/challenges")
    assert page.status_code == status
    if status == 200:
        row = page.text.split("<tbody")[1]
        assert "Stockton Children&#39;s Services" in row and "2: line managers" in row
        assert "Oliver" not in page.text
