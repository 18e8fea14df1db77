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

from teamaround.adapters.db.engine import make_engine
from teamaround.cli.demo import load_demo
from teamaround.clock import SystemClock
from teamaround.services.commands import ShareCreate
from teamaround.services.context import UnitOfWork
from teamaround.services.sharing import do_share
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

DEAN = {
    "given": "Dean",
    "family": "Marsh",
    "dob": "11/02/1985",
    "address": "Flat 3, 27 Wellington Road, Luton LU1 5QR",
}
OLIVER = {"given": "Oliver", "family": "Ashby", "dob": "19/09/2011"}
PERSON = {
    "id": "dean-marsh",
    "given": "Dean",
    "family": "Marsh",
    "dob-day": "11",
    "dob-month": "2",
    "dob-year": "1985",
}
MARAC = {
    "victim-given": "Kelly",
    "victim-family": "Ashby",
    "victim-dob": "14/07/1990",
    "victim-sex": "F",
    "perpetrator-name": "MARSH, Dean",
    "perpetrator-dob": "11/02/1985",
    "meeting_date-day": "1",
    "meeting_date-month": "12",
    "meeting_date-year": "2030",
}
LETTER = (
    "Following the MARAC on 1 October, the ICPC decided that Oliver remains on a CP plan. "
    "Two of the incidents in the Clare's Law disclosure were recorded as NFA."
)


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
    social_worker_pages(page, base)
    sign_out(page)
    lookups(page, base)
    sign_in(page, base, "spoc")
    page.goto(f"{base}/spoc")
    shoot(page, "22-spoc-view")
    page.goto(f"{base}/reports/challenges")
    shoot(page, "23-challenge-report")
    sign_out(page)
    register_and_meetings(page, base)
    marac_listing(page, base)
    correct_and_merge(page, base)


def register_and_meetings(page: Page, base: str) -> None:
    """The register's forms, the child's meetings and challenges to the social worker's agency."""
    sign_in(page, base, "sw1")
    page.goto(f"{base}/register")
    shoot(page, "24-register")
    page.goto(f"{base}/register/people")
    page.get_by_role("button", name="Add to the register").click()
    shoot(page, "25-register-person-errors")
    for field, value in PERSON.items():
        page.fill(f"[name='{field}']", value)
    page.select_option("[name=kind]", "adult")
    page.select_option("[name=sex]", "M")
    page.get_by_role("button", name="Add to the register").click()
    shoot(page, "26-register-person-added")
    page.goto(f"{base}/register/relationships")
    shoot(page, "27-register-relationship")
    page.goto(f"{base}/children/child-o/meetings")
    shoot(page, "28-meetings")
    page.goto(f"{base}/challenges")
    shoot(page, "29-challenges-to-my-agency")
    sign_out(page)


def correct_and_merge(page: Page, base: str) -> None:
    """A person's record corrected from the child's page; the Dean Marsh added above merged."""
    sign_in(page, base, "sw1")
    page.goto(f"{base}/register/people/mother")
    shoot(page, "32-person-record")
    page.goto(f"{base}/register/people/mother/change?back=/children/child-o")
    shoot(page, "33-correct-details")
    page.get_by_role("button", name="Save the correction").click()
    shoot(page, "34-correct-details-errors")
    page.fill("[name='alias']", "Kel Ashby")
    page.get_by_role("button", name="Save the correction").click()
    shoot(page, "35-details-corrected")
    page.goto(f"{base}/register/people/{PERSON['id']}/merge")
    shoot(page, "36-merge-choose")
    page.fill("[name='into']", "partner")
    page.get_by_role("button", name="Continue").click()
    shoot(page, "37-merge-confirm")
    page.get_by_role("button", name="Merge the records").click()
    shoot(page, "38-merged")
    sign_out(page)


def marac_listing(page: Page, base: str) -> None:
    """The MARAC coordinator lists a case and is told how many children, never which."""
    sign_in(page, base, "mc1")
    page.goto(f"{base}/marac")
    shoot(page, "30-marac-form")
    for field, value in MARAC.items():
        page.fill(f"[name='{field}']", value)
    page.get_by_role("button", name="List the case").click()
    shoot(page, "31-marac-listed")
    sign_out(page)


def social_worker_pages(page: Page, base: str) -> None:
    """The child's record, an agenda and its print view, and the letter check."""
    page.goto(f"{base}/children/child-o/chronology?agency=Cleveland+Police")
    shoot(page, "09-chronology-filtered")
    page.goto(f"{base}/children/child-o/challenges")
    shoot(page, "10-challenges")
    page.get_by_role("button", name="Raise challenge").click()
    shoot(page, "11-challenge-errors")
    page.goto(f"{base}/children/child-o/agenda")
    shoot(page, "12-agenda-choose-meeting")
    page.get_by_role("radio", name="Initial child protection conference").check()
    page.get_by_role("button", name="Draft the agenda").click()
    shoot(page, "13-agenda")
    page.get_by_role("link", name="Print", exact=True).click()
    page.emulate_media(media="print")
    shoot(page, "14-agenda-print")
    page.emulate_media(media="screen")
    page.goto(f"{base}/letters")
    shoot(page, "15-letter-form")
    page.get_by_label("Who is the letter to?").fill("Kelly Ashby")
    page.get_by_label("The letter", exact=True).fill(LETTER)
    page.get_by_role("button", name="Check the letter").click()
    shoot(page, "16-letter-report")


def name_only_share(url: str) -> None:
    """A share naming Kelly and her sex only: a possible match for the SPOC to decide, sent
    through the service before the pages are served, as an agency's system would through
    the API."""
    engine = make_engine(url)
    share = ShareCreate(
        category="concern",
        summary="A parent gave this name at the front desk.",
        subjects=[{"name": "Kelly Ashby", "sex": "female"}],
    )
    do_share(UnitOfWork(engine, SystemClock()), actor_id="pc1", share=share)
    engine.dispose()


def lookups(page: Page, base: str) -> None:
    """The same kind of question from a GP and from the child's school: different answers."""
    sign_in(page, base, "gp1")
    page.goto(f"{base}/lookup")
    shoot(page, "17-lookup-form")
    page.get_by_role("button", name="Look up").click()
    shoot(page, "18-lookup-errors")
    for field, value in DEAN.items():
        page.fill(f"[name='{field}']", value)
    page.get_by_role("button", name="Look up").click()
    shoot(page, "19-lookup-flagged-for-gp")
    sign_out(page)
    sign_in(page, base, "dsl1")
    page.goto(f"{base}/lookup")
    for field, value in OLIVER.items():
        page.fill(f"[name='{field}']", value)
    page.get_by_role("button", name="Look up").click()
    shoot(page, "20-lookup-child-for-dsl")
    page.goto(f"{base}/inbox")
    shoot(page, "21-inbox-dsl-marac")
    sign_out(page)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="teamaround-screens-") as scratch:
        url = f"sqlite:///{Path(scratch) / 'demo.db'}"
        load_demo(url, reset=True)
        name_only_share(url)
        with serve(url) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 800})
            tour(page, base)
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
