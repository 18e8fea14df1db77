"""What a person does in the browser, shared by the browser tests."""

from __future__ import annotations

from playwright.sync_api import Page


class Visit:
    """Signing in and out as a demo professional, the way a person does it."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def sign_in(self, page: Page, who: str) -> None:
        page.goto(f"{self.base_url}/")
        page.check(f"input[name=professional][value={who}]")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{self.base_url}/inbox")

    def sign_out(self, page: Page) -> None:
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{self.base_url}/")
