"""A child's page, for professionals with a role on the case; anyone else gets 'not found'."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from teamaround.services.children import view_child
from teamaround.services.errors import NotFound
from teamaround.web.pages.session import Me, refused
from teamaround.web.pages.templating import render

router = APIRouter()


@router.get("/children/{child_id}")
def child(request: Request, child_id: str, me: Me) -> Response:
    try:
        view = view_child(request.app.state.uow, actor_id=me, child_id=child_id)
    except NotFound as exc:
        return refused(request, exc)
    return render(request, "child.html", {"child": view})
