"""The audit of the audit: for a child, who looked at what, when and why."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from teamaround.services.audit_trail import audit_trail_for_child
from teamaround.services.children import view_child
from teamaround.services.errors import NotFound
from teamaround.web.pages.session import Me, refused
from teamaround.web.pages.templating import render

router = APIRouter()


@router.get("/children/{child_id}/audit")
def child_audit_trail(request: Request, child_id: str, me: Me) -> Response:
    uow = request.app.state.uow
    try:
        child = view_child(uow, actor_id=me, child_id=child_id)  # audits a refusal too
        entries = audit_trail_for_child(uow, actor_id=me, child_id=child_id)
    except NotFound as exc:
        return refused(request, exc)
    return render(request, "audit_trail.html", {"child": child, "entries": entries})
