"""Signing in through the pages and the API: password and code, the provider, sessions, keys."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import pyotp
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import RSAKey
from pydantic import ValidationError

from teamaround.adapters.db.tables import AuditRow, WebSessionRow
from teamaround.clock import FixedClock
from teamaround.services.accounts import (
    do_disable_professional,
    do_enrol_totp,
    do_issue_api_key,
    do_link_identity,
    do_set_password,
)
from teamaround.services.commands import AgencyCreate, ProfessionalCreate
from teamaround.services.context import SYSTEM, UnitOfWork
from teamaround.services.register import (
    do_issue_token,
    do_register_agency,
    do_register_professional,
    token_digest,
)
from teamaround.settings import Settings
from teamaround.web.app import create_app
from teamaround.web.pages import oidc

NOW = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
PASSWORD = "amber-kettle-orchard-77"
ISSUER = "https://login.partnership.example"
CLIENT_ID = "teamaround"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def totp(engine: sa.Engine, clock: FixedClock) -> pyotp.TOTP:
    """A social worker, sw9, with a password and an authenticator app."""
    uow = UnitOfWork(engine, clock)
    agency = AgencyCreate(
        id="csc", name="Stockton Children's Services", kind="childrens-social-care"
    )
    do_register_agency(uow, actor_id=SYSTEM.id, agency=agency)
    for who in ("sw9", "sw8"):
        person = ProfessionalCreate(id=who, agency="csc", role="social-worker", name="Sam Ward")
        do_register_professional(uow, actor_id=SYSTEM.id, professional=person)
    do_set_password(uow, actor_id=SYSTEM.id, professional_id="sw9", password=PASSWORD)
    return pyotp.TOTP(do_enrol_totp(uow, actor_id=SYSTEM.id, professional_id="sw9").secret)


@pytest.fixture
def client(totp: pyotp.TOTP, database_url: str, clock: FixedClock) -> Iterator[TestClient]:
    with TestClient(create_app(database_url=database_url, clock=clock)) as test_client:
        yield test_client


def csrf(client: TestClient, path: str = "/") -> str:
    match = _CSRF.search(client.get(path).text)
    assert match
    return match[1]


def sign_in(client: TestClient, username: str, password: str, code: str) -> httpx2.Response:
    token = csrf(client)
    first = client.post(
        "/sign-in/password",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert first.status_code == 303 and first.headers["location"] == "/sign-in/code"
    assert client.get("/sign-in/code").status_code == 200
    return client.post("/sign-in/code", data={"code": code, "csrf_token": token})


def cookie(client: TestClient) -> dict[str, Any]:
    payload = client.cookies["teamaround_session"].split(".")[0]
    return dict(json.loads(base64.b64decode(payload + "==")))


def test_password_then_code_signs_in_with_a_server_side_session(
    client: TestClient, totp: pyotp.TOTP, engine: sa.Engine
) -> None:
    page = client.get("/")
    assert 'autocomplete="current-password"' in page.text and 'name="username"' in page.text
    signed_in = sign_in(client, "sw9", PASSWORD, totp.at(NOW))
    assert signed_in.status_code == 200 and signed_in.url.path == "/inbox"
    assert "Sam Ward, Stockton Children" in signed_in.text
    held = cookie(client)
    assert set(held) == {"sid", "csrf"}  # no id, name or role: only the random session id
    with engine.connect() as c:
        row = c.execute(sa.select(WebSessionRow)).one()
    assert row.id == token_digest(held["sid"]) and row.professional_id == "sw9"


def _without_tokens(text: str) -> str:
    return _CSRF.sub("", text)


def test_wrong_password_wrong_code_and_unknown_user_look_the_same(
    client: TestClient, totp: pyotp.TOTP
) -> None:
    right = totp.at(NOW)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    answers = [
        sign_in(client, "sw9", "not-the-password-at-all", right),
        sign_in(client, "sw9", PASSWORD, wrong),
        sign_in(client, "nobody", PASSWORD, right),
        sign_in(client, "sw8", PASSWORD, right),  # has no password at all
    ]
    assert {a.status_code for a in answers} == {400}
    assert len({_without_tokens(a.text) for a in answers}) == 1
    assert "Your username, password or security code is not right" in answers[0].text
    assert 'href="#username"' in answers[0].text  # the error summary
    assert client.get("/inbox", follow_redirects=False).status_code == 303


def test_empty_fields_are_asked_for(client: TestClient) -> None:
    page = client.post("/sign-in/password", data={"username": " ", "csrf_token": csrf(client)})
    assert page.status_code == 400
    assert 'href="#username"' in page.text and 'href="#password"' in page.text


def test_the_code_page_needs_the_password_step_first(client: TestClient) -> None:
    assert client.get("/sign-in/code", follow_redirects=False).headers["location"] == "/"
    token = csrf(client)
    sent = client.post("/sign-in/code", data={"code": "123456", "csrf_token": token})
    assert sent.url.path == "/"


def test_the_account_locks_after_repeated_failures(client: TestClient, totp: pyotp.TOTP) -> None:
    for _ in range(5):
        sign_in(client, "sw9", "not-the-password-at-all", "000000")
    refused = sign_in(client, "sw9", PASSWORD, totp.at(NOW))
    assert refused.status_code == 400 and "not right" in refused.text


def test_an_idle_session_is_signed_out(
    client: TestClient, totp: pyotp.TOTP, clock: FixedClock
) -> None:
    sign_in(client, "sw9", PASSWORD, totp.at(NOW))
    clock.set(NOW + timedelta(minutes=29))
    assert client.get("/inbox", follow_redirects=False).status_code == 200
    clock.set(NOW + timedelta(minutes=29 + 30))
    assert client.get("/inbox", follow_redirects=False).headers["location"] == "/"
    assert "You have been signed out" in client.get("/").text


def test_a_session_ends_after_ten_hours_however_busy(
    client: TestClient, totp: pyotp.TOTP, clock: FixedClock
) -> None:
    sign_in(client, "sw9", PASSWORD, totp.at(NOW))
    for minutes in range(20, 600, 20):
        clock.set(NOW + timedelta(minutes=minutes))
        assert client.get("/inbox", follow_redirects=False).status_code == 200
    clock.set(NOW + timedelta(hours=10))
    assert client.get("/inbox", follow_redirects=False).status_code == 303


def test_a_signed_out_cookie_is_worthless(client: TestClient, totp: pyotp.TOTP) -> None:
    sign_in(client, "sw9", PASSWORD, totp.at(NOW))
    copied = client.cookies["teamaround_session"]
    client.post("/sign-out", data={"csrf_token": csrf(client, "/inbox")})
    client.cookies.set("teamaround_session", copied)
    assert client.get("/inbox", follow_redirects=False).status_code == 303


def test_disabling_ends_the_page_session_and_the_api_key_on_the_next_request(
    client: TestClient, totp: pyotp.TOTP, engine: sa.Engine, clock: FixedClock
) -> None:
    sign_in(client, "sw9", PASSWORD, totp.at(NOW))
    uow = UnitOfWork(engine, clock)
    key = do_issue_api_key(
        uow,
        actor_id=SYSTEM.id,
        professional_id="sw9",
        scopes=["read"],
        expires_at=NOW + timedelta(days=9),
    )
    token = do_issue_token(uow, actor_id=SYSTEM.id, professional_id="sw9")
    for bearer in (key, token):
        assert client.get("/api/alerts", headers=_bearer(bearer)).status_code == 200
    assert client.get("/inbox", follow_redirects=False).status_code == 200
    do_disable_professional(uow, actor_id=SYSTEM.id, professional_id="sw9")
    assert client.get("/inbox", follow_redirects=False).headers["location"] == "/"
    for bearer in (key, token):
        assert client.get("/api/alerts", headers=_bearer(bearer)).status_code == 401


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_scoped_api_keys_reach_only_their_routes(
    client: TestClient, engine: sa.Engine, clock: FixedClock
) -> None:
    uow = UnitOfWork(engine, clock)

    def key(*scopes: str, days: int = 30) -> dict[str, str]:
        expires_at = NOW + timedelta(days=days)
        return _bearer(
            do_issue_api_key(
                uow, actor_id=SYSTEM.id, professional_id="sw9", scopes=scopes, expires_at=expires_at
            )
        )

    share, lookup, read = key("share"), key("lookup"), key("read")
    # 422 means the key was let through to the (empty) body; 403 that the key may not
    assert client.post("/api/shares", json={}, headers=share).status_code == 422
    assert client.post("/api/marac-listings", json={}, headers=share).status_code == 422
    assert client.post("/api/lookups", json={}, headers=share).status_code == 403
    assert client.get("/api/alerts", headers=share).status_code == 403
    assert client.post("/api/lookups", json={}, headers=lookup).status_code == 422
    assert client.post("/api/shares", json={}, headers=lookup).status_code == 403
    assert client.get("/api/alerts", headers=read).status_code == 200
    assert client.post("/api/shares", json={}, headers=read).status_code == 403
    refused = client.post("/api/people", json={}, headers=key("share", "lookup", "read"))
    assert refused.status_code == 403  # the register is for unlimited keys only
    assert "scope" in client.post("/api/lookups", json={}, headers=share).json()["detail"]
    clock.set(NOW + timedelta(days=30))
    assert client.get("/api/alerts", headers=read).status_code == 401


def test_production_mounts_no_demo_sign_in_and_refuses_defaults(
    engine: sa.Engine, database_url: str
) -> None:
    """A mounted page route checks the form's CSRF token first (403); an absent one is 404."""
    settings = Settings(environment="production", database_url=database_url, secret_key="s" * 40)
    production = create_app(database_url=database_url, settings=settings)
    with TestClient(production, base_url="https://testserver") as client:
        assert client.post("/sign-in", data={"professional": "sw1"}).status_code == 404
        assert client.post("/sign-in/password", data={}).status_code == 403
        assert client.get("/sign-in/oidc").status_code == 404  # no provider configured
    with TestClient(create_app(database_url=database_url)) as client:
        assert client.post("/sign-in", data={"professional": "sw1"}).status_code == 403
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(environment="production", database_url="postgresql://db/x")
    with pytest.raises(ValidationError, match="OIDC"):
        Settings(oidc_client_id="teamaround", oidc_metadata_url=f"{ISSUER}/meta")
    with pytest.raises(ValidationError, match="https"):
        Settings(
            environment="production",
            database_url="postgresql://db/x",
            secret_key="s" * 40,
            oidc_client_id="teamaround",
            oidc_client_secret="c" * 32,
            oidc_metadata_url="http://login.example/meta",
        )


def test_sign_in_is_audited_without_what_was_typed(
    client: TestClient, totp: pyotp.TOTP, engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    code = totp.at(NOW)
    sign_in(client, "sw9", "a-wrong-password-typed", code)
    sign_in(client, "sw9", PASSWORD, code)
    with engine.connect() as c:
        rows = c.execute(sa.select(AuditRow)).all()
    outcomes = {(r.action, r.outcome) for r in rows}
    assert ("sign-in-password", "refused") in outcomes
    assert ("sign-in", "ok") in outcomes and ("start-session-password", "ok") in outcomes
    text = " ".join(str(tuple(r)) for r in rows) + caplog.text
    for secret in (PASSWORD, "a-wrong-password-typed", code):
        assert secret not in text


# --- the partnership's OpenID Connect provider, faked in memory -----------------------------


class FakeProvider:
    """Metadata, keys and a token endpoint, served through httpx2.MockTransport: no network."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
        self.nonce = ""
        self.subject = "a1b2-c3d4"
        self.audience = CLIENT_ID

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        if request.url.path == "/.well-known/openid-configuration":
            return httpx2.Response(
                200,
                json={
                    "issuer": ISSUER,
                    "authorization_endpoint": f"{ISSUER}/authorize",
                    "token_endpoint": f"{ISSUER}/token",
                    "jwks_uri": f"{ISSUER}/jwks",
                    "id_token_signing_alg_values_supported": ["RS256"],
                },
            )
        if request.url.path == "/jwks":
            return httpx2.Response(200, json={"keys": [self.key.as_dict(private=False)]})
        if request.url.path == "/token":
            now = int(time.time())  # Authlib checks the ID token against the real clock
            claims = {
                "iss": ISSUER,
                "sub": self.subject,
                "aud": self.audience,
                "iat": now,
                "exp": now + 300,
                "nonce": self.nonce,
            }
            id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)
            return httpx2.Response(
                200, json={"access_token": "at", "token_type": "Bearer", "id_token": id_token}
            )
        return httpx2.Response(404)


@pytest.fixture
def provider() -> FakeProvider:
    return FakeProvider()


@pytest.fixture
def production(
    totp: pyotp.TOTP, database_url: str, clock: FixedClock, provider: FakeProvider
) -> Iterator[TestClient]:
    settings = Settings(
        environment="production",
        database_url=database_url,
        secret_key="s" * 40,
        oidc_metadata_url=f"{ISSUER}/.well-known/openid-configuration",
        oidc_client_id=CLIENT_ID,
        oidc_client_secret="c" * 32,
    )
    app = create_app(database_url=database_url, clock=clock, settings=settings)
    app.state.oidc = oidc.make_client(settings, transport=httpx2.MockTransport(provider.handler))
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client


def _to_provider(client: TestClient, provider: FakeProvider) -> str:
    """Follow the start of the sign-in to the provider; returns the state to come back with."""
    sent = client.get("/sign-in/oidc", follow_redirects=False)
    assert sent.status_code == 302
    where = urlsplit(sent.headers["location"])
    assert f"{where.scheme}://{where.netloc}{where.path}" == f"{ISSUER}/authorize"
    query = parse_qs(where.query)
    assert query["redirect_uri"] == ["https://testserver/sign-in/oidc/callback"]
    provider.nonce = query["nonce"][0]
    return query["state"][0]


def test_the_provider_signs_a_linked_professional_in(
    production: TestClient, provider: FakeProvider, engine: sa.Engine, clock: FixedClock
) -> None:
    do_link_identity(
        UnitOfWork(engine, clock),
        actor_id=SYSTEM.id,
        professional_id="sw9",
        issuer=ISSUER,
        subject=provider.subject,
    )
    assert "Sign in with your organisation" in production.get("/").text
    state = _to_provider(production, provider)
    back = production.get(f"/sign-in/oidc/callback?code=abc&state={state}")
    assert back.status_code == 200 and back.url.path == "/inbox"
    assert set(cookie(production)) == {"sid", "csrf"}
    with engine.connect() as c:
        actions = set(c.scalars(sa.select(AuditRow.action)))
    assert {"sign-in-oidc", "start-session-oidc"} <= actions


def test_the_provider_cannot_sign_in_someone_not_linked(
    production: TestClient, provider: FakeProvider
) -> None:
    state = _to_provider(production, provider)
    back = production.get(f"/sign-in/oidc/callback?code=abc&state={state}")
    assert back.status_code == 400 and "could not sign you in" in back.text
    assert production.get("/inbox", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("tamper", ["state", "nonce", "audience"])
def test_an_answer_that_cannot_be_trusted_is_refused(
    production: TestClient,
    provider: FakeProvider,
    engine: sa.Engine,
    clock: FixedClock,
    tamper: str,
) -> None:
    do_link_identity(
        UnitOfWork(engine, clock),
        actor_id=SYSTEM.id,
        professional_id="sw9",
        issuer=ISSUER,
        subject=provider.subject,
    )
    state = _to_provider(production, provider)
    if tamper == "state":
        state = "forged"
    elif tamper == "nonce":
        provider.nonce = "replayed"
    else:
        provider.audience = "another-service"
    back = production.get(f"/sign-in/oidc/callback?code=abc&state={state}")
    assert back.status_code == 400 and "could not sign you in" in back.text
    assert production.get("/inbox", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    ("claims", "linked"),
    [
        ({"iss": ISSUER, "sub": "x", "email": "sam@csc.example"}, "sam@csc.example"),
        ({"iss": ISSUER, "sub": "x", "email": "sam@csc.example", "email_verified": False}, None),
        ({"iss": ISSUER, "sub": "x"}, None),
    ],
)
def test_an_email_claim_must_be_present_and_not_unverified(
    claims: dict[str, Any], linked: str | None
) -> None:
    settings = Settings(
        oidc_claim="email",
        oidc_client_id=CLIENT_ID,
        oidc_client_secret="c" * 32,
        oidc_metadata_url=f"{ISSUER}/meta",
    )
    if linked is None:
        with pytest.raises((KeyError, ValueError)):
            oidc.subject_of(claims, settings)
    else:
        assert oidc.subject_of(claims, settings) == (ISSUER, linked)
