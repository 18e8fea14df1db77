"""Look up a person: is this adult or child flagged? The answer shows what the role may see.

The result is the answer to the POST, not a redirect: the signed cookie must never hold case
information, and every lookup is recorded (so asking again is a new, audited lookup).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from teamaround.services.commands import IdentityIn, LookupRequest
from teamaround.services.errors import NotFound
from teamaround.services.lookups import do_lookup
from teamaround.web.pages.forms import TOO_LONG, errors_in_order, filled, typed
from teamaround.web.pages.session import Me, refused
from teamaround.web.pages.shares import SUBJECT_FIELDS, SUBJECT_HINTS, SUBJECT_LABELS
from teamaround.web.pages.shares import SUBJECT_WIDTHS as WIDTHS
from teamaround.web.pages.templating import render

router = APIRouter()


@router.get("/lookup")
def lookup_form(request: Request, me: Me) -> Response:
    return _form(request, dict.fromkeys(SUBJECT_FIELDS, ""))


@router.post("/lookup")
async def look_up(request: Request, me: Me) -> Response:
    values = typed(await request.form(), SUBJECT_FIELDS)
    try:
        subject = IdentityIn.model_validate(filled(values))
    except ValidationError as exc:
        return _form(request, values, errors_in_order(exc.errors(), _message, SUBJECT_FIELDS))
    try:
        result = do_lookup(
            request.app.state.uow, actor_id=me, request=LookupRequest(subject=subject)
        )
    except NotFound as exc:
        return refused(request, exc)
    described = [(SUBJECT_LABELS[k], v) for k, v in filled(values).items()]
    return render(request, "lookup_result.html", {"result": result, "described": described})


def _form(
    request: Request, values: dict[str, str], errors: dict[str, str] | None = None
) -> Response:
    return render(
        request,
        "lookup.html",
        {
            "form": values,
            "errors": errors or {},
            "fields": SUBJECT_FIELDS,
            "labels": SUBJECT_LABELS,
            "hints": SUBJECT_HINTS,
            "widths": WIDTHS,
        },
        status_code=400 if errors else 200,
    )


def _message(detail: ErrorDetails) -> tuple[str, str]:
    loc = detail["loc"]
    if not loc or str(loc[0]) not in SUBJECT_LABELS:
        return "given", "Enter a given name, family name or whole name"
    field = str(loc[0])
    label = SUBJECT_LABELS[field]
    if detail["type"] in TOO_LONG:
        return field, f"{label} is too long"
    return field, f"Enter a valid {label if label.split()[0].isupper() else label.lower()}"
