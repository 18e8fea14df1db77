"""Who is calling, and the unit of work: the dependencies every route takes."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from teamaround.adapters.db.tables import ApiTokenRow, ProfessionalRow
from teamaround.services.context import UnitOfWork
from teamaround.services.register import token_digest

_bearer = HTTPBearer(auto_error=False, description="A professional's bearer token")


def get_uow(request: Request) -> UnitOfWork:
    uow: UnitOfWork = request.app.state.uow
    return uow


UowDep = Annotated[UnitOfWork, Depends(get_uow)]


def current_professional(
    uow: UowDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The professional the bearer token belongs to; no token, no access."""
    unauthorised = HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="sign in: send 'Authorization: Bearer <token>'",
        headers={"WWW-Authenticate": "Bearer"},
    )
    if credentials is None:
        raise unauthorised
    with uow.transaction() as s:
        professional_id = s.scalar(
            sa.select(ApiTokenRow.professional_id)
            .join(ProfessionalRow)
            .where(
                ApiTokenRow.token_sha256 == token_digest(credentials.credentials),
                ProfessionalRow.active.is_(True),
            )
        )
    if professional_id is None:
        raise unauthorised
    return professional_id


CurrentProfessional = Annotated[str, Depends(current_professional)]
