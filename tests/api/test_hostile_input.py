"""Hostile input: oversized bodies, odd encodings and injection strings, and quiet logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from teamaround.adapters.db.tables import ContributionRow, PersonRow
from teamaround.clock import FixedClock
from teamaround.demo import CHILD_O
from teamaround.scenarios.loader import load_scenario
from teamaround.scenarios.runner import load_register
from teamaround.services.context import SYSTEM, UnitOfWork
from teamaround.services.register import do_issue_token
from teamaround.web.app import MAX_BODY_BYTES, create_app

WHEN = datetime(2021, 2, 2, 19, 12, tzinfo=UTC)
NASTY = [
    "'; DROP TABLE people; --",
    '<script>alert("x")</script>',
    '=HYPERLINK("http://evil.example","click")',
    "Robert'); DELETE FROM audit_log;--",
    "\u202egnp.exe",  # right-to-left override
    "Zoë Ñúñez-O'Brien 王秀英",
    "{{7*7}} ${7*7} %s %n",
]


@pytest.fixture
def world(
    engine: sa.Engine, database_url: str
) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    uow = UnitOfWork(engine, FixedClock(WHEN))
    load_register(uow, load_scenario(CHILD_O))
    tokens = {w: do_issue_token(uow, actor_id=SYSTEM.id, professional_id=w) for w in ("pc1", "sw1")}
    auth = {w: {"Authorization": f"Bearer {t}"} for w, t in tokens.items()}
    with TestClient(create_app(database_url=database_url, clock=FixedClock(WHEN))) as client:
        yield client, auth


def counts(engine: sa.Engine) -> tuple[int, int]:
    with engine.connect() as c:
        return (
            int(c.scalar(sa.select(sa.func.count()).select_from(ContributionRow)) or 0),
            int(c.scalar(sa.select(sa.func.count()).select_from(PersonRow)) or 0),
        )


def test_an_oversized_body_is_refused_before_it_is_read(world, engine: sa.Engine) -> None:
    client, auth = world
    before = counts(engine)
    huge = b'{"category":"concern","summary":"' + b"x" * (MAX_BODY_BYTES + 10) + b'"}'
    response = client.post(
        "/api/shares", content=huge, headers={**auth["pc1"], "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert counts(engine) == before


@pytest.mark.parametrize(
    "body",
    [
        b'{"category": "concern", "summary": "\xff\xfe\xfa", "subjects": [{"name": "A"}]}',
        b'{"category": "concern", "summary": "\\ud800", "subjects": [{"name": "A"}]}',
        b"\x00\x00\x00",
    ],
)
def test_odd_encodings_are_refused_without_a_server_error(
    world, engine: sa.Engine, body: bytes
) -> None:
    client, auth = world
    before = counts(engine)
    response = client.post(
        "/api/shares", content=body, headers={**auth["pc1"], "Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500
    assert counts(engine) == before


def test_utf16_json_is_read_as_the_same_text(world) -> None:
    client, auth = world
    body = '{"category": "concern", "summary": "café", "subjects": [{"name": "A B"}]}'
    response = client.post(
        "/api/shares",
        content=body.encode("utf-16"),
        headers={**auth["pc1"], "Content-Type": "application/json"},
    )
    assert response.status_code == 201
    seen = client.get(
        f"/api/contributions/{response.json()['contribution_id']}", headers=auth["pc1"]
    ).json()
    assert seen["summary"] == "café"


def test_injection_strings_are_stored_as_text_and_shown_safely(world, engine: sa.Engine) -> None:
    client, auth = world
    for text in NASTY:
        share = {
            "category": "concern",
            "summary": text,
            "subjects": [{"name": f"Kelly Ashby {text}"[:200], "dob": "1990-07-14"}],
        }
        receipt = client.post("/api/shares", json=share, headers=auth["pc1"])
        assert receipt.status_code == 201, receipt.text
        seen = client.get(
            f"/api/contributions/{receipt.json()['contribution_id']}", headers=auth["pc1"]
        ).json()
        assert seen["summary"] == text
    assert counts(engine)[1] > 0  # the people table is still there


def test_logs_never_carry_personal_details(world, caplog: pytest.LogCaptureFixture) -> None:
    client, auth = world
    caplog.set_level(logging.DEBUG)
    subject = {
        "given": "Kelly",
        "family": "Ashby",
        "dob": "14/07/1990",
        "address": "12 Acacia Avenue, TS18 1AB",
        "phone": "07700 900123",
    }
    client.post(
        "/api/shares",
        headers=auth["pc1"],
        json={
            "category": "incident",
            "summary": "Shouting heard at the flat.",
            "subjects": [subject],
        },
    ).raise_for_status()
    client.post("/api/lookups", headers=auth["pc1"], json={"subject": subject}).raise_for_status()
    client.get("/api/alerts", headers=auth["sw1"]).raise_for_status()
    logged = caplog.text.lower()
    for detail in ("kelly", "ashby", "oliver", "acacia", "07700", "1990", "shouting"):
        assert detail not in logged, detail


@pytest.mark.parametrize("cell", ["=SUM(A1)", "+1", "-1", "@cmd"])
def test_csv_cells_cannot_run_as_formulas(cell: str) -> None:
    from teamaround.services.chronology import _safe_cell

    assert _safe_cell(cell) == "'" + cell
    assert _safe_cell("plain words") == "plain words"
