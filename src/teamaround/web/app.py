"""The FastAPI application: API routes, pages, error mapping and the unit of work behind them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import DataError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from teamaround import __version__
from teamaround.adapters.db.engine import make_engine
from teamaround.adapters.notify import make_notifier
from teamaround.clock import Clock, SystemClock
from teamaround.services.audit import checkpoint_key
from teamaround.services.context import UnitOfWork
from teamaround.services.errors import Conflict, Invalid, NotFound
from teamaround.services.linking import matcher_for
from teamaround.services.scheduler import tick
from teamaround.settings import Settings
from teamaround.web import pages
from teamaround.web.api import (
    agendas,
    alerts,
    challenges,
    children,
    contributions,
    letters,
    lookups,
    meetings,
    register,
    review,
    shares,
)
from teamaround.web.api import (
    settings as partnership_settings,
)
from teamaround.web.api.problems import RESPONSES

logger = logging.getLogger(__name__)


def create_app(
    *,
    database_url: str,
    clock: Clock | None = None,
    settings: Settings | None = None,
    timer_interval: float | None = None,
) -> FastAPI:
    """The service; with `timer_interval` seconds it also runs the timers in the background."""
    uow = UnitOfWork(make_engine(database_url), clock or SystemClock())
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        ticker = (
            asyncio.create_task(_run_scheduler(uow, settings, timer_interval))
            if timer_interval
            else None
        )
        yield
        if ticker is not None:
            ticker.cancel()
        uow.engine.dispose()

    app = FastAPI(
        title="TeamAround",
        version=__version__,
        description="Multi-agency child safeguarding information sharing.",
        lifespan=lifespan,
    )
    app.state.uow = uow
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    routers = (
        shares,
        register,
        meetings,
        alerts,
        children,
        lookups,
        agendas,
        challenges,
        letters,
        contributions,
        review,
        partnership_settings,
    )
    for module in routers:
        app.include_router(module.router, prefix="/api", responses=RESPONSES)
    pages.install(app, settings)
    _map_errors(app)
    return app


async def _run_scheduler(uow: UnitOfWork, settings: Settings, interval: float) -> None:
    """Build the matching index first, so the first 111 call does not wait for it; then
    every `interval` seconds: fire due timers, deliver the outbox, sign the audit head."""
    try:
        await asyncio.to_thread(_warm_matcher, uow)
    except Exception:  # the first share will build it instead
        logger.exception("could not build the matching index at start")
    notifier = make_notifier(settings.notifier, settings.webhook_url)
    key = checkpoint_key(settings.secret_key.get_secret_value())
    while True:
        try:
            await asyncio.to_thread(tick, uow, notifier, key)
        except Exception:  # a failed run is logged and tried again next time
            logger.exception("timer run failed")
        await asyncio.sleep(interval)


MAX_BODY_BYTES = 1_000_000  # a share of 50 subjects with a long summary is well under this


class BodyLimit:
    """Refuse oversized request bodies before anything reads them (413), chunked or not."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await _too_large(scope, receive, send)


class _TooLarge(Exception):
    pass


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    response = JSONResponse(
        {"detail": f"the request body is larger than {MAX_BODY_BYTES} bytes; nothing was written"},
        status_code=413,
    )
    await response(scope, receive, send)


def _warm_matcher(uow: UnitOfWork) -> None:
    """PostgreSQL only: on SQLite every transaction holds the write lock, and a long build
    would stall other requests (SQLite serves small registers, whose index builds in ~1 s)."""
    if uow.engine.dialect.name != "postgresql":
        return
    with uow.transaction() as s:
        matcher_for(s, uow.clock.now().date())


def _map_errors(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_404_NOT_FOUND)

    @app.exception_handler(Invalid)
    async def _invalid(_: Request, exc: Invalid) -> JSONResponse:
        return _problems([{"field": exc.field, "problem": exc.problem}])

    @app.exception_handler(Conflict)
    async def _conflict(_: Request, exc: Conflict) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_409_CONFLICT)

    @app.exception_handler(DataError)
    async def _unstorable(_: Request, exc: DataError) -> JSONResponse:
        # e.g. a NUL byte in a path the database cannot compare; nothing was written
        return _problems(
            [{"field": "request", "problem": "a value is too long or cannot be stored"}]
        )

    @app.exception_handler(ValidationError)
    async def _invalid_inside(_: Request, exc: ValidationError) -> JSONResponse:
        # a model built inside a route from path and body parts, e.g. a blank path id
        return _problems(
            [
                {"field": ".".join(str(p) for p in e["loc"]) or "request", "problem": e["msg"]}
                for e in exc.errors()
            ]
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _problems(
            [
                {
                    "field": ".".join(str(p) for p in e["loc"] if p != "body") or "body",
                    "problem": e["msg"],
                }
                for e in exc.errors()
            ]
        )


def _problems(problems: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse(
        {"detail": "the request was refused and nothing was written", "errors": problems},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


def app_from_environment() -> FastAPI:
    """For `uvicorn --factory teamaround.web.app:app_from_environment`: settings from env."""
    settings = Settings()
    return create_app(
        database_url=settings.database_url,
        settings=settings,
        timer_interval=settings.timer_interval_seconds,
    )
