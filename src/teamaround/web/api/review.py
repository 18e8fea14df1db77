"""The SPOC's review queue of possible matches: list, confirm, reject."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from teamaround.services.review import Decision, do_decide_match, list_review_queue
from teamaround.web.api.deps import CurrentProfessional, UowDep

router = APIRouter(tags=["review"])


class DecisionCreate(BaseModel):
    decision: Decision


@router.get("/review")
def queue(uow: UowDep, me: CurrentProfessional) -> list[dict[str, Any]]:
    return [asdict(item) for item in list_review_queue(uow, actor_id=me)]


@router.post("/review/{item_id}/decision")
def decide(
    item_id: str, body: DecisionCreate, uow: UowDep, me: CurrentProfessional
) -> dict[str, Any]:
    return asdict(do_decide_match(uow, actor_id=me, item_id=item_id, decision=body.decision))
