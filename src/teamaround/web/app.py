"""The FastAPI application: routes, error mapping and the unit of work it serves from."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from teamaround import __version__
from teamaround.adapters.db.engine import make_engine
from teamaround.clock import Clock, SystemClock
from teamaround.services.context import UnitOfWork
from teamaround.services.errors import Conflict, Invalid, NotFound
from teamaround.web.api import alerts, children, meetings, register, shares


def create_app(*, database_url: str, clock: Clock | None = None) -> FastAPI:
    uow = UnitOfWork(make_engine(database_url), clock or SystemClock())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        uow.engine.dispose()

    app = FastAPI(
        title="TeamAround",
        version=__version__,
        description="Multi-agency child safeguarding information sharing.",
        lifespan=lifespan,
    )
    app.state.uow = uow
    for module in (shares, register, meetings, alerts, children):
        app.include_router(module.router, prefix="/api")
    _map_errors(app)
    return app


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
