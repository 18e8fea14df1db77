"""Signing in through the partnership's OpenID Connect provider (Authlib), when configured.

The provider's answer is trusted only after Authlib has checked the state (bound to this
browser's session cookie), the ID token's signature against the provider's published keys,
its issuer, audience, expiry and nonce. The configured claim (`sub`, or a verified `email`)
is then looked up in `sign_in_identities`; nobody is created on the fly.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx2
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.starlette_client import OAuth
from fastapi import APIRouter, Request
from fastapi.responses import Response
from joserfc.errors import JoseError
from starlette.concurrency import run_in_threadpool

from teamaround.services.accounts import do_refuse_external, identify_external
from teamaround.settings import Settings
from teamaround.web.pages import session
from teamaround.web.pages.templating import not_found

logger = logging.getLogger(__name__)
router = APIRouter()
PROVIDER = "partnership"
SCOPES = "openid email profile"
COULD_NOT = (
    "We could not sign you in with your organisation's account. Try again, or ask your "
    "partnership's administrator to check that your account is linked to TeamAround."
)
_UNTRUSTED = (AuthlibBaseError, JoseError, httpx2.HTTPError, KeyError, ValueError, TypeError)


def make_client(settings: Settings, *, transport: httpx2.AsyncBaseTransport | None = None) -> Any:
    """The provider's client, or None when none is configured; `transport` is for tests."""
    if not settings.oidc_enabled or settings.oidc_client_secret is None:
        return None
    client_kwargs: dict[str, Any] = {"scope": SCOPES, "timeout": 10.0}
    if transport is not None:
        client_kwargs["transport"] = transport
    return OAuth().register(
        PROVIDER,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret.get_secret_value(),
        server_metadata_url=settings.oidc_metadata_url,
        client_kwargs=client_kwargs,
    )


@router.get("/sign-in/oidc")
async def oidc_start(request: Request) -> Response:
    client = request.app.state.oidc
    if client is None:
        return not_found(request)
    try:
        response: Response = await client.authorize_redirect(
            request, str(request.url_for("oidc_callback"))
        )
    except _UNTRUSTED as exc:
        logger.warning("the OpenID Connect provider could not be reached: %s", type(exc).__name__)
        return session.start_page(request, errors={"oidc": COULD_NOT})
    return response


@router.get("/sign-in/oidc/callback", name="oidc_callback")
async def oidc_callback(request: Request) -> Response:
    client = request.app.state.oidc
    if client is None:
        return not_found(request)
    uow = session.uow_of(request)
    try:
        token = await client.authorize_access_token(request)
        subject = subject_of(token["userinfo"], session.settings_of(request))
    except _UNTRUSTED as exc:
        logger.warning("an OpenID Connect answer was refused: %s", type(exc).__name__)
        await run_in_threadpool(do_refuse_external, uow, why="untrusted")
        return session.start_page(request, errors={"oidc": COULD_NOT})
    professional = await run_in_threadpool(
        identify_external, uow, issuer=subject[0], subject=subject[1]
    )
    if professional is None:
        return session.start_page(request, errors={"oidc": COULD_NOT})
    return await run_in_threadpool(session.begin_session, request, professional, "oidc")


def subject_of(claims: dict[str, Any], settings: Settings) -> tuple[str, str]:
    """(issuer, the configured claim): an email must not be marked unverified."""
    value = claims[settings.oidc_claim]
    if settings.oidc_claim == "email" and claims.get("email_verified") is False:
        raise ValueError("the provider has not verified this email address")
    if not isinstance(value, str) or not value:
        raise ValueError(f"the {settings.oidc_claim} claim is empty")
    return str(claims["iss"]), value
