"""Professional challenge: raise one, answer one, resolve one, and the report for managers."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from teamaround.services import challenges
from teamaround.services.children import view_child
from teamaround.services.commands import ChallengeCreate, ChallengeResponseCreate
from teamaround.services.context import UnitOfWork
from teamaround.services.directory import directory
from teamaround.services.errors import Conflict, Invalid, NotFound
from teamaround.web.pages import state
from teamaround.web.pages.forms import TOO_LONG, errors_in_order, typed
from teamaround.web.pages.session import Me, refused
from teamaround.web.pages.templating import render, see_other

router = APIRouter()

RAISE_FIELDS = (
    "to_agency",
    "nature",
    "expected_outcome",
    "respond_by-day",
    "respond_by-month",
    "respond_by-year",
)
ORDER = ("to_agency", "nature", "expected_outcome", "respond_by-day")
MESSAGES = {
    "to_agency": "Select the agency you are challenging",
    "nature": "Describe what you disagree with and why",
    "expected_outcome": "Say what you want to happen",
    "respond_by": "Enter the date to respond by",
}
LONGEST_OUTCOME = 2000


@router.get("/children/{child_id}/challenges")
def child_challenges(request: Request, child_id: str, me: Me) -> Response:
    try:
        return _page(request, me, child_id)
    except NotFound as exc:
        return refused(request, exc)


@router.post("/children/{child_id}/challenges")
async def raise_challenge(request: Request, child_id: str, me: Me) -> Response:
    values = typed(await request.form(), RAISE_FIELDS)
    uow = request.app.state.uow
    try:
        challenge, errors = _challenge(child_id, values)
        if challenge is not None:
            challenges.do_raise_challenge(uow, actor_id=me, challenge=challenge)
            state.flash(request, "Challenge raised", "The agency you challenged has been told.")
            return see_other(f"/children/{child_id}/challenges")
    except Invalid as exc:
        errors = {_field_id(exc.field): _service_message(exc)}
    except NotFound as exc:
        return refused(request, exc)
    return _page(request, me, child_id, form=values, errors=errors)


@router.post("/children/{child_id}/challenges/{challenge_id}/respond")
async def respond(request: Request, child_id: str, challenge_id: str, me: Me) -> Response:
    text = str((await request.form()).get("text") or "")
    field = f"response-{challenge_id}"
    try:
        response = ChallengeResponseCreate(challenge=challenge_id, text=text)
    except ValidationError:
        return _refuse(request, me, child_id, field, text, "Enter your response")
    try:
        challenges.do_respond_to_challenge(request.app.state.uow, actor_id=me, response=response)
    except NotFound as exc:
        return refused(request, exc)
    except Conflict:
        return _refuse(request, me, child_id, field, text, "This challenge is already resolved")
    state.flash(request, "Response sent", "The challenge stops escalating while it is answered.")
    return see_other(f"/children/{child_id}/challenges")


@router.post("/children/{child_id}/challenges/{challenge_id}/resolve")
async def resolve(request: Request, child_id: str, challenge_id: str, me: Me) -> Response:
    outcome = str((await request.form()).get("outcome") or "").strip()
    field = f"outcome-{challenge_id}"
    if not outcome or len(outcome) > LONGEST_OUTCOME:
        return _refuse(request, me, child_id, field, outcome, "Say how the challenge was resolved")
    try:
        challenges.do_resolve_challenge(
            request.app.state.uow, actor_id=me, challenge_id=challenge_id, outcome=outcome
        )
    except NotFound as exc:
        return refused(request, exc)
    state.flash(request, "Challenge resolved", "The outcome is recorded in the chronology.")
    return see_other(f"/children/{child_id}/challenges")


@router.get("/reports/challenges")
def report(request: Request, me: Me) -> Response:
    uow = request.app.state.uow
    try:
        rows = challenges.challenge_report(uow, actor_id=me)
        names = directory(uow, actor_id=me)
    except NotFound as exc:
        return refused(request, exc)
    return render(
        request,
        "challenge_report.html",
        {"rows": rows, "names": names, "stages": challenges.STAGES},
    )


def _page(
    request: Request,
    me: str,
    child_id: str,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    replies: dict[str, str] | None = None,
) -> Response:
    uow: UnitOfWork = request.app.state.uow
    child = view_child(uow, actor_id=me, child_id=child_id)  # audits a refusal too
    names = directory(uow, actor_id=me)
    context: dict[str, Any] = {
        "child": child,
        "challenges": challenges.list_challenges(uow, actor_id=me, child_id=child_id),
        "names": names,
        "my_agency": names.professionals[me].agency_id if me in names.professionals else "",
        "me_id": me,
        "today": uow.clock.now().date(),
        "stages": challenges.STAGES,
        "form": form or dict.fromkeys(RAISE_FIELDS, ""),
        "errors": errors or {},
        "replies": replies or {},
    }
    return render(request, "challenges.html", context, status_code=400 if errors else 200)


def _refuse(
    request: Request, me: str, child_id: str, field: str, typed_text: str, message: str
) -> Response:
    try:
        return _page(request, me, child_id, errors={field: message}, replies={field: typed_text})
    except NotFound as exc:
        return refused(request, exc)


def _challenge(
    child_id: str, values: dict[str, str]
) -> tuple[ChallengeCreate | None, dict[str, str]]:
    """The request the service checks, or GOV.UK messages for every field that is wrong."""
    respond_by, date_problem = _date(values)
    body = {
        "child": child_id,
        "to_agency": values["to_agency"],
        "nature": values["nature"],
        "expected_outcome": values["expected_outcome"],
        "respond_by": respond_by,
    }
    try:
        challenge = ChallengeCreate.model_validate(body)
    except ValidationError as exc:
        errors = errors_in_order(exc.errors(), _message, ORDER)
        if date_problem and "respond_by-day" in errors:
            errors["respond_by-day"] = date_problem
        return None, errors
    return challenge, {}


def _date(values: dict[str, str]) -> tuple[date | None, str | None]:
    parts = [values[f"respond_by-{p}"].strip() for p in ("year", "month", "day")]
    if not all(parts):
        return None, MESSAGES["respond_by"] if any(parts) else None
    try:
        return date(*(int(p) for p in parts)), None
    except ValueError:
        return None, "The date to respond by must be a real date"


def _message(detail: ErrorDetails) -> tuple[str, str]:
    field = str(detail["loc"][0]) if detail["loc"] else "nature"
    if field == "respond_by":
        return "respond_by-day", MESSAGES["respond_by"]
    if field == "child":
        return "to_agency", MESSAGES["to_agency"]
    if detail["type"] in TOO_LONG:
        return field, "Your text is too long: use 20,000 characters or fewer"
    return field, MESSAGES.get(field, "Check this answer")


def _field_id(service_field: str) -> str:
    return "respond_by-day" if service_field == "respond_by" else service_field


def _service_message(exc: Invalid) -> str:
    if exc.field == "respond_by":
        return "The date to respond by must be today or in the future"
    return MESSAGES.get(exc.field, exc.problem)
