"""Write a PNG of every page into docs/screenshots/, from the demo case in headless Chromium.

Run with `make screenshots`. Needs Debian's chromium at /usr/bin/chromium (`make browser-deps`).
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from playwright.sync_api import Page, sync_playwright

from teamaround.cli.demo import load_demo
from teamaround.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
URGENT_CALL = {
    "category": "health-contact",
    "summary": "111 call requesting an emergency supply of medication. Caller gave his address.",
    "subjects-0-name": "MARSH, Dean",
    "subjects-0-dob": "11/02/1985",
    "subjects-0-address": "12 acacia ave stockton ts181ab",
}


@contextmanager
def serve(database_url: str) -> Iterator[str]:
    """The app on a free loopback port, in a thread, for as long as the block runs."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(database_url=database_url), log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def sign_in(page: Page, base: str, who: str) -> None:
    page.goto(f"{base}/")
    page.check(f"input[name=professional][value={who}]")
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
    print(f"  docs/screenshots/{name}.png")


def tour(page: Page, base: str) -> None:
    page.goto(f"{base}/")
    shoot(page, "01-start-sign-in")
    sign_in(page, base, "ch1")
    page.goto(f"{base}/share")
    shoot(page, "02-share-form")
    page.get_by_role("button", name="Send information").click()
    shoot(page, "03-share-form-errors")
    page.check("input[name=category][value=health-contact]")
    for field, value in URGENT_CALL.items():
        if field != "category":
            page.fill(f"[name='{field}']", value)
    page.get_by_role("button", name="Send information").click()
    shoot(page, "04-share-sent")
    page.goto(f"{base}/children/child-o")
    shoot(page, "05-child-not-found-for-call-handler")
    sign_out(page)
    sign_in(page, base, "sw1")
    shoot(page, "06-inbox-social-worker")
    page.get_by_role("button", name="Acknowledge").first.click()
    shoot(page, "07-inbox-acknowledged")
    page.goto(f"{base}/children/child-o")
    shoot(page, "08-child-page")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="teamaround-screens-") as scratch:
        url = f"sqlite:///{Path(scratch) / 'demo.db'}"
        load_demo(url, reset=True)
        with serve(url) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 800})
            tour(page, base)
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
