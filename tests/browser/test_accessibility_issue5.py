"""axe-core on the register (a person's record, correcting it, merging), meetings, MARAC
listing and challenges-to-my-agency pages."""

from __future__ import annotations

import pytest
from browsing import Visit
from playwright.sync_api import Page
from test_accessibility import violations


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("sw1", "/register"),
        ("sw1", "/register/people"),
        ("sw1", "/register/relationships"),
        ("sw1", "/register/plans"),
        ("sw1", "/register/plans-ended"),
        ("om1", "/register/conditions"),
        ("sw1", "/register?person=nobody"),
        ("sw1", "/register/people/mother"),
        ("sw1", "/register/people/child-o/change?back=/children/child-o"),
        ("sw1", "/register/people/nan/merge"),
        ("sw1", "/children/child-o/meetings"),
        ("sw1", "/challenges"),
        ("mc1", "/marac"),
    ],
)
def test_pages(page: Page, base_url: str, visit: Visit, axe_source: str, who, path) -> None:
    visit.sign_in(page, who)
    page.goto(f"{base_url}{path}")
    assert violations(page, axe_source) == []


@pytest.mark.parametrize(
    ("who", "path", "button"),
    [
        ("sw1", "/register/people", "Add to the register"),
        ("om1", "/register/conditions", "Record the condition"),
        ("sw1", "/register/people/mother/change", "Save the correction"),
        ("sw1", "/register/people/nan/merge", "Continue"),
        ("sw1", "/children/child-o/meetings", "Record the meeting"),
        ("mc1", "/marac", "List the case"),
    ],
)
def test_errors(
    page: Page, base_url: str, visit: Visit, axe_source: str, who, path, button
) -> None:
    visit.sign_in(page, who)
    page.goto(f"{base_url}{path}")
    page.get_by_role("button", name=button).click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert violations(page, axe_source) == []
