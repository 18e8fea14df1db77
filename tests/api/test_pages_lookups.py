"""Look up a person: each role sees only what it may, errors are shown and nothing is written."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from page_helpers import sign_in, written

DEAN_IN_LUTON = {
    "given": "Dean",
    "family": "Marsh",
    "dob": "1985-02-11",
    "address": "Flat 3, 27 Wellington Road, Luton LU1 5QR",
}
OLIVER = {"given": "Oliver", "family": "Ashby", "dob": "19/09/2011"}


def test_the_form_asks_for_the_identity_fields(story: TestClient) -> None:
    sign_in(story, "gp1")
    page = story.get("/lookup")
    assert page.status_code == 200
    for field in ("given", "family", "name", "dob", "nhs", "address", "phone"):
        assert f'name="{field}"' in page.text, field


def test_a_gp_looking_up_dean_is_told_to_contact_the_spoc_and_nothing_of_oliver(
    story: TestClient,
) -> None:
    token = sign_in(story, "gp1")
    page = story.post("/lookup", data={**DEAN_IN_LUTON, "csrf_token": token})
    assert page.status_code == 200
    assert "<h1" in page.text and re.search(r"<h1[^>]*>\s*Flagged", page.text)
    assert "Contact the Children&#39;s Services single point of contact" in page.text
    assert "Children&#39;s Services SPOC" in page.text and "Single point of contact" in page.text
    for secret in ("Oliver", "Ashby", "child-o", "child protection", "Child protection"):
        assert secret not in page.text, secret


def test_the_childs_dsl_sees_the_child_and_a_link_to_the_page(story: TestClient) -> None:
    token = sign_in(story, "dsl1")
    page = story.post("/lookup", data={**OLIVER, "csrf_token": token})
    assert page.status_code == 200
    assert 'href="/children/child-o"' in page.text and "Child protection" in page.text


def test_another_schools_dsl_looking_up_oliver_gets_the_contact_only(story: TestClient) -> None:
    token = sign_in(story, "dsl2")
    page = story.post("/lookup", data={**OLIVER, "csrf_token": token})
    assert page.status_code == 200
    assert "single point of contact (SPOC)" in page.text
    assert 'href="/children/child-o"' not in page.text and "Child protection" not in page.text


def test_nobody_on_the_register_is_no_flag(story: TestClient) -> None:
    token = sign_in(story, "gp1")
    page = story.post("/lookup", data={"name": "Zebedee Quux", "csrf_token": token})
    assert page.status_code == 200 and "No flag found" in page.text
    assert "No flag does not mean no concern" in page.text


def test_a_lookup_without_a_name_shows_the_error_and_writes_nothing(
    story: TestClient, story_engine: sa.Engine
) -> None:
    token = sign_in(story, "gp1")
    before = written(story_engine, audit=True)
    page = story.post("/lookup", data={"dob": "11/02/1985", "phone": "", "csrf_token": token})
    assert page.status_code == 400
    assert "govuk-error-summary" in page.text and "<title>Error: Look up a person" in page.text
    assert (
        'href="#given"' in page.text
        and "Enter a given name, family name or whole name" in page.text
    )
    assert 'value="11/02/1985"' in page.text  # what was typed is kept
    too_long = story.post("/lookup", data={"name": "Dean", "nhs": "9" * 300, "csrf_token": token})
    assert too_long.status_code == 400 and 'href="#nhs"' in too_long.text
    assert written(story_engine, audit=True) == before


def test_a_lookup_without_the_sessions_token_is_refused(story, story_engine) -> None:
    sign_in(story, "gp1")
    before = written(story_engine, audit=True)
    page = story.post("/lookup", data={**DEAN_IN_LUTON, "csrf_token": "forged"})
    assert page.status_code == 403 and "Your form could not be sent" in page.text
    assert written(story_engine, audit=True) == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_signed_out_lookups_go_to_the_start(story: TestClient, method: str) -> None:
    response = getattr(story, method)("/lookup", follow_redirects=False)
    assert response.status_code in {303, 403}  # a POST without a session has no token either
