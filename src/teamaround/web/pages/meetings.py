"""Meetings about a child: record one (a conference may set the core group), change the group."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from teamaround.domain.vocab import CONFERENCES, MeetingType
from teamaround.services.children import view_child
from teamaround.services.commands import CoreGroupChange, MeetingCreate
from teamaround.services.context import UnitOfWork
from teamaround.services.directory import directory
from teamaround.services.errors import Invalid, NotFound
from teamaround.services.meetings import do_change_core_group, do_hold_meeting
from teamaround.web.pages import state
from teamaround.web.pages.session import Me, refused
from teamaround.web.pages.templating import not_found, render, see_other

router = APIRouter()

MESSAGES = {
    "type": "Select the kind of meeting",
    "attendees": "Select the professionals who attended",
    "core_group": "Only a conference (initial or review) sets the core group",
    "decisions": "Each decision must be 20,000 characters or fewer",
    "add": "Select someone to add to the core group or remove from it",
    "remove": "Select only members of the core group to remove",
}
MOST_DECISIONS = 100


@router.get("/children/{child_id}/meetings")
def meetings_page(request: Request, child_id: str, me: Me) -> Response:
    try:
        return _page(request, me, child_id)
    except NotFound as exc:
        return refused(request, exc)


@router.post("/children/{child_id}/meetings")
async def hold(request: Request, child_id: str, me: Me) -> Response:
    form = await request.form()
    values: dict[str, Any] = {
        "type": str(form.get("type") or ""),
        "attendees": [str(a) for a in form.getlist("attendees")],
        "core_group": [str(c) for c in form.getlist("core_group")],
        "decisions": str(form.get("decisions") or ""),
    }
    decisions = [line.strip() for line in values["decisions"].splitlines() if line.strip()]
    body = {
        "child": child_id,
        "type": values["type"] or None,
        "attendees": values["attendees"],
        "core_group": values["core_group"] or None,
        "decisions": decisions[:MOST_DECISIONS],
    }
    try:
        meeting = MeetingCreate.model_validate(body)
    except ValidationError as exc:
        fields = [str(d["loc"][0]) for d in exc.errors() if d["loc"]]
        errors = {f: MESSAGES[f] for f in MESSAGES if f in fields}
        if not errors:  # only the child's id in the address was wrong: no such child
            return not_found(request)
        return _again(request, me, child_id, meeting=values, errors=errors)
    try:
        do_hold_meeting(request.app.state.uow, actor_id=me, meeting=meeting)
    except NotFound as exc:
        return refused(request, exc)
    except Invalid as exc:
        errors = {exc.field: MESSAGES.get(exc.field, exc.problem)}
        return _again(request, me, child_id, meeting=values, errors=errors)
    text = "The core group is set as you chose." if meeting.core_group else "It is recorded."
    state.flash(request, "Meeting recorded", text)
    return see_other(f"/children/{child_id}/meetings")


@router.post("/children/{child_id}/core-group")
async def change_core_group(request: Request, child_id: str, me: Me) -> Response:
    form = await request.form()
    add = [str(a) for a in form.getlist("add")]
    remove = [str(r) for r in form.getlist("remove")]
    if not add and not remove:
        return _again(request, me, child_id, errors={"add": MESSAGES["add"]})
    try:
        change = CoreGroupChange(child=child_id, add=add, remove=remove)
        do_change_core_group(request.app.state.uow, actor_id=me, change=change)
    except ValidationError:
        return _again(request, me, child_id, errors={"add": MESSAGES["add"]})
    except NotFound as exc:
        return refused(request, exc)
    except Invalid as exc:
        field = "remove" if exc.field == "remove" else "add"
        return _again(request, me, child_id, errors={field: MESSAGES[field]})
    state.flash(request, "Core group changed", "The child's prompts have been checked again.")
    return see_other(f"/children/{child_id}/meetings")


def _again(
    request: Request,
    me: str,
    child_id: str,
    *,
    meeting: dict[str, Any] | None = None,
    errors: dict[str, str],
) -> Response:
    try:
        return _page(request, me, child_id, meeting=meeting, errors=errors)
    except NotFound as exc:
        return refused(request, exc)


def _page(
    request: Request,
    me: str,
    child_id: str,
    *,
    meeting: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    uow: UnitOfWork = request.app.state.uow
    child = view_child(uow, actor_id=me, child_id=child_id)  # audits a refusal too
    names = directory(uow, actor_id=me)
    people = sorted(names.professionals.items(), key=lambda item: (item[1].agency, item[1].name))
    context: dict[str, Any] = {
        "child": child,
        "names": names,
        "people": people,
        "types": list(MeetingType),
        "conferences": sorted(CONFERENCES),
        "meeting": meeting or {"type": "", "attendees": [], "core_group": [], "decisions": ""},
        "errors": errors or {},
    }
    return render(request, "meetings.html", context, status_code=400 if errors else 200)
