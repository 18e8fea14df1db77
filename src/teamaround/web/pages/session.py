"""Signing in and out (development demo accounts for now), and CSRF on every form."""

from __future__ import annotations

from functools import cache
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from teamaround.demo import CHILD_O
from teamaround.scenarios.loader import load_scenario
from teamaround.services.errors import NotFound
from teamaround.settings import Settings
from teamaround.web.pages import state
from teamaround.web.pages.state import SignedIn
from teamaround.web.pages.templating import not_found, render, see_other

router = APIRouter()

CSRF_FIELD = "csrf_token"


class SignInRequired(Exception):
    """A page that acts for a professional was asked for without a signed-in session."""


class CsrfRefused(Exception):
    """A form came back without this session's token: possibly sent by another site."""


def current_professional(request: Request) -> str:
    me = state.signed_in_as(request)
    if me is None:
        raise SignInRequired
    return me.id


Me = Annotated[str, Depends(current_professional)]


async def check_csrf(request: Request) -> None:
    """Every state-changing request must carry the session's token in its form."""
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    form = await request.form()
    if not state.csrf_matches(request, form.get(CSRF_FIELD)):
        raise CsrfRefused


def refused(request: Request, exc: NotFound) -> Response:
    """A service said no: an account no longer active signs out; anything else is not found."""
    if exc.what == "professional":
        state.end(request)
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


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _start(request: Request, *, error: str | None = None) -> Response:
    offered = _settings(request).development
    return render(
        request,
        "start.html",
        {
            "accounts": list(demo_accounts().values()) if offered else [],
            "error": error,
            "errors": {"professional": error} if error else {},
        },
        status_code=400 if error else 200,
    )


@router.get("/")
def start(request: Request) -> Response:
    if state.signed_in_as(request):
        return see_other("/inbox")
    return _start(request)


@router.post("/sign-in")
def sign_in(request: Request, professional: Annotated[str, Form()] = "") -> Response:
    account = demo_accounts().get(professional)
    if not _settings(request).development:
        return not_found(request)
    if account is None:
        return _start(request, error="Select the account you want to sign in as")
    state.begin(request, account)
    return see_other("/inbox")


@router.post("/sign-out")
def sign_out(request: Request) -> Response:
    state.end(request)
    state.flash(request, "You have signed out", "Sign in again to carry on.")
    return see_other("/")
