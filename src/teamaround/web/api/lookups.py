"""The flag lookup: any professional may ask; the answer shows what their role may see."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from teamaround.services.accounts import ApiScope
from teamaround.services.commands import LookupRequest
from teamaround.services.lookups import do_lookup, lookups_about_child
from teamaround.web.api.deps import CurrentProfessional, UowDep, require_scope

router = APIRouter(tags=["lookups"])


@router.post("/lookups", dependencies=[require_scope(ApiScope.LOOKUP)])
def lookup(body: LookupRequest, uow: UowDep, me: CurrentProfessional) -> dict[str, Any]:
    return asdict(do_lookup(uow, actor_id=me, request=body))


@router.get("/children/{child_id}/lookups")
def who_looked(child_id: str, uow: UowDep, me: CurrentProfessional) -> list[dict[str, Any]]:
    """Who looked the child or a linked adult up, and when: for those with a role on the case."""
    return [asdict(r) for r in lookups_about_child(uow, actor_id=me, child_id=child_id)]
