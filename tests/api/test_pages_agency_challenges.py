"""Challenges to my agency: the challenged agency sees and answers them, no child is named."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from page_helpers import END, sign_in, written

from teamaround.adapters.db.tables import AuditRow, ChallengeRow
from teamaround.clock import FixedClock
from teamaround.services.challenges import challenges_to_my_agency
from teamaround.services.context import SYSTEM, UnitOfWork
from teamaround.services.errors import NotFound


def _challenge_id(engine: sa.Engine) -> str:
    with engine.connect() as c:
        found = c.scalar(sa.select(ChallengeRow.id).where(ChallengeRow.to_agency_id == "csc"))
    assert found
    return found


@pytest.mark.parametrize("who", ["sw1", "tm1", "spoc"])
def test_the_challenged_agency_sees_its_challenge_without_the_child(story, who) -> None:
    sign_in(story, who)
    page = story.get("/challenges")
    assert page.status_code == 200
    assert "Challenge from Ashgrove Primary School" in page.text and "Helen Carr" in page.text
    assert "of 4: line managers" in page.text and "Respond by" in page.text
    assert "Send response" in page.text
    assert "Ashby" not in page.text and "child-o" not in page.text


@pytest.mark.parametrize("who", ["pc1", "dsl1", "dsl2"])
def test_other_agencies_see_none_and_cannot_answer(story, story_engine, who) -> None:
    token = sign_in(story, who)
    page = story.get("/challenges")
    assert page.status_code == 200 and "There are no open challenges" in page.text
    before = written(story_engine)
    url = f"/challenges/{_challenge_id(story_engine)}/respond"
    answer = story.post(url, data={"text": "Not ours", "csrf_token": token})
    assert answer.status_code == 404 and "Page not found" in answer.text
    assert written(story_engine) == before


def test_responding_without_the_token_is_refused(story, story_engine) -> None:
    sign_in(story, "sw1")
    before = written(story_engine)
    url = f"/challenges/{_challenge_id(story_engine)}/respond"
    page = story.post(url, data={"text": "Agreed", "csrf_token": "forged"})
    assert page.status_code == 403
    assert written(story_engine) == before


def test_an_empty_response_is_an_error_and_writes_nothing(story, story_engine) -> None:
    challenge = _challenge_id(story_engine)
    token = sign_in(story, "sw1")
    before = written(story_engine)
    page = story.post(f"/challenges/{challenge}/respond", data={"text": " ", "csrf_token": token})
    assert page.status_code == 400 and "govuk-error-summary" in page.text
    assert f'href="#response-{challenge}"' in page.text and "Enter your response" in page.text
    assert written(story_engine) == before


def test_reading_them_is_audited_and_the_system_has_no_agency(story_engine) -> None:
    uow = UnitOfWork(story_engine, FixedClock(END))
    with story_engine.connect() as c:
        before = c.scalar(sa.select(sa.func.count()).select_from(AuditRow))
    found = challenges_to_my_agency(uow, actor_id="sw1")
    assert [c.to_agency for c in found] == ["csc"] and found[0].child_id == ""
    with story_engine.connect() as c:
        last = c.execute(sa.select(AuditRow).order_by(AuditRow.seq.desc()).limit(1)).one()
        assert c.scalar(sa.select(sa.func.count()).select_from(AuditRow)) == before + 1
    assert (last.action, last.record_id, last.actor_id) == ("read-challenge", found[0].id, "sw1")
    with pytest.raises(NotFound):
        challenges_to_my_agency(uow, actor_id=SYSTEM.id)


def test_responding_from_the_list(fresh: TestClient, engine: sa.Engine) -> None:
    token = sign_in(fresh, "sw1")
    challenge = _challenge_id(engine)
    page = fresh.post(
        f"/challenges/{challenge}/respond", data={"text": "Agreed.", "csrf_token": token}
    )
    assert page.status_code == 200 and page.url.path == "/challenges"
    assert "Response sent" in page.text and "Responded" in page.text
