"""The Child O story further, in a real browser: lookups, the MARAC alert, agendas, letters."""

from __future__ import annotations

from browsing import Visit
from playwright.sync_api import Page, expect

LETTER = "Two of the incidents in the Clare's Law disclosure were recorded as NFA."


def test_the_gps_lookup_shows_the_flag_without_the_child(page: Page, visit: Visit) -> None:
    visit.sign_in(page, "gp1")
    page.get_by_role("link", name="Look up a person").click()
    page.get_by_label("Given name").fill("Dean")
    page.get_by_label("Family name").fill("Marsh")
    page.get_by_label("Date of birth").fill("11/02/1985")
    page.get_by_label("Address").fill("Flat 3, 27 Wellington Road, Luton LU1 5QR")
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Flagged")
    expect(page.locator("main")).to_contain_text("Contact the Children's Services single point")
    expect(page.locator("main")).to_contain_text("Children's Services SPOC")
    expect(page.locator("main")).not_to_contain_text("Oliver")
    expect(page.locator("main")).not_to_contain_text("Ashby")


def test_the_dsl_sees_the_marac_alert_in_the_inbox(page: Page, visit: Visit) -> None:
    visit.sign_in(page, "dsl1")
    row = page.locator("tbody tr").filter(has_text="MARAC case linked to the child")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Oliver Ashby")


def test_the_call_handler_cannot_open_any_part_of_the_childs_record(
    page: Page, base_url: str, visit: Visit
) -> None:
    visit.sign_in(page, "ch1")
    for part in ("", "/chronology", "/challenges", "/agenda?type=core-group"):
        response = page.goto(f"{base_url}/children/child-o{part}")
        assert response is not None and response.status == 404, part
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
        expect(page.locator("main")).not_to_contain_text("Oliver")


def test_the_social_worker_drafts_an_agenda_with_other_agencies_information(
    page: Page, visit: Visit
) -> None:
    visit.sign_in(page, "sw1")
    page.get_by_role("link", name="Oliver Ashby").first.click()
    page.get_by_role("link", name="Meeting agenda").click()
    page.get_by_role("radio", name="Initial child protection conference").check()
    page.get_by_role("button", name="Draft the agenda").click()
    section = page.locator(".teamaround-prominent")
    expect(section.get_by_role("heading", level=2)).to_have_text("Information from other agencies")
    expect(section).to_contain_text("Probation Service, Bedfordshire")
    expect(section).to_contain_text("Not in the core group")
    page.get_by_role("link", name="Print", exact=True).click()
    expect(page.get_by_role("button", name="Print this agenda")).to_be_visible()  # with JS
    page.emulate_media(media="print")
    expect(page.locator(".govuk-service-navigation")).to_be_hidden()
    expect(page.locator(".teamaround-prominent")).to_be_visible()


def test_a_letter_check_highlights_nfa_with_its_explanation(page: Page, visit: Visit) -> None:
    visit.sign_in(page, "sw1")
    page.get_by_role("link", name="Check a letter").click()
    page.get_by_label("Who is the letter to?").fill("Kelly Ashby")
    page.get_by_label("The letter", exact=True).fill(LETTER)
    page.get_by_role("button", name="Check the letter").click()
    letter = page.locator("#marked-letter")
    expect(letter.locator("mark", has_text="NFA")).to_have_count(1)
    expect(letter).to_contain_text("NFA (The police (or another agency) decided to take no further")


def test_the_people_diagram_draws_the_prohibited_contact(
    page: Page, base_url: str, visit: Visit
) -> None:
    visit.sign_in(page, "sw1")
    page.goto(f"{base_url}/children/child-o")
    diagram = page.get_by_role("img", name="People around Oliver Ashby")
    expect(diagram).to_be_visible()
    expect(diagram).to_contain_text("Contact: Prohibited")
