"""Drafted agendas, with the section for other agencies' information."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from teamaround.services.agendas import draft_agenda
from teamaround.services.commands import AgendaRequest
from teamaround.web.api.deps import CurrentProfessional, UowDep

router = APIRouter(tags=["meetings"])


@router.post("/agendas")
def agenda(body: AgendaRequest, uow: UowDep, me: CurrentProfessional) -> dict[str, Any]:
    return asdict(draft_agenda(uow, actor_id=me, request=body))
