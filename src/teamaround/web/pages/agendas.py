"""Drafting a meeting's agenda for a child, and its print view for the meeting itself."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from teamaround.domain.vocab import MeetingType
from teamaround.services.agendas import OTHER_AGENCIES, draft_agenda
from teamaround.services.children import ChildView, view_child
from teamaround.services.commands import AgendaRequest
from teamaround.services.errors import NotFound
from teamaround.web.pages.session import Me, refused
from teamaround.web.pages.templating import render

router = APIRouter()

# What each of the service's sections is filled with; a section not named here is left blank
# for the meeting to write in.
CONTENT = {
    OTHER_AGENCIES: "other-agencies",
    "Agencies to consider inviting": "invite",
    "Prompts from the practice review": "prompts",
    "What we do not know": "questions",
}
MEETING_NAMES = {
    "strategy": "Strategy discussion",
    "icpc": "Initial child protection conference",
    "core-group": "Core group meeting",
    "rcpc": "Review child protection conference",
    "cin-review": "Child in need review",
    "complex-case-discussion": "Complex case discussion",
    "legal-gateway": "Legal gateway meeting",
}


MeetingQuery = Annotated[str | None, Query(alias="type")]


@router.get("/children/{child_id}/agenda")
def agenda(request: Request, child_id: str, me: Me, meeting: MeetingQuery = None) -> Response:
    return _agenda(request, child_id, me, meeting, "agenda.html")


@router.get("/children/{child_id}/agenda/print")
def agenda_print(request: Request, child_id: str, me: Me, meeting: MeetingQuery = None) -> Response:
    return _agenda(request, child_id, me, meeting, "agenda_print.html")


def _agenda(
    request: Request, child_id: str, me: str, meeting: str | None, template: str
) -> Response:
    uow = request.app.state.uow
    try:
        child = view_child(uow, actor_id=me, child_id=child_id)  # audits a refusal too
        if meeting is None:
            return _choose(request, child, None)
        try:
            wanted = AgendaRequest(child=child_id, type=meeting)
        except ValidationError:
            return _choose(request, child, "Select the type of meeting")
        drafted = draft_agenda(uow, actor_id=me, request=wanted)
    except NotFound as exc:
        return refused(request, exc)
    return render(request, template, {"child": child, "agenda": drafted, **_words()})


def _choose(request: Request, child: ChildView, error: str | None) -> Response:
    return render(
        request,
        "agenda.html",
        {
            "child": child,
            "agenda": None,
            "errors": {"type": error} if error else {},
            "meeting_types": list(MeetingType),
            **_words(),
        },
        status_code=400 if error else 200,
    )


def _words() -> dict[str, Any]:
    return {"content": CONTENT, "meeting_names": MEETING_NAMES, "other_agencies": OTHER_AGENCIES}
