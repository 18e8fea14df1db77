"""The Child O moment in a real browser: a 111 call is shared and reaches the social worker."""

from __future__ import annotations

import re

from browsing import Visit
from playwright.sync_api import Browser, Page, expect

CALL = {
    "subjects-0-name": "MARSH, Dean",
    "subjects-0-dob": "11/02/1985",
    "subjects-0-address": "12 acacia ave stockton ts181ab",
    "subjects-0-phone": "07700 900456",
}


def share_the_111_call(page: Page, visit: Visit) -> str:
    """The call handler fills in the form; returns when it was received, as the page says."""
    visit.sign_in(page, "ch1")
    page.get_by_role("link", name="Share information").click()
    page.get_by_role("radio", name="Health contact").check()
    page.get_by_label("Summary").fill("111 call requesting an emergency supply of medication.")
    for field, value in CALL.items():
        page.fill(f"[name='{field}']", value)
    page.get_by_role("button", name="Send information").click()
    expect(page.get_by_role("heading", name="Information sent")).to_be_visible()
    received = page.get_by_text("Received at").inner_text()
    when = re.search(r"Received at (.+?), about", received)
    assert when, received
    return when[1]


def test_the_111_call_reaches_the_social_worker_who_acknowledges_it(
    page: Page, visit: Visit
) -> None:
    received = share_the_111_call(page, visit)
    expect(page.locator("main")).not_to_contain_text("Oliver")
    visit.sign_out(page)
    visit.sign_in(page, "sw1")
    row = page.locator("tbody tr").filter(has_text=received).filter(has_text="Urgent")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("home address")  # why it was raised
    expect(page.locator("tbody tr").first).to_contain_text(received)  # newest urgent on top
    row.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Alert acknowledged"
    )
    expect(page.locator("tbody tr").filter(has_text=received).first).to_contain_text(
        "Acknowledged at"
    )


def test_the_call_handler_cannot_open_the_childs_page(
    page: Page, base_url: str, visit: Visit
) -> None:
    visit.sign_in(page, "ch1")
    response = page.goto(f"{base_url}/children/child-o")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.locator("main")).not_to_contain_text("Oliver")


def test_the_social_worker_opens_the_childs_page_from_the_inbox(
    page: Page, base_url: str, visit: Visit
) -> None:
    visit.sign_in(page, "sw1")
    page.get_by_role("link", name="Oliver Ashby").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Oliver Ashby")
    card = page.locator(".govuk-summary-card").filter(has_text="Dean Marsh")
    expect(card).to_contain_text("Prohibited")
    expect(card).to_contain_text("Must not enter the Cleveland area")


def test_sharing_works_without_javascript(browser: Browser, base_url: str, visit: Visit) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    visit.sign_in(page, "pc1")
    page.goto(f"{base_url}/share")
    page.get_by_role("button", name="Send information").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select what kind of information")
    page.get_by_role("radio", name="Incident").check()
    page.get_by_label("Domestic abuse").check()
    page.get_by_label("Summary").fill("Officers attended a report of shouting.")
    page.fill("[name='subjects-0-given']", "Kelly")
    page.fill("[name='subjects-0-family']", "Ashby")
    page.get_by_role("button", name="Add another person").click()
    expect(page.locator("[name='subjects-0-given']")).to_have_value("Kelly")
    page.fill("[name='subjects-1-name']", "Dean Marsh")
    page.get_by_role("button", name="Send information").click()
    expect(page.get_by_role("heading", name="Information sent")).to_be_visible()
    expect(page.locator("main")).to_contain_text("about 2 people")
    context.close()
