"""The plain-language check of a family-facing letter, and the partnership's glossary."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, status

from teamaround.services.commands import LetterCheck
from teamaround.services.letters import GlossaryTermCreate, check_letter, do_add_glossary_term
from teamaround.web.api.deps import CurrentProfessional, UowDep

router = APIRouter(tags=["plain language"])


@router.post("/letters/check")
def check(body: LetterCheck, uow: UowDep, me: CurrentProfessional) -> dict[str, Any]:
    return asdict(check_letter(uow, actor_id=me, check=body))


@router.post("/glossary", status_code=status.HTTP_201_CREATED)
def add_term(body: GlossaryTermCreate, uow: UowDep, me: CurrentProfessional) -> dict[str, str]:
    do_add_glossary_term(uow, actor_id=me, entry=body)
    return {"term": body.term}
