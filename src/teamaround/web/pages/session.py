"""Signing in (password and code; demo accounts in development) and out, and CSRF on every form.

The cookie holds a random session id; who it belongs to, and whether it is still alive, is
read from `web_sessions` on every request (docs/decisions/0006-sign-in.md).
"""

from __future__ import annotations

from functools import cache
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from teamaround.demo import CHILD_O
from teamaround.scenarios.loader import load_scenario
from teamaround.services.accounts import (
    SignInPolicy,
    check_session,
    do_check_code,
    do_check_password,
    do_end_session,
    do_start_session,
)
from teamaround.services.context import UnitOfWork
from teamaround.services.errors import NotFound
from teamaround.settings import Settings
from teamaround.web.pages import state
from teamaround.web.pages.state import SignedIn
from teamaround.web.pages.templating import not_found, render, see_other

router = APIRouter()
demo_router = APIRouter()  # mounted in development only

CSRF_FIELD = "csrf_token"


class SignInRequired(Exception):
    """A page that acts for a professional was asked for without a signed-in session."""


class CsrfRefused(Exception):
    """A form came back without this session's token: possibly sent by another site."""


def resolve_session(request: Request) -> SignedIn | None:
    """Who the session cookie belongs to, checked against the database on every request:
    an idle, too old, ended or disabled account's session ends here."""
    token = state.session_token(request)
    owner = check_session(uow_of(request), token=token, policy=_policy(request)) if token else None
    if owner is None:
        if token is not None:
            state.end(request)
            state.flash(request, "You have been signed out", "Sign in again to carry on.")
        return None
    me = SignedIn(id=owner.professional_id, name=owner.name, role=owner.role, agency=owner.agency)
    state.acting_as(request, me)
    return me


MaybeMe = Annotated[SignedIn | None, Depends(resolve_session)]


def current_professional(me: MaybeMe) -> str:
    if me is None:
        raise SignInRequired
    return me.id


Me = Annotated[str, Depends(current_professional)]


async def check_csrf(request: Request, _: MaybeMe) -> None:
    """Every state-changing request must carry the session's token in its form."""
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    form = await request.form()
    if not state.csrf_matches(request, form.get(CSRF_FIELD)):
        raise CsrfRefused


def refused(request: Request, exc: NotFound) -> Response:
    """A service said no: an account no longer active signs out; anything else is not found."""
    if exc.what == "professional":
        _sign_out(request)
        return see_other("/")
    return not_found(request)


@cache
def demo_accounts() -> dict[str, SignedIn]:
    """The demo case's professionals: the accounts the development sign-in offers."""
    scenario = load_scenario(CHILD_O)
    agencies = {a.id: a.name for a in scenario.agencies}
    return {
        p.id: SignedIn(id=p.id, name=p.name, role=p.role, agency=agencies[p.agency])
        for p in scenario.professionals
    }


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def uow_of(request: Request) -> UnitOfWork:
    uow: UnitOfWork = request.app.state.uow
    return uow


def _policy(request: Request) -> SignInPolicy:
    return SignInPolicy.from_settings(settings_of(request))


def start_page(
    request: Request, *, errors: dict[str, str] | None = None, username: str = ""
) -> Response:
    """The start page: password sign-in, the partnership's provider if configured, and in
    development the demo accounts."""
    settings = settings_of(request)
    errors = errors or {}
    return render(
        request,
        "start.html",
        {
            "accounts": list(demo_accounts().values()) if settings.development else [],
            "oidc": settings.oidc_enabled,
            "error": errors.get("professional"),
            "errors": errors,
            "username": username,
        },
        status_code=400 if errors else 200,
    )


def not_right(policy: SignInPolicy) -> str:
    """The one answer to every failed sign-in, whichever part was wrong."""
    minutes = int(policy.lockout.total_seconds() // 60)
    return (
        "Your username, password or security code is not right. Check them and try again. "
        f"After {policy.max_failures} wrong tries in a row an account is locked for "
        f"{minutes} minutes."
    )


def begin_session(request: Request, professional_id: str, method: str) -> Response:
    """A new server-side session for someone who has just proved who they are."""
    token = do_start_session(uow_of(request), professional_id=professional_id, method=method)
    state.begin(request, token)
    return see_other("/inbox")


@router.get("/")
def start(request: Request, me: MaybeMe) -> Response:
    if me is not None:
        return see_other("/inbox")
    return start_page(request)


@router.post("/sign-in/password")
def sign_in_password(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",  # nosec B107 - an empty form field, not a default
) -> Response:
    """The first step: whatever was wrong, the code page comes next, so nothing is told."""
    username = username.strip()
    errors = {}
    if not username:
        errors["username"] = "Enter your username"
    if not password:
        errors["password"] = "Enter your password"  # noqa: S105  # nosec B105 - a message
    if errors:
        return start_page(request, errors=errors, username=username)
    pending = do_check_password(
        uow_of(request), username=username, password=password, policy=_policy(request)
    )
    state.await_code(request, pending)
    return see_other("/sign-in/code")


@router.get("/sign-in/code")
def code_page(request: Request) -> Response:
    if state.pending(request) is None:
        return see_other("/")
    return render(request, "sign_in_code.html")


@router.post("/sign-in/code")
def sign_in_code(request: Request, code: Annotated[str, Form()] = "") -> Response:
    if state.pending(request) is None:
        return see_other("/")
    if not code.strip():
        errors = {"code": "Enter the 6-digit security code from your authenticator app"}
        return render(request, "sign_in_code.html", {"errors": errors}, status_code=400)
    pending = state.pending(request, remove=True) or ""
    professional = do_check_code(
        uow_of(request), pending=pending, code=code, policy=_policy(request)
    )
    if professional is None:
        return start_page(request, errors={"username": not_right(_policy(request))})
    return begin_session(request, professional, "password")


@demo_router.post("/sign-in")
def sign_in(request: Request, professional: Annotated[str, Form()] = "") -> Response:
    """Development only: sign in as one of the demo case's professionals, no password."""
    if not settings_of(request).development:
        return not_found(request)
    if professional not in demo_accounts():
        return start_page(
            request, errors={"professional": "Select the account you want to sign in as"}
        )
    try:
        return begin_session(request, professional, "demo")
    except NotFound:
        return start_page(request, errors={"professional": "That account is not active"})


@router.post("/sign-out")
def sign_out(request: Request) -> Response:
    _sign_out(request)
    state.flash(request, "You have signed out", "Sign in again to carry on.")
    return see_other("/")


def _sign_out(request: Request) -> None:
    token = state.session_token(request)
    if token is not None:
        do_end_session(uow_of(request), token=token)
    state.end(request)
