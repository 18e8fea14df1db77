"""What the page tests do as a professional: sign in, read the form's token, count writes."""

from __future__ import annotations

import base64
import json
import re
import secrets
from datetime import UTC, datetime

import itsdangerous
import sqlalchemy as sa
from fastapi.testclient import TestClient

from teamaround.adapters.db.tables import (
    AuditRow,
    ChallengeEventRow,
    ChallengeResponseRow,
    ChallengeRow,
    ContributionRow,
    LookupRow,
)
from teamaround.clock import FixedClock
from teamaround.services.accounts import do_start_session
from teamaround.services.commands import AgencyCreate, ProfessionalCreate
from teamaround.services.context import SYSTEM, UnitOfWork
from teamaround.services.register import do_register_agency, do_register_professional
from teamaround.settings import Settings
from teamaround.web.pages.state import SignedIn

END = datetime(2021, 3, 2, 12, 0, tzinfo=UTC)  # after the last step of the Child O case
UNLISTED = {"dsl2": SignedIn("dsl2", "Omar Patel", "dsl", "Greenfield Academy")}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client: TestClient, path: str = "/share") -> str:
    page = client.get(path)
    match = _CSRF.search(page.text)
    assert match, page.text
    return match[1]


def sign_in(client: TestClient, who: str) -> str:
    """Signs in through the start page; returns the new session's CSRF token."""
    if who in UNLISTED:
        return _signed_session(client, UNLISTED[who])
    response = client.post("/sign-in", data={"professional": who, "csrf_token": csrf(client, "/")})
    assert response.status_code == 200 and response.url.path == "/inbox", response.text
    return csrf(client, "/inbox")


def _signed_session(client: TestClient, me: SignedIn) -> str:
    """A server-side session for someone the development start page does not list (it
    offers the demo case's accounts only), and the cookie sign-in would set for it."""
    uow: UnitOfWork = client.app.state.uow  # type: ignore[attr-defined]
    session_id = do_start_session(uow, professional_id=me.id, method="test")
    token = secrets.token_urlsafe(32)
    data = base64.b64encode(json.dumps({"sid": session_id, "csrf": token}).encode())
    settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
    signer = itsdangerous.TimestampSigner(settings.secret_key.get_secret_value())
    client.cookies.set("teamaround_session", signer.sign(data).decode())
    return token


def written(engine: sa.Engine, *, audit: bool = False) -> tuple[int, ...]:
    """What a refused form must not add to: shares, lookups, challenges and their answers;
    with `audit`, the audit log too (a page shown again with errors may audit its reads)."""
    tables = (ContributionRow, LookupRow, ChallengeRow, ChallengeEventRow, ChallengeResponseRow)
    with engine.connect() as c:
        return tuple(
            c.scalar(sa.select(sa.func.count()).select_from(t)) or 0
            for t in (*tables, *((AuditRow,) if audit else ()))
        )


def other_school(engine: sa.Engine) -> None:
    """A second school and its DSL, registered as the partnership would: no role on Oliver."""
    uow = UnitOfWork(engine, FixedClock(END))
    agency = AgencyCreate(id="school2", name="Greenfield Academy", kind="school")
    do_register_agency(uow, actor_id=SYSTEM.id, agency=agency)
    dsl = ProfessionalCreate(id="dsl2", agency="school2", role="dsl", name="Omar Patel")
    do_register_professional(uow, actor_id=SYSTEM.id, professional=dsl)
