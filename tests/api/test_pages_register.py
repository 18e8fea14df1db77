"""The register through the pages: people, relationships, plans and legal conditions."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from page_helpers import sign_in

from teamaround.adapters.db.tables import ConditionRow, PersonRow, PlanRow, RelationshipRow

DEAN = {
    "id": "dean",
    "kind": "adult",
    "given": "Dean",
    "family": "Marsh",
    "dob-day": "11",
    "dob-month": "2",
    "dob-year": "1985",
    "sex": "M",
}


def _rows(engine: sa.Engine) -> tuple[int, ...]:
    with engine.connect() as c:
        return tuple(
            c.scalar(sa.select(sa.func.count()).select_from(t)) or 0
            for t in (PersonRow, RelationshipRow, PlanRow, ConditionRow)
        )


def _links(text: str) -> list[str]:
    return [x for x in re.findall(r'<a href="#([\w-]+)"', text) if x != "main-content"]


@pytest.mark.parametrize(
    ("who", "forms"),
    [
        ("sw1", ["people", "relationships", "plans", "plans-ended", "conditions"]),
        ("om1", ["conditions"]),
        ("pc1", ["conditions"]),
    ],
)
def test_the_register_offers_each_keeper_its_forms(story: TestClient, who, forms) -> None:
    sign_in(story, who)
    page = story.get("/register")
    assert page.status_code == 200
    assert re.findall(r'href="/register/([\w-]+)"', page.text) == forms
    for slug in forms:
        assert story.get(f"/register/{slug}").status_code == 200


@pytest.mark.parametrize("outsider", ["dsl1", "gp1", "ch1", "dsl2"])
def test_outsiders_get_page_not_found_and_write_nothing(story, story_engine, outsider) -> None:
    token = sign_in(story, outsider)
    before = _rows(story_engine)
    assert story.get("/register").status_code == 404
    for slug in ("people", "conditions", "nonsense"):
        assert story.get(f"/register/{slug}").status_code == 404
        page = story.post(f"/register/{slug}", data={**DEAN, "csrf_token": token})
        assert page.status_code == 404 and "Page not found" in page.text
    assert _rows(story_engine) == before


def test_probation_cannot_add_a_person(story: TestClient, story_engine: sa.Engine) -> None:
    token = sign_in(story, "om1")
    before = _rows(story_engine)
    page = story.post("/register/people", data={**DEAN, "csrf_token": token})
    assert page.status_code == 404
    assert _rows(story_engine) == before


@pytest.mark.parametrize("slug", ["people", "relationships", "plans", "plans-ended", "conditions"])
def test_register_forms_without_the_token_are_refused(story, story_engine, slug) -> None:
    sign_in(story, "sw1")
    before = _rows(story_engine)
    page = story.post(f"/register/{slug}", data={**DEAN, "csrf_token": "forged"})
    assert page.status_code == 403
    assert _rows(story_engine) == before


def test_an_empty_person_shows_every_problem_in_order(story, story_engine) -> None:
    token = sign_in(story, "sw1")
    before = _rows(story_engine)
    page = story.post("/register/people", data={"csrf_token": token})
    assert page.status_code == 400 and "govuk-error-summary" in page.text
    assert _links(page.text) == ["id", "kind", "given", "family"]
    assert "Enter the person&#39;s given name" in page.text
    assert _rows(story_engine) == before


def test_a_date_that_is_not_one_is_explained_and_what_was_typed_is_kept(
    story, story_engine
) -> None:
    token = sign_in(story, "sw1")
    before = _rows(story_engine)
    page = story.post("/register/people", data={**DEAN, "dob-day": "31", "dob-month": "2"})
    assert page.status_code == 403  # no token: refused before anything else
    data = {**DEAN, "dob-day": "31", "dob-month": "2", "csrf_token": token}
    page = story.post("/register/people", data=data)
    assert page.status_code == 400 and _links(page.text) == ["dob-day"]
    assert "Enter a real date of birth" in page.text and 'value="Marsh"' in page.text
    assert _rows(story_engine) == before


def test_a_person_already_on_the_register_is_a_conflict(story, story_engine) -> None:
    token = sign_in(story, "sw1")
    before = _rows(story_engine)
    page = story.post("/register/people", data={**DEAN, "id": "mother", "csrf_token": token})
    assert page.status_code == 400 and "govuk-error-summary" in page.text
    assert "This is already on the register" in page.text
    assert _rows(story_engine) == before


@pytest.mark.parametrize(
    ("slug", "data", "field", "message"),
    [
        (
            "relationships",
            {"child": "nobody", "adult": "mother", "kind": "mother"},
            "child",
            "There is no child with this reference",
        ),
        (
            "relationships",
            {"child": "child-o", "adult": "child-o", "kind": "other"},
            "adult",
            "There is no adult with this reference",
        ),
        (
            "plans",
            {"child": "child-o", "plan": "child-protection", "lead": "tm1"},
            "lead",
            "Select a social worker to lead the plan",
        ),
        (
            "plans-ended",
            {"child": "nobody", "plan": "child-in-care"},
            "plan",
            "The child has no open plan of this kind",
        ),
        (
            "conditions",
            {"person": "child-o", "kind": "bail", "detail": "x"},
            "person",
            "There is no adult with this reference",
        ),
    ],
)
def test_what_the_service_refuses_is_shown_against_the_field(
    story, story_engine, slug, data, field, message
) -> None:
    token = sign_in(story, "sw1")
    before = _rows(story_engine)
    page = story.post(f"/register/{slug}", data={**data, "csrf_token": token})
    assert page.status_code == 400, page.text
    assert _links(page.text) == [field] and message in page.text
    assert _rows(story_engine) == before


def test_adding_relating_and_recording_conditions(fresh: TestClient, engine: sa.Engine) -> None:
    token = sign_in(fresh, "sw1")
    added = fresh.post("/register/people", data={**DEAN, "csrf_token": token})
    assert added.status_code == 200
    assert '<h3 class="govuk-notification-banner__heading">Person added</h3>' in added.text
    relation = {
        "child": "child-o",
        "adult": "dean",
        "kind": "parents-partner",
        "lives_with": "no",
        "contact": "prohibited",
        "risk": "Assaulted Kelly in front of Oliver.",
        "csrf_token": token,
    }
    related = fresh.post("/register/relationships", data=relation)
    assert related.status_code == 200 and "Relationship recorded" in related.text
    plan = {"child": "child-o", "plan": "child-protection", "category": "physical"}
    started = fresh.post("/register/plans", data={**plan, "lead": "sw1", "csrf_token": token})
    assert started.status_code == 200 and "Plan started" in started.text
    ended = fresh.post("/register/plans-ended", data={**plan, "csrf_token": token})
    assert ended.status_code == 200 and "Plan ended" in ended.text
    token = sign_in(fresh, "om1")
    condition = {
        "person": "dean",
        "kind": "licence",
        "detail": "No contact with Oliver Ashby.",
        "until-day": "1",
        "until-month": "9",
        "until-year": "2022",
        "csrf_token": token,
    }
    recorded = fresh.post("/register/conditions", data=condition)
    assert recorded.status_code == 200 and "Condition recorded" in recorded.text
    with engine.connect() as c:
        assert (
            c.scalar(sa.select(RelationshipRow.contact).where(RelationshipRow.adult_id == "dean"))
            == "prohibited"
        )
        assert (
            c.scalar(sa.select(ConditionRow.recorded_by).where(ConditionRow.person_id == "dean"))
            == "om1"
        )


def test_a_year_too_big_for_any_calendar_is_explained(story, story_engine) -> None:
    token = sign_in(story, "sw1")
    before = _rows(story_engine)
    page = story.post("/register/people", data={**DEAN, "dob-year": "9" * 30, "csrf_token": token})
    assert page.status_code == 400 and _links(page.text) == ["dob-day"]
    assert _rows(story_engine) == before


def test_a_wrong_date_and_a_missing_name_are_shown_together(story, story_engine) -> None:
    token = sign_in(story, "sw1")
    before = _rows(story_engine)
    data = {**DEAN, "given": "", "dob-month": "13", "csrf_token": token}
    page = story.post("/register/people", data=data)
    assert page.status_code == 400 and _links(page.text) == ["given", "dob-day"]
    assert _rows(story_engine) == before
