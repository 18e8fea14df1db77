"""A social worker corrects a person's details from the child's page and merges a duplicate,
in a real browser, with axe-core on every new page."""

from __future__ import annotations

from browsing import Visit
from playwright.sync_api import Page, expect
from test_accessibility import violations


def test_the_social_worker_corrects_a_person_then_merges_a_duplicate(
    page: Page, base_url: str, visit: Visit, axe_source: str
) -> None:
    visit.sign_in(page, "sw1")
    page.goto(f"{base_url}/children/child-o")
    card = page.locator(".govuk-summary-card").filter(has_text="Kelly Ashby (mother)")
    card.get_by_role("link", name="Change details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Correct Kelly Ashby’s details")
    expect(page.get_by_label("Given name")).to_have_value("Kelly")
    expect(page.get_by_label("Year")).to_have_value("1990")
    assert violations(page, axe_source) == []
    page.get_by_label("Family name").fill("")
    page.get_by_label("Add another name they are known by").fill("Kel Ashby")
    page.get_by_role("button", name="Save the correction").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("link")).to_have_text("Enter the person's family name")
    expect(summary.get_by_role("link")).to_have_attribute("href", "#family")
    expect(page.get_by_label("Add another name they are known by")).to_have_value("Kel Ashby")
    assert violations(page, axe_source) == []
    page.get_by_label("Family name").fill("Ashby")
    page.get_by_role("button", name="Save the correction").click()
    expect(page).to_have_url(f"{base_url}/children/child-o")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Details corrected")

    page.get_by_role("link", name="Register", exact=True).click()
    page.get_by_role("link", name="Add a person").click()
    page.get_by_label("Reference", exact=True).fill("deano-m")
    page.get_by_label("Child or adult").select_option("adult")
    page.get_by_label("Given name").fill("Deano")
    page.get_by_label("Family name").fill("Marsh")
    page.get_by_role("button", name="Add to the register").click()
    page.get_by_role("link", name="Register", exact=True).click()
    page.get_by_label("Reference", exact=True).fill("deano-m")
    page.get_by_role("button", name="Find the record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deano Marsh")
    assert violations(page, axe_source) == []
    page.get_by_role("link", name="Merge this record into another record").click()
    keep = page.get_by_label("Reference of the record to keep")
    keep.fill("child-o")
    page.get_by_role("button", name="Continue").click()
    expect(summary).to_contain_text("Enter the reference of an adult")
    expect(keep).to_have_value("child-o")
    assert violations(page, axe_source) == []
    keep.fill("partner")
    page.get_by_role("button", name="Continue").click()
    expect(
        page.locator(".govuk-summary-card").filter(has_text="Leaves the register")
    ).to_contain_text("deano-m")
    expect(page.locator(".govuk-summary-card").filter(has_text="Kept: Dean Marsh")).to_contain_text(
        "11 February 1985"
    )
    assert violations(page, axe_source) == []
    page.get_by_role("button", name="Merge the records").click()
    expect(page).to_have_url(f"{base_url}/register/people/partner")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Records merged")
    assert violations(page, axe_source) == []
    response = page.goto(f"{base_url}/register/people/deano-m")
    assert response is not None and response.status == 404
