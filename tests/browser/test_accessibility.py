"""axe-core in the browser on every page: no serious or critical accessibility violations."""

from __future__ import annotations

from typing import Any

import pytest
from browsing import Visit
from playwright.sync_api import Page

SERIOUS = {"serious", "critical"}
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 3),
  }));
}"""


def violations(page: Page, axe_source: str) -> list[dict[str, Any]]:
    # A click that submits a form returns once the navigation starts: check the page it
    # leads to, not a document still being replaced (seen once in CI: no <head> to inject).
    page.wait_for_load_state("load")
    page.add_script_tag(content=axe_source)
    found: list[dict[str, Any]] = page.evaluate(RUN_AXE)
    return [v for v in found if v["impact"] in SERIOUS]


def test_axe_finds_a_planted_violation(
    page: Page, base_url: str, visit: Visit, axe_source: str
) -> None:
    """The check can fail: an image without alternative text is a critical violation."""
    page.goto(f"{base_url}/")
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=x>')")
    assert [v["id"] for v in violations(page, axe_source)] == ["image-alt"]


def test_start_page(page: Page, base_url: str, visit: Visit, axe_source: str) -> None:
    page.goto(f"{base_url}/")
    assert violations(page, axe_source) == []


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("sw1", "/inbox"),
        ("sw1", "/children/child-o"),
        ("ch1", "/children/child-o"),  # the 404 page
        ("ch1", "/share"),
    ],
)
def test_signed_in_pages(
    page: Page, base_url: str, visit: Visit, axe_source: str, who: str, path: str
) -> None:
    visit.sign_in(page, who)
    page.goto(f"{base_url}{path}")
    assert violations(page, axe_source) == []


def test_share_form_with_errors_and_the_receipt(
    page: Page, base_url: str, visit: Visit, axe_source: str
) -> None:
    visit.sign_in(page, "ch1")
    page.goto(f"{base_url}/share")
    page.get_by_role("button", name="Send information").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert violations(page, axe_source) == []
    page.get_by_role("radio", name="Concern", exact=True).check()
    page.get_by_label("Summary").fill("A neighbour is worried.")
    page.fill("[name='subjects-0-name']", "Susan Clarke")
    page.get_by_role("button", name="Send information").click()
    assert violations(page, axe_source) == []
