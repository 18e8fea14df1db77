"""Who is calling, and the unit of work: the dependencies every route takes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from teamaround.services.accounts import ApiCaller, ApiScope, check_api_key
from teamaround.services.context import UnitOfWork

_bearer = HTTPBearer(auto_error=False, description="A professional's bearer token or API key")
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_uow(request: Request) -> UnitOfWork:
    uow: UnitOfWork = request.app.state.uow
    return uow


UowDep = Annotated[UnitOfWork, Depends(get_uow)]


def current_caller(
    request: Request,
    uow: UowDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiCaller:
    """The key's holder: unknown, revoked, expired or disabled keys get 401 alike.

    A key limited to scopes may call a route that declares one (`require_scope`, checked
    there), or any GET with the `read` scope; every other route needs an unlimited key.
    """
    unauthorised = HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="sign in: send 'Authorization: Bearer <token>'",
        headers={"WWW-Authenticate": "Bearer"},
    )
    if credentials is None:
        raise unauthorised
    caller = check_api_key(uow, key=credentials.credentials)
    if caller is None:
        raise unauthorised
    if _declared_scope(request) is None and not _may_without_declaring(request, caller):
        raise _forbidden("read" if request.method in _SAFE_METHODS else None)
    return caller


CurrentCaller = Annotated[ApiCaller, Depends(current_caller)]


def current_professional(caller: CurrentCaller) -> str:
    """The professional the bearer token belongs to; no token, no access."""
    return caller.professional_id


CurrentProfessional = Annotated[str, Depends(current_professional)]


@dataclass(frozen=True)
class _ScopeRequired:
    scope: ApiScope

    def __call__(self, caller: CurrentCaller) -> None:
        if not caller.may(self.scope):
            raise _forbidden(self.scope)


def require_scope(scope: ApiScope) -> Any:
    """A route dependency: a key limited to scopes must hold this one (403 otherwise, which
    says nothing about any record: it depends on the route alone)."""
    return Depends(_ScopeRequired(scope))


def _declared_scope(request: Request) -> ApiScope | None:
    for dependency in getattr(request.scope.get("route"), "dependencies", ()):
        if isinstance(dependency.dependency, _ScopeRequired):
            return dependency.dependency.scope
    return None


def _may_without_declaring(request: Request, caller: ApiCaller) -> bool:
    if caller.scopes is None:
        return True
    return request.method in _SAFE_METHODS and caller.may(ApiScope.READ)


def _forbidden(needed: str | None) -> HTTPException:
    wanted = f"the '{needed}' scope" if needed else "a key without scopes"
    return HTTPException(
        status_code=status.HTTP_403_FORBIDDEN, detail=f"this API key may not: it needs {wanted}"
    )
