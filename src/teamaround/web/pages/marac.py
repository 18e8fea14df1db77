"""List a case for MARAC: the coordinator learns how many children are linked, never which."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from teamaround.domain.vocab import Role
from teamaround.services.commands import MaracListingCreate
from teamaround.services.errors import Invalid, NotFound
from teamaround.services.sharing import do_list_marac
from teamaround.web.pages import state
from teamaround.web.pages.forms import TOO_LONG, errors_in_order, filled, typed
from teamaround.web.pages.session import Me, refused
from teamaround.web.pages.shares import (
    SHARE_SUBJECT_FIELDS,
    SUBJECT_HINTS,
    SUBJECT_LABELS,
    SUBJECT_WIDTHS,
)
from teamaround.web.pages.templating import not_found, render, see_other

router = APIRouter()

PEOPLE = {"victim": "the victim", "perpetrator": "the perpetrator"}
DATE_FIELDS = ("meeting_date-day", "meeting_date-month", "meeting_date-year")
FIELDS = (
    *(f"{who}-{field}" for who in PEOPLE for field in SHARE_SUBJECT_FIELDS),
    *DATE_FIELDS,
)
ORDER = (*FIELDS[: -len(DATE_FIELDS)], "meeting_date-day")
DATE_MESSAGE = "Enter the date of the MARAC meeting"
_RECEIPT = "marac-receipt"


@router.get("/marac")
def listing_form(request: Request, me: Me) -> Response:
    if not _coordinator(request):
        return not_found(request)
    return _form(request, dict.fromkeys(FIELDS, ""))


@router.post("/marac")
async def list_case(request: Request, me: Me) -> Response:
    if not _coordinator(request):
        return not_found(request)
    values = typed(await request.form(), FIELDS)
    meeting_date, date_problem = _date(values)
    body: dict[str, Any] = {
        who: {f: values[f"{who}-{f}"] for f in SHARE_SUBJECT_FIELDS if values[f"{who}-{f}"]}
        for who in PEOPLE
    }
    body = {who: filled(subject) for who, subject in body.items()}
    if meeting_date is not None:
        body["meeting_date"] = meeting_date
    try:
        listing = MaracListingCreate.model_validate(body)
    except ValidationError as exc:
        errors = errors_in_order(exc.errors(), _message, ORDER)
        if date_problem and "meeting_date-day" in errors:
            errors["meeting_date-day"] = date_problem
        return _form(request, values, errors)
    try:
        receipt = do_list_marac(request.app.state.uow, actor_id=me, listing=listing)
    except NotFound as exc:
        return refused(request, exc)
    except Invalid as exc:
        return _form(request, values, {_field_id(exc.field): exc.problem})
    state.keep(
        request,
        _RECEIPT,
        {
            "reference": receipt.contribution_id,
            "received_at": receipt.received_at.isoformat(),
            "meeting_date": listing.meeting_date.isoformat(),
            "linked_children": receipt.linked_children,
            "contacts": list(receipt.contacts),
        },
    )
    return see_other("/marac/listed")


@router.get("/marac/listed")
def listed(request: Request, me: Me) -> Response:
    if not _coordinator(request):
        return not_found(request)
    receipt = state.take(request, _RECEIPT)
    if receipt is None:
        return see_other("/marac")
    receipt["received_at"] = datetime.fromisoformat(receipt["received_at"])
    receipt["meeting_date"] = date.fromisoformat(receipt["meeting_date"])
    return render(request, "marac_listed.html", {"receipt": receipt})


def _coordinator(request: Request) -> bool:
    """Only a MARAC coordinator is offered the form; the service refuses anyone else too."""
    me = state.signed_in_as(request)
    return me is not None and me.role == Role.MARAC_COORDINATOR


def _form(
    request: Request, values: dict[str, str], errors: dict[str, str] | None = None
) -> Response:
    return render(
        request,
        "marac.html",
        {
            "form": values,
            "errors": errors or {},
            "people": PEOPLE,
            "fields": SHARE_SUBJECT_FIELDS,
            "labels": SUBJECT_LABELS,
            "hints": SUBJECT_HINTS,
            "widths": SUBJECT_WIDTHS,
        },
        status_code=400 if errors else 200,
    )


def _date(values: dict[str, str]) -> tuple[date | None, str | None]:
    parts = [values[f].strip() for f in reversed(DATE_FIELDS)]
    if not all(parts):
        return None, DATE_MESSAGE if any(parts) else None
    try:
        return date(*(int(p) for p in parts)), None
    except ValueError:
        return None, "The date of the MARAC meeting must be a real date"


def _message(detail: ErrorDetails) -> tuple[str, str]:
    loc = [str(part) for part in detail["loc"]]
    if not loc or loc[0] not in PEOPLE:
        return "meeting_date-day", DATE_MESSAGE
    who = loc[0]
    if len(loc) == 1 or loc[1] not in SUBJECT_LABELS:
        return f"{who}-given", f"Enter a given name, family name or whole name for {PEOPLE[who]}"
    label = SUBJECT_LABELS[loc[1]]
    if detail["type"] in TOO_LONG:
        return f"{who}-{loc[1]}", f"{label} for {PEOPLE[who]} is too long"
    in_sentence = label if label.split()[0].isupper() else label.lower()
    return f"{who}-{loc[1]}", f"Enter a valid {in_sentence} for {PEOPLE[who]}"


def _field_id(service_field: str) -> str:
    parts = service_field.split(".")
    if parts[0] in PEOPLE:
        return f"{parts[0]}-{parts[1]}" if len(parts) > 1 else f"{parts[0]}-given"
    return "meeting_date-day"
