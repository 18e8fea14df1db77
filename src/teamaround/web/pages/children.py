"""A child's page, for professionals with a role on the case; anyone else gets 'not found'."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from teamaround.services.challenges import list_challenges
from teamaround.services.children import view_child
from teamaround.services.context import UnitOfWork
from teamaround.services.directory import directory
from teamaround.services.errors import NotFound
from teamaround.services.lookups import lookups_about_child
from teamaround.services.people import who_knows_whom
from teamaround.services.prompts import list_prompts
from teamaround.services.register import register_rights
from teamaround.web.pages.diagram import people_diagram
from teamaround.web.pages.session import Me, refused
from teamaround.web.pages.templating import render

router = APIRouter()


@router.get("/children/{child_id}")
def child(request: Request, child_id: str, me: Me) -> Response:
    try:
        context = _child_page(request.app.state.uow, me, child_id)
    except NotFound as exc:
        return refused(request, exc)
    return render(request, "child.html", context)


def _child_page(uow: UnitOfWork, me: str, child_id: str) -> dict[str, Any]:
    """Everything the page shows, each part from its own service (each read is audited)."""
    view = view_child(uow, actor_id=me, child_id=child_id)
    known_by = who_knows_whom(uow, actor_id=me, child_id=child_id)
    return {
        "child": view,
        "known_by": known_by,
        "diagram": people_diagram(view, known_by),
        "prompts": list_prompts(uow, actor_id=me, child_id=child_id),
        "challenges": list_challenges(uow, actor_id=me, child_id=child_id),
        "lookups": lookups_about_child(uow, actor_id=me, child_id=child_id),
        "names": directory(uow, actor_id=me),
        "keeps_register": _keeps_register(uow, me),
    }


def _keeps_register(uow: UnitOfWork, me: str) -> bool:
    """Whether to offer the register's Change links (the register's pages check again)."""
    try:
        return register_rights(uow, actor_id=me).keeps_register
    except NotFound:
        return False
