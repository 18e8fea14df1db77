"""A child's case, for those with a role on it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from teamaround.services.children import view_child
from teamaround.web.api.deps import CurrentProfessional, UowDep

router = APIRouter(tags=["children"])


@router.get("/children/{child_id}")
def child(child_id: str, uow: UowDep, me: CurrentProfessional) -> dict[str, Any]:
    return asdict(view_child(uow, actor_id=me, child_id=child_id))
