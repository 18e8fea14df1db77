"""The review's recommendations through the API, and who must not see what.

The world is the Child O case replayed to its end, plus another school whose DSL has no
role on Oliver's case.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from teamaround.clock import FixedClock
from teamaround.demo import CHILD_O
from teamaround.scenarios.loader import load_scenario
from teamaround.scenarios.runner import replay
from teamaround.services.commands import AgencyCreate, ProfessionalCreate
from teamaround.services.context import SYSTEM, UnitOfWork
from teamaround.services.register import (
    do_issue_token,
    do_register_agency,
    do_register_professional,
)
from teamaround.web.app import create_app

AFTER = datetime(2021, 3, 3, 9, 0, tzinfo=UTC)
DEAN = {"given": "Dean", "family": "Marsh", "dob": "1985-02-11"}
OLIVER = {"given": "Oliver", "family": "Ashby", "dob": "2011-09-19"}

Client = tuple[TestClient, dict[str, dict[str, str]]]


@pytest.fixture
def world(engine: sa.Engine, database_url: str) -> Iterator[Client]:
    scenario = load_scenario(CHILD_O)
    report = replay(scenario, engine)
    assert report.ok
    uow = UnitOfWork(engine, FixedClock(AFTER))
    do_register_agency(
        uow,
        actor_id=SYSTEM.id,
        agency=AgencyCreate(id="other-school", name="Riverside Primary", kind="school"),
    )
    do_register_professional(
        uow,
        actor_id=SYSTEM.id,
        professional=ProfessionalCreate(
            id="dsl2", agency="other-school", role="dsl", name="Sam Other"
        ),
    )
    ids = [p.id for p in scenario.professionals] + ["dsl2"]
    headers = {
        i: {"Authorization": f"Bearer {do_issue_token(uow, actor_id=SYSTEM.id, professional_id=i)}"}
        for i in ids
    }
    with TestClient(create_app(database_url=database_url, clock=FixedClock(AFTER))) as client:
        yield client, headers


def names_no_child(body: object) -> bool:
    """Neither the child's name nor the child's register id appears in the answer."""
    text = json.dumps(body).lower()
    return not re.search(r"\boliver\b", text) and not re.search(r"(?<![\w-])child-o(?![\w-])", text)


def test_gp_lookup_of_the_adult_flags_without_the_child(world: Client) -> None:
    client, auth = world
    answer = client.post("/api/lookups", json={"subject": DEAN}, headers=auth["gp1"]).json()
    assert answer["flagged"] is True
    assert answer["discloses_child"] is False
    assert answer["contact"] == "spoc"
    assert answer["contacts"][0]["role"] == "spoc"
    assert names_no_child(answer)


@pytest.mark.parametrize("outsider", ["ch1", "gp1", "dsl2"])
def test_outsiders_looking_up_the_child_get_only_the_spoc(world: Client, outsider: str) -> None:
    client, auth = world
    answer = client.post("/api/lookups", json={"subject": OLIVER}, headers=auth[outsider]).json()
    assert answer["flagged"] is True
    assert answer["discloses_child"] is False
    assert answer["flags"] == []
    assert names_no_child(answer)


def test_the_childs_own_dsl_sees_the_plans(world: Client) -> None:
    client, auth = world
    answer = client.post("/api/lookups", json={"subject": OLIVER}, headers=auth["dsl1"]).json()
    assert answer["discloses_child"] is True
    assert "child-protection" in answer["flags"]
    assert answer["children"][0]["name"] == "Oliver Ashby"


def test_an_unknown_person_is_not_flagged(world: Client) -> None:
    client, auth = world
    stranger = {"given": "Imogen", "family": "Thackeray", "dob": "1970-01-01"}
    answer = client.post("/api/lookups", json={"subject": stranger}, headers=auth["gp1"]).json()
    assert answer["flagged"] is False
    assert answer["possible_match"] is False


def test_the_social_worker_sees_who_looked_and_others_cannot(world: Client) -> None:
    client, auth = world
    client.post("/api/lookups", json={"subject": DEAN}, headers=auth["gp1"]).raise_for_status()
    seen = client.get("/api/children/child-o/lookups", headers=auth["sw1"]).json()
    assert any(r["professional"] == "Dr Anne Fry" and r["about"] == "Dean Marsh" for r in seen)
    for outsider in ("gp1", "ch1", "dsl2"):
        assert (
            client.get("/api/children/child-o/lookups", headers=auth[outsider]).status_code == 404
        )


def test_agenda_has_other_agencies_information_for_members_only(world: Client) -> None:
    client, auth = world
    body = {"child": "child-o", "type": "core-group"}
    agenda = client.post("/api/agendas", json=body, headers=auth["sw1"]).json()
    assert "Information from other agencies" in agenda["sections"]
    assert agenda["questions"]
    for outsider in ("ch1", "gp1", "dsl2", "om1"):
        assert client.post("/api/agendas", json=body, headers=auth[outsider]).status_code == 404


def test_prompts_are_on_the_case_for_members_only(world: Client) -> None:
    client, auth = world
    kinds = {
        p["kind"] for p in client.get("/api/children/child-o/prompts", headers=auth["sw1"]).json()
    }
    assert {"seek-other-agency-information", "child-da-support-referral"} <= kinds
    assert client.get("/api/children/child-o/prompts", headers=auth["dsl2"]).status_code == 404


def test_challenge_lifecycle_and_who_may_respond(world: Client) -> None:
    client, auth = world
    body = {
        "child": "child-o",
        "to_agency": "csc",
        "nature": "Denial accepted at face value.",
        "expected_outcome": "A strategy meeting.",
        "respond_by": "2021-03-10",
    }
    created = client.post("/api/challenges", json=body, headers=auth["dsl1"])
    assert created.status_code == 201
    challenge = created.json()["id"]
    assert client.post("/api/challenges", json=body, headers=auth["dsl2"]).status_code == 404
    answer = {"text": "Strategy meeting booked."}
    assert (
        client.post(
            f"/api/challenges/{challenge}/responses", json=answer, headers=auth["gp1"]
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/challenges/{challenge}/responses", json=answer, headers=auth["sw1"]
        ).status_code
        == 201
    )
    listed = client.get("/api/children/child-o/challenges", headers=auth["dsl1"]).json()
    mine = next(c for c in listed if c["id"] == challenge)
    assert mine["status"] == "responded"
    assert client.post(
        f"/api/challenges/{challenge}/resolve", json={"outcome": "Met"}, headers=auth["dsl1"]
    ).json() == {"status": "resolved"}
    report = client.get("/api/reports/challenges", headers=auth["tm1"]).json()
    assert {"agency": "csc", "stage": 1, "status": "resolved", "count": 1} in report
    assert client.get("/api/reports/challenges", headers=auth["dsl1"]).status_code == 404


def test_challenge_with_a_past_date_is_refused_naming_the_field(world: Client) -> None:
    client, auth = world
    body = {
        "child": "child-o",
        "to_agency": "csc",
        "nature": "x",
        "expected_outcome": "y",
        "respond_by": "2020-01-01",
    }
    response = client.post("/api/challenges", json=body, headers=auth["dsl1"])
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "respond_by"


def test_letter_check_explains_jargon_and_the_glossary_grows(world: Client) -> None:
    client, auth = world
    text = {"to": "mother", "text": "The police took NFA. The EHA will follow the TAF meeting."}
    report = client.post("/api/letters/check", json=text, headers=auth["sw1"]).json()
    terms = {t["term"]: t["plain"] for t in report["terms"]}
    assert "does not mean that nothing happened" in terms["NFA"]
    assert "TAF" not in terms
    term = {"term": "TAF", "plain": "Team Around the Family: the professionals who help you."}
    assert client.post("/api/glossary", json=term, headers=auth["gp1"]).status_code == 404
    assert client.post("/api/glossary", json=term, headers=auth["sw1"]).status_code == 201
    report = client.post("/api/letters/check", json=text, headers=auth["sw1"]).json()
    assert "TAF" in {t["term"] for t in report["terms"]}
    assert report["advice"]


def test_chronology_in_time_order_and_as_csv_for_members_only(world: Client) -> None:
    client, auth = world
    entries = client.get("/api/children/child-o/chronology", headers=auth["sw1"]).json()
    times = [e["at"] for e in entries]
    assert times == sorted(times)
    kinds = {e["kind"] for e in entries}
    assert {"plan", "meeting", "information", "alert", "challenge", "lookup"} <= kinds
    agencies = {e["agency"] for e in entries if e["kind"] == "information"}
    assert {"Cleveland Police", "North East Ambulance Service (111)", "Harbour"} <= agencies
    csv = client.get("/api/children/child-o/chronology.csv", headers=auth["dsl1"])
    assert csv.status_code == 200
    assert csv.text.splitlines()[0] == "at,kind,agency,title,detail"
    for outsider in ("ch1", "gp1", "dsl2"):
        assert (
            client.get("/api/children/child-o/chronology", headers=auth[outsider]).status_code
            == 404
        )


def test_marac_coordinator_learns_how_many_children_and_whom_to_contact(world: Client) -> None:
    client, auth = world
    body = {
        "victim": {"given": "Kelly", "family": "Ashby", "dob": "14/07/1990"},
        "perpetrator": DEAN,
        "meeting_date": "2021-03-20",
    }
    receipt = client.post("/api/marac-listings", json=body, headers=auth["mc1"]).json()
    assert receipt["linked_children"] == 1
    assert any("Helen Carr" in c for c in receipt["contacts"])
    assert names_no_child(receipt)
    inbox = client.get("/api/alerts", headers=auth["dsl1"]).json()
    assert any(a["kind"] == "marac-linked-child" and "20 March 2021" in a["reason"] for a in inbox)


def test_acknowledgement_shows_who_and_when(world: Client) -> None:
    client, auth = world
    inbox = client.get("/api/alerts", headers=auth["sw1"]).json()
    urgent = next(a for a in inbox if a["kind"] == "risk-adult-at-child-address")
    assert urgent["acknowledged_by"] == []
    client.post(f"/api/alerts/{urgent['id']}/acknowledge", headers=auth["sw1"]).raise_for_status()
    again = client.get("/api/alerts", headers=auth["dsl1"]).json()
    seen = next(a for a in again if a["id"] == urgent["id"])
    assert seen["acknowledged_by"] == [f"Priya Shah at {AFTER.isoformat()}"]
    assert (
        client.post(f"/api/alerts/{urgent['id']}/acknowledge", headers=auth["ch1"]).status_code
        == 404
    )
