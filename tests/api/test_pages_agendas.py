"""Drafting a meeting's agenda, and its print view: other agencies' information comes first."""

from __future__ import annotations

from fastapi.testclient import TestClient
from page_helpers import sign_in


def test_choosing_the_meeting_type_comes_first(story: TestClient) -> None:
    sign_in(story, "sw1")
    page = story.get("/children/child-o/agenda")
    assert page.status_code == 200
    assert 'name="type"' in page.text and "Core group meeting" in page.text


def test_the_agenda_puts_other_agencies_information_first_and_marks_outsiders(
    story: TestClient,
) -> None:
    sign_in(story, "sw1")
    page = story.get("/children/child-o/agenda", params={"type": "icpc"})
    assert page.status_code == 200
    text = page.text
    prominent = text.split("teamaround-prominent")[1].split('id="section-3"')[0]
    assert "Information from other agencies" in prominent
    for agency in ("Probation Service, Bedfordshire", "Cleveland MARAC", "Harbour"):
        assert agency in prominent, agency
    assert "Not in the core group" in prominent
    assert "Agencies to consider inviting" in text and "What we do not know" in text
    assert 'href="/children/child-o/agenda/print?type=icpc">Print</a>' in text


def test_the_print_view_has_the_agenda_without_the_menus(story: TestClient) -> None:
    sign_in(story, "sw1")
    page = story.get("/children/child-o/agenda/print", params={"type": "core-group"})
    assert page.status_code == 200
    assert "teamaround-print-view" in page.text and "data-teamaround-print" in page.text
    assert "Information from other agencies" in page.text
    assert "Use your browser's print command" in page.text  # without JavaScript
    css = story.get("/static/teamaround.css").text
    assert "@media print" in css and ".govuk-service-navigation" in css


def test_an_unknown_meeting_type_is_an_error_on_the_page(story: TestClient) -> None:
    sign_in(story, "sw1")
    page = story.get("/children/child-o/agenda", params={"type": "party"})
    assert page.status_code == 400
    assert "govuk-error-summary" in page.text and 'href="#type"' in page.text
    assert "Select the type of meeting" in page.text


def test_the_agenda_is_not_found_for_the_call_handler(story: TestClient) -> None:
    sign_in(story, "ch1")
    refused = story.get("/children/child-o/agenda/print", params={"type": "icpc"})
    assert refused.status_code == 404 and "Information from other agencies" not in refused.text
