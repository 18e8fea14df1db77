"""A real browser against a live server: the demo case in a fresh SQLite file, headless Chromium.

The browser is Debian's chromium (never a downloaded build) and axe-core comes from npm;
`make browser-deps` installs both. Without them these tests fail, saying what to run.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from browsing import Visit
from playwright.sync_api import Browser, Page, sync_playwright

from teamaround.cli.demo import load_demo
from teamaround.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
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


@pytest.fixture(scope="session")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app, on the demo case, served on a free loopback port from a thread."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'demo.db'}"
    load_demo(url, reset=True)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(database_url=url), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium)")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies) for every test."""
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    context.set_default_timeout(5_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make browser-deps` (npm ci in tests/browser)")
    return AXE.read_text()


@pytest.fixture
def visit(base_url: str) -> Visit:
    return Visit(base_url)
