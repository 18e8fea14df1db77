"""A child's case, for those with a role on it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from teamaround.services.children import view_child
from teamaround.services.chronology import chronology, chronology_csv
from teamaround.services.prompts import list_prompts
from teamaround.web.api.deps import CurrentProfessional, UowDep

router = APIRouter(tags=["children"])


@router.get("/children/{child_id}")
def child(child_id: str, uow: UowDep, me: CurrentProfessional) -> dict[str, Any]:
    return asdict(view_child(uow, actor_id=me, child_id=child_id))


@router.get("/children/{child_id}/prompts")
def prompts(child_id: str, uow: UowDep, me: CurrentProfessional) -> list[dict[str, Any]]:
    return [asdict(p) for p in list_prompts(uow, actor_id=me, child_id=child_id)]


@router.get("/children/{child_id}/chronology")
def child_chronology(child_id: str, uow: UowDep, me: CurrentProfessional) -> list[dict[str, Any]]:
    return [asdict(e) for e in chronology(uow, actor_id=me, child_id=child_id)]


@router.get(
    "/children/{child_id}/chronology.csv",
    response_class=PlainTextResponse,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"},
        404: {"content": {"application/json": {}}, "description": "Not found"},
        401: {"content": {"application/json": {}}, "description": "Not signed in"},
        422: {"content": {"application/json": {}}, "description": "Refused"},
    },
)
def child_chronology_csv(child_id: str, uow: UowDep, me: CurrentProfessional) -> PlainTextResponse:
    body = chronology_csv(uow, actor_id=me, child_id=child_id)
    return PlainTextResponse(
        body,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="chronology-{child_id}.csv"'},
    )
