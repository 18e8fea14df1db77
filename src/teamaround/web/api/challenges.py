"""Professional challenge: raise, respond, resolve, and the report by agency and stage."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, status
from pydantic import Field

from teamaround.services import challenges
from teamaround.services.commands import ChallengeCreate, ChallengeResponseCreate, Strict
from teamaround.web.api.deps import CurrentProfessional, UowDep

router = APIRouter(tags=["challenges"])


class ResponseBody(Strict):
    text: str = Field(min_length=1, max_length=20_000)


class ResolutionBody(Strict):
    outcome: str = Field(min_length=1, max_length=2000)


@router.post("/challenges", status_code=status.HTTP_201_CREATED)
def raise_challenge(body: ChallengeCreate, uow: UowDep, me: CurrentProfessional) -> dict[str, str]:
    return {"id": challenges.do_raise_challenge(uow, actor_id=me, challenge=body)}


@router.post("/challenges/{challenge_id}/responses", status_code=status.HTTP_201_CREATED)
def respond(
    challenge_id: str, body: ResponseBody, uow: UowDep, me: CurrentProfessional
) -> dict[str, str]:
    response = ChallengeResponseCreate(challenge=challenge_id, text=body.text)
    challenges.do_respond_to_challenge(uow, actor_id=me, response=response)
    return {"status": "responded"}


@router.post("/challenges/{challenge_id}/resolve")
def resolve(
    challenge_id: str, body: ResolutionBody, uow: UowDep, me: CurrentProfessional
) -> dict[str, str]:
    challenges.do_resolve_challenge(
        uow, actor_id=me, challenge_id=challenge_id, outcome=body.outcome
    )
    return {"status": "resolved"}


@router.get("/children/{child_id}/challenges")
def of_child(child_id: str, uow: UowDep, me: CurrentProfessional) -> list[dict[str, Any]]:
    return [asdict(c) for c in challenges.list_challenges(uow, actor_id=me, child_id=child_id)]


@router.get("/reports/challenges")
def report(uow: UowDep, me: CurrentProfessional) -> list[dict[str, Any]]:
    return [asdict(r) for r in challenges.challenge_report(uow, actor_id=me)]
