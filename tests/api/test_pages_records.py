"""A person's register record through the pages: correcting it, and merging a duplicate."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from page_helpers import sign_in

from teamaround.adapters.db.tables import AliasRow, PersonRow, RelationshipRow

KELLY = {
    "given": "Kelly",
    "family": "Ashby",
    "dob-day": "14",
    "dob-month": "7",
    "dob-year": "1990",
    "sex": "F",
    "nhs": "9991590838",
    "phone": "07700 900123",
    "address": "home",
    "alias": "",
    "version": "1",  # the record as the form was opened (a hidden input)
}
DEANO = {"id": "deano", "kind": "adult", "given": "Deano", "family": "Marsh"}


def _links(text: str) -> list[str]:
    return [x for x in re.findall(r'<a href="#([\w-]+)"', text) if x != "main-content"]


def _typed(text: str, name: str) -> str | None:
    """What a text box shows, as the browser would fill it in."""
    found = re.search(rf'<input [^>]*name="{name}"[^>]*value="([^"]*)"', text)
    return found[1] if found else None


def _person(engine: sa.Engine, person_id: str) -> sa.Row[tuple[str, str, str | None, str | None]]:
    with engine.connect() as c:
        query = sa.select(PersonRow.given, PersonRow.family, PersonRow.phone, PersonRow.merged_into)
        return c.execute(query.where(PersonRow.id == person_id)).one()


def test_the_correction_form_is_prefilled_with_the_record(story: TestClient) -> None:
    sign_in(story, "sw1")
    page = story.get("/register/people/mother/change?back=/children/child-o")
    assert page.status_code == 200
    for name, value in KELLY.items():
        if name not in {"sex", "address"}:
            assert _typed(page.text, name) == value, name
    assert re.search(r'<option value="F" selected>\s*Female', page.text)
    assert re.search(r'<option value="home" selected>\s*12 Acacia Avenue', page.text)
    assert 'name="back" value="/children/child-o"' in page.text
    assert 'name="school"' not in page.text  # an adult has no school


def test_the_childs_page_offers_change_links_to_register_keepers_only(story: TestClient) -> None:
    sign_in(story, "sw1")
    page = story.get("/children/child-o")
    for person in ("child-o", "mother", "partner"):
        assert f'href="/register/people/{person}/change?back=/children/child-o"' in page.text
    sign_in(story, "dsl1")
    page = story.get("/children/child-o")
    assert page.status_code == 200 and "/register/people/" not in page.text


def test_the_register_finds_a_persons_record(story: TestClient) -> None:
    sign_in(story, "sw1")
    found = story.get("/register", params={"person": " mother "}, follow_redirects=False)
    assert found.status_code == 303 and found.headers["location"] == "/register/people/mother"
    record = story.get("/register/people/mother")
    assert record.status_code == 200 and "Kelly Ashby" in record.text
    assert 'href="/register/people/mother/change#phone"' in record.text
    missing = story.get("/register", params={"person": "nobody"})
    assert missing.status_code == 400 and _links(missing.text) == ["person"]
    assert "There is no person with this reference on the register" in missing.text


@pytest.mark.parametrize("outsider", ["dsl1", "gp1", "om1", "pc1", "dsl2"])
def test_only_register_keepers_reach_the_record_pages(story, story_engine, outsider) -> None:
    token = sign_in(story, outsider)
    before = _person(story_engine, "mother")
    for path in ("", "/change", "/merge", "/merge?into=partner"):
        page = story.get(f"/register/people/mother{path}")
        assert page.status_code == 404 and "Page not found" in page.text, path
        assert "Kelly" not in page.text
    for path, data in (("/change", {**KELLY, "given": "Kel"}), ("/merge", {"into": "nan"})):
        page = story.post(f"/register/people/mother{path}", data={**data, "csrf_token": token})
        assert page.status_code == 404 and "Kelly" not in page.text
    assert _person(story_engine, "mother") == before
    assert "/register/people/" not in story.get("/register").text


def test_a_record_off_the_register_is_not_found(story: TestClient) -> None:
    sign_in(story, "sw1")
    for path in ("/register/people/nobody", "/register/people/nobody/change"):
        assert story.get(path).status_code == 404


def test_a_correction_is_saved_and_shown_where_it_came_from(
    fresh: TestClient, engine: sa.Engine
) -> None:
    token = sign_in(fresh, "sw1")
    data = {**KELLY, "family": "Ashby-Marsh", "phone": "07700 900999", "alias": "Kel Ashby"}
    back = "/children/child-o"
    page = fresh.post(
        "/register/people/mother/change", data={**data, "back": back, "csrf_token": token}
    )
    assert page.status_code == 200 and page.url.path == back
    assert '<h3 class="govuk-notification-banner__heading">Details corrected</h3>' in page.text
    assert "Kelly Ashby-Marsh" in page.text
    assert _person(engine, "mother") == ("Kelly", "Ashby-Marsh", "07700 900999", None)
    with engine.connect() as c:
        aliases = c.scalars(sa.select(AliasRow.name).where(AliasRow.person_id == "mother"))
        assert "Kel Ashby" in set(aliases)
    record = fresh.get("/register/people/mother")
    assert "Kel Ashby" in record.text and "07700 900999" in record.text


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"given": "Kelia", "dob-month": "13"}, "dob-day", "Enter a real date of birth"),
        ({"dob-year": "9" * 30}, "dob-day", "Enter a real date of birth"),
        ({"given": "Kelia", "nhs": ""}, "nhs", "Enter the NHS number: a correction cannot"),
        ({"given": "Kelia", "nhs": "123"}, "nhs", "Enter an NHS number with 10 digits"),
        ({"given": "Kelia", "family": ""}, "family", "Enter the person&#39;s family name"),
        ({}, "given", "Change at least one of the details"),
    ],
)
def test_an_error_names_the_field_and_keeps_what_was_typed(
    story, story_engine, change, field, message
) -> None:
    token = sign_in(story, "sw1")
    before = _person(story_engine, "mother")
    data = {**KELLY, **change, "back": "/children/child-o", "csrf_token": token}
    page = story.post("/register/people/mother/change", data=data)
    assert page.status_code == 400 and "govuk-error-summary" in page.text
    assert _links(page.text) == [field] and message in page.text
    for name, value in change.items():
        assert _typed(page.text, name) == value, name
    assert 'name="back" value="/children/child-o"' in page.text
    assert _person(story_engine, "mother") == before


def test_a_form_opened_before_another_correction_cannot_undo_it(
    fresh: TestClient, engine: sa.Engine
) -> None:
    """Two keepers open the form; the second saves a new family name; the first saves only a
    new phone number, but their form still says "Ashby": it is refused, not saved over."""
    token = sign_in(fresh, "sw1")
    opened = fresh.get("/register/people/mother/change")
    assert _typed(opened.text, "version") == "1"
    second = {**KELLY, "family": "Ashby-Marsh", "csrf_token": token}
    assert fresh.post("/register/people/mother/change", data=second).status_code == 200
    first = {**KELLY, "phone": "07700 900555", "csrf_token": token}
    page = fresh.post("/register/people/mother/change", data=first)
    assert page.status_code == 409 and _links(page.text) == ["given"]
    assert "Someone else changed this record while you had the form open" in page.text
    assert _typed(page.text, "family") == "Ashby-Marsh"  # the record as it now stands
    assert _typed(page.text, "phone") == KELLY["phone"] and _typed(page.text, "version") == "2"
    assert _person(engine, "mother") == ("Kelly", "Ashby-Marsh", KELLY["phone"], None)
    again = {**first, "family": "Ashby-Marsh", "version": "2"}
    assert fresh.post("/register/people/mother/change", data=again).status_code == 200
    assert _person(engine, "mother") == ("Kelly", "Ashby-Marsh", "07700 900555", None)
    missing = {key: value for key, value in again.items() if key != "version"}
    assert fresh.post("/register/people/mother/change", data=missing).status_code == 409


def test_a_correction_without_the_token_is_refused(story, story_engine) -> None:
    sign_in(story, "sw1")
    page = story.post("/register/people/mother/change", data={**KELLY, "given": "Kel"})
    assert page.status_code == 403
    assert _person(story_engine, "mother")[0] == "Kelly"


def test_a_back_link_elsewhere_is_not_followed(fresh: TestClient) -> None:
    token = sign_in(fresh, "sw1")
    data = {**KELLY, "given": "Kel", "back": "//evil.example/x", "csrf_token": token}
    page = fresh.post("/register/people/mother/change", data=data, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/register/people/mother"


def test_the_merge_is_confirmed_with_both_records_then_done(
    fresh: TestClient, engine: sa.Engine
) -> None:
    token = sign_in(fresh, "sw1")
    fresh.post("/register/people", data={**DEANO, "csrf_token": token}).raise_for_status()
    question = fresh.get("/register/people/deano/merge")
    assert question.status_code == 200 and 'name="into"' in question.text
    page = fresh.get("/register/people/deano/merge", params={"into": "partner"})
    assert page.status_code == 200
    assert "Leaves the register: Deano Marsh" in page.text and "Kept: Dean Marsh" in page.text
    assert "cannot be undone" in page.text
    assert page.text.count("govuk-summary-card") >= 2
    assert _person(engine, "deano").merged_into is None  # seeing it changes nothing
    done = fresh.post("/register/people/deano/merge", data={"into": "partner", "csrf_token": token})
    assert done.status_code == 200 and done.url.path == "/register/people/partner"
    assert '<h3 class="govuk-notification-banner__heading">Records merged</h3>' in done.text
    assert _person(engine, "deano").merged_into == "partner"
    assert fresh.get("/register/people/deano").status_code == 404
    with engine.connect() as c:
        kept = c.scalar(sa.select(sa.func.count()).where(RelationshipRow.adult_id == "partner"))
    assert kept == 1


@pytest.mark.parametrize(
    ("duplicate", "into", "message"),
    [
        ("partner", "mother", "The two records give different dates of birth"),
        ("partner", "partner", "a record cannot be merged into itself"),
        ("partner", "child-o", "Enter the reference of an adult"),
        ("child-o", "mother", "Enter the reference of a child"),
        ("partner", "nobody", "There is no person with this reference on the register"),
        ("partner", "", "Enter the reference of the record to keep"),
    ],
)
def test_a_refused_merge_names_the_field(story, story_engine, duplicate, into, message) -> None:
    token = sign_in(story, "sw1")
    before = _person(story_engine, duplicate)
    page = story.get(f"/register/people/{duplicate}/merge", params={"into": into})
    assert page.status_code == 400 and _links(page.text) == ["into"]
    assert message in page.text and f'value="{into}"' in page.text
    data = {"into": into, "csrf_token": token}
    page = story.post(f"/register/people/{duplicate}/merge", data=data)
    assert page.status_code == 400 and _links(page.text) == ["into"] and message in page.text
    assert _person(story_engine, duplicate) == before
