"""One contribution, for its sharing agency or the child's team; and a child's audit trail."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from teamaround.services.audit_trail import audit_trail_for_child
from teamaround.services.contributions import view_contribution
from teamaround.web.api.deps import CurrentProfessional, UowDep

router = APIRouter(tags=["sharing"])


@router.get("/contributions/{contribution_id}")
def contribution(contribution_id: str, uow: UowDep, me: CurrentProfessional) -> dict[str, Any]:
    return asdict(view_contribution(uow, actor_id=me, contribution_id=contribution_id))


@router.get("/children/{child_id}/audit", tags=["audit"])
def audit_trail(child_id: str, uow: UowDep, me: CurrentProfessional) -> list[dict[str, Any]]:
    """Who looked at what about this child: for the lead social worker, managers and SPOC."""
    return [asdict(e) for e in audit_trail_for_child(uow, actor_id=me, child_id=child_id)]
