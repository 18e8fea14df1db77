"""axe-core on every page of the second slice, as the professionals who use them see them."""

from __future__ import annotations

import pytest
from browsing import Visit
from playwright.sync_api import Page
from test_accessibility import violations


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("gp1", "/lookup"),
        ("sw1", "/children/child-o"),
        ("sw1", "/children/child-o/chronology?kind=information"),
        ("sw1", "/children/child-o/challenges"),
        ("sw1", "/children/child-o/agenda"),
        ("sw1", "/children/child-o/agenda?type=core-group"),
        ("sw1", "/children/child-o/agenda/print?type=core-group"),
        ("sw1", "/letters"),
        ("spoc", "/spoc"),
        ("tm1", "/reports/challenges"),
    ],
)
def test_new_pages(
    page: Page, base_url: str, visit: Visit, axe_source: str, who: str, path: str
) -> None:
    visit.sign_in(page, who)
    page.goto(f"{base_url}{path}")
    assert violations(page, axe_source) == []


def test_lookup_errors_and_result(page: Page, base_url: str, visit: Visit, axe_source: str) -> None:
    visit.sign_in(page, "gp1")
    page.goto(f"{base_url}/lookup")
    page.get_by_role("button", name="Look up").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert violations(page, axe_source) == []
    page.get_by_label("Whole name").fill("Dean Marsh")
    page.get_by_label("Date of birth").fill("11/02/1985")
    page.get_by_role("button", name="Look up").click()
    assert violations(page, axe_source) == []


def test_letter_report_and_challenge_errors(
    page: Page, base_url: str, visit: Visit, axe_source: str
) -> None:
    visit.sign_in(page, "sw1")
    page.goto(f"{base_url}/letters")
    page.get_by_label("Who is the letter to?").fill("Kelly Ashby")
    page.get_by_label("The letter", exact=True).fill("The ICPC recorded NFA. We will visit soon.")
    page.get_by_role("button", name="Check the letter").click()
    assert violations(page, axe_source) == []
    page.goto(f"{base_url}/children/child-o/challenges")
    page.get_by_role("button", name="Raise challenge").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert violations(page, axe_source) == []
