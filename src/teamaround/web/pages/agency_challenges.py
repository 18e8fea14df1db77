"""Challenges to my agency: what other agencies disagree with, by when to answer, no child named."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from teamaround.services import challenges
from teamaround.services.commands import ChallengeResponseCreate
from teamaround.services.context import UnitOfWork
from teamaround.services.directory import directory
from teamaround.services.errors import Conflict, NotFound
from teamaround.web.pages import state
from teamaround.web.pages.session import Me, refused
from teamaround.web.pages.templating import render, see_other

router = APIRouter()


@router.get("/challenges")
def to_my_agency(request: Request, me: Me) -> Response:
    try:
        return _page(request, me)
    except NotFound as exc:
        return refused(request, exc)


@router.post("/challenges/{challenge_id}/respond")
async def respond(request: Request, challenge_id: str, me: Me) -> Response:
    text = str((await request.form()).get("text") or "")
    field = f"response-{challenge_id}"
    try:
        response = ChallengeResponseCreate(challenge=challenge_id, text=text)
    except ValidationError:
        return _again(request, me, field, text, "Enter your response")
    try:
        challenges.do_respond_to_challenge(request.app.state.uow, actor_id=me, response=response)
    except NotFound as exc:
        return refused(request, exc)
    except Conflict:
        return _again(request, me, field, text, "This challenge is already resolved")
    state.flash(request, "Response sent", "The challenge stops escalating while it is answered.")
    return see_other("/challenges")


def _again(request: Request, me: str, field: str, text: str, message: str) -> Response:
    try:
        return _page(request, me, errors={field: message}, replies={field: text})
    except NotFound as exc:
        return refused(request, exc)


def _page(
    request: Request,
    me: str,
    *,
    errors: dict[str, str] | None = None,
    replies: dict[str, str] | None = None,
) -> Response:
    uow: UnitOfWork = request.app.state.uow
    context = {
        "challenges": challenges.challenges_to_my_agency(uow, actor_id=me),
        "names": directory(uow, actor_id=me),
        "today": uow.clock.now().date(),
        "errors": errors or {},
        "replies": replies or {},
    }
    return render(request, "agency_challenges.html", context, status_code=400 if errors else 200)
