"""The child's page completed: prompts, people diagram, chronology, challenges, lookups."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from page_helpers import sign_in

from teamaround.adapters.db.tables import AuditRow

OUTSIDERS = ["ch1", "gp1", "dsl2"]  # a call handler, a GP, another school's DSL
CHILD_PAGES = [
    "/children/{}",
    "/children/{}/chronology",
    "/children/{}/chronology.csv",
    "/children/{}/challenges",
    "/children/{}/agenda",
    "/children/{}/agenda?type=core-group",
    "/children/{}/agenda/print?type=core-group",
]


def test_the_child_page_shows_prompts_people_challenges_and_lookups(story: TestClient) -> None:
    sign_in(story, "sw1")
    page = story.get("/children/child-o")
    assert page.status_code == 200
    text = page.text
    assert "Complex case discussion" in text  # an open prompt (step s24)
    assert "Recommendation" in text
    assert "Priya Shah" in text and ">sw1<" not in text  # names, not ids
    assert "Helen Carr (designated safeguarding lead, Ashgrove Primary School)" in text
    assert "stage 2 (line managers), escalated, respond by 9 March 2021" in text
    lookups = text.split('id="lookups"')[1]
    assert "Dr Anne Fry, Wellington Road Surgery, Luton" in lookups
    assert "No: flag and contact only" in lookups


def test_the_people_diagram_is_an_image_with_the_same_facts_as_text(story: TestClient) -> None:
    sign_in(story, "sw1")
    text = story.get("/children/child-o").text
    svg = text.split("<svg")[1].split("</svg>")[0]
    assert 'role="img"' in svg and 'aria-labelledby="diagram-title diagram-desc"' in svg
    assert "Dean Marsh, parent&#39;s partner, contact prohibited" in svg  # the description
    assert "Contact: Prohibited" in svg and 'stroke-dasharray="10 6"' in svg
    assert "Must not enter the Cleveland" in svg
    drawn = " ".join(re.sub(r"<[^>]+>", " ", svg).split())  # the words, as wrapped lines
    cards = text.split("</svg>")[1]
    # Dean's card from after its title and the actions that repeat it, to the next card
    dean = cards.split("Dean Marsh (parent")[-1].split("govuk-summary-card__title")[0]
    for known in ("Probation Service, Bedfordshire", "North East Ambulance Service (111)"):
        assert known in drawn and known in dean  # which agency knows Dean, in both


def test_the_chronology_filters_by_kind_and_agency(story: TestClient) -> None:
    sign_in(story, "sw1")
    everything = story.get("/children/child-o/chronology")
    assert everything.status_code == 200
    total = int(re.search(r"Showing (\d+) of (\d+)", everything.text)[1])
    alerts = story.get("/children/child-o/chronology", params={"kind": "alert"})
    shown = re.search(r"Showing (\d+) of (\d+)", alerts.text)
    assert 0 < int(shown[1]) < total == int(shown[2])
    assert '<option value="alert" selected>' in alerts.text
    police = story.get("/children/child-o/chronology", params={"agency": "Cleveland Police"})
    rows = police.text.split("<tbody")[1]
    assert "Cleveland Police" in rows and "Probation Service" not in rows
    nonsense = story.get("/children/child-o/chronology", params={"kind": "<script>"})
    assert nonsense.status_code == 200 and f"Showing {total} of {total}" in nonsense.text


def test_the_chronology_downloads_as_csv_and_the_export_is_audited(story, story_engine) -> None:
    sign_in(story, "tm1")
    download = story.get("/children/child-o/chronology.csv")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    assert download.text.splitlines()[0] == "at,kind,agency,title,detail"
    with story_engine.connect() as c:
        actions = set(c.scalars(sa.select(AuditRow.action).where(AuditRow.actor_id == "tm1")))
    assert {"export-chronology", "read-chronology"} <= actions


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_every_child_page_is_not_found_for_outsiders(story: TestClient, outsider: str) -> None:
    sign_in(story, outsider)
    missing = story.get("/children/nobody")
    assert missing.status_code == 404
    for path in CHILD_PAGES:
        refused = story.get(path.format("child-o"))
        assert refused.status_code == 404, path
        assert refused.text == missing.text, path
        assert "Oliver" not in refused.text and "Dean" not in refused.text


@pytest.mark.parametrize("path", CHILD_PAGES)
def test_child_pages_send_a_signed_out_browser_to_the_start(story: TestClient, path: str) -> None:
    response = story.get(path.format("child-o"), follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_the_childs_school_dsl_sees_the_page_and_the_lead_sees_restricted_detail(
    story: TestClient,
) -> None:
    sign_in(story, "dsl1")
    assert story.get("/children/child-o").status_code == 200
    assert story.get("/children/child-o/chronology").status_code == 200
