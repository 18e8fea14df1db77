"""Server-rendered pages for professionals (GOV.UK Design System), one module per feature."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from teamaround.settings import Settings
from teamaround.web.pages import (
    agency_challenges,
    agendas,
    audit_trail,
    challenges,
    children,
    chronology,
    inbox,
    letters,
    lookups,
    marac,
    meetings,
    records,
    register,
    session,
    shares,
    spoc,
)
from teamaround.web.pages import oidc as provider_sign_in
from teamaround.web.pages.templating import not_found, render, see_other

STATIC = Path(__file__).resolve().parent.parent / "static"

# Every POST through these pages, now and later, must carry the session's CSRF token.
router = APIRouter(include_in_schema=False, dependencies=[Depends(session.check_csrf)])
FEATURES = (
    session,
    inbox,
    children,
    chronology,
    agendas,
    challenges,
    shares,
    lookups,
    letters,
    spoc,
    register,
    records,
    meetings,
    marac,
    agency_challenges,
    audit_trail,
)
for _feature in FEATURES:
    router.include_router(_feature.router)


def install(app: FastAPI, settings: Settings) -> None:
    """Mount the pages, their assets and the signed session cookie on the application.

    The demo sign-in is mounted in development only, and the provider's sign-in only when
    one is configured: in production there is no demo route to reach at all.
    """
    app.state.settings = settings
    app.state.oidc = provider_sign_in.make_client(settings)
    app.include_router(router)
    csrf = [Depends(session.check_csrf)]
    if settings.development:
        app.include_router(session.demo_router, include_in_schema=False, dependencies=csrf)
    if app.state.oidc is not None:
        app.include_router(provider_sign_in.router, include_in_schema=False, dependencies=csrf)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key.get_secret_value(),
        session_cookie="teamaround_session",
        max_age=settings.session_absolute_hours * 3600,  # the server ends it sooner when idle
        same_site="lax",
        https_only=not settings.development,
    )
    _handle_refusals(app)


def _handle_refusals(app: FastAPI) -> None:
    @app.exception_handler(session.SignInRequired)
    async def _sign_in(_: Request, __: session.SignInRequired) -> Response:
        return see_other("/")

    @app.exception_handler(session.CsrfRefused)
    async def _csrf(request: Request, _: session.CsrfRefused) -> HTMLResponse:
        return render(request, "csrf_refused.html", status_code=status.HTTP_403_FORBIDDEN)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        """Pages get a GOV.UK 'Page not found'; the JSON API keeps FastAPI's answer."""
        if exc.status_code == status.HTTP_404_NOT_FOUND and not _is_api(request):
            return not_found(request)
        return await http_exception_handler(request, exc)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(("/api", "/docs", "/openapi", "/redoc"))
