"""Share information: the form an agency professional fills in, and the receipt after it."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from starlette.datastructures import FormData

from teamaround.domain.vocab import Fact, ShareCategory
from teamaround.services.commands import ShareCreate
from teamaround.services.errors import Invalid, NotFound
from teamaround.services.sharing import do_share
from teamaround.web.pages import state
from teamaround.web.pages.session import Me, refused
from teamaround.web.pages.templating import render, see_other

router = APIRouter()

SUBJECT_FIELDS = ("given", "family", "name", "dob", "nhs", "address", "phone")
SHARE_SUBJECT_FIELDS = (*SUBJECT_FIELDS, "sex")  # the lookup asks without it
SUBJECT_LABELS = {
    "given": "Given name",
    "family": "Family name",
    "name": "Whole name",
    "dob": "Date of birth",
    "nhs": "NHS number",
    "address": "Address",
    "phone": "Phone number",
    "sex": "Sex",
}
SUBJECT_HINTS = {
    "name": "If you have the name only as one, for example MARSH, Dean",
    "dob": "As you have it, for example 11/02/1985",
    "nhs": "10 digits, if you know it",
    "address": "As you have it, with the postcode if you know it",
    "sex": "As you have it, for example F or Male, if you know it",
}
SUBJECT_WIDTHS = {
    "dob": "govuk-input--width-10",
    "nhs": "govuk-input--width-10",
    "phone": "govuk-input--width-20",
    "sex": "govuk-input--width-10",
}
MOST_SUBJECTS = 50
_SUBJECT_KEY = re.compile(r"subjects-(\d+)-(\w+)")
_RECEIPT = "receipt"
_TOO_LONG = {"string_too_long", "too_long"}

Values = dict[str, Any]


@router.get("/share")
def share_form(request: Request, me: Me) -> Response:
    return _form(request, _blank())


@router.post("/share")
async def send_share(request: Request, me: Me) -> Response:
    form = await request.form()
    values = _values(form)
    if form.get("action") == "add-person":
        values["subjects"].append(_blank_subject())
        return _form(request, values)
    body, positions = _body(values)
    try:
        share = ShareCreate.model_validate(body)
    except ValidationError as exc:
        return _form(request, values, _errors(exc.errors(), positions))
    try:
        receipt = do_share(request.app.state.uow, actor_id=me, share=share)
    except NotFound as exc:
        return refused(request, exc)
    except Invalid as exc:
        return _form(request, values, {_field_id(exc.field, positions): exc.problem})
    state.keep(
        request,
        _RECEIPT,
        _receipt(receipt.contribution_id, receipt.received_at, receipt.subjects, receipt.message),
    )
    return see_other("/share/sent")


@router.get("/share/sent")
def sent(request: Request, me: Me) -> Response:
    receipt = state.take(request, _RECEIPT)
    if receipt is None:
        return see_other("/share")
    receipt["received_at"] = datetime.fromisoformat(receipt["received_at"])
    return render(request, "share_sent.html", {"receipt": receipt})


def _receipt(reference: str, received_at: datetime, subjects: int, message: str) -> Values:
    """Only what the sharing agency may know: never which child, if any, it concerned."""
    return {
        "reference": reference,
        "received_at": received_at.isoformat(),
        "subjects": subjects,
        "message": message,
    }


def _form(request: Request, values: Values, errors: dict[str, str] | None = None) -> Response:
    return render(
        request,
        "share.html",
        {
            "form": values,
            "errors": errors or {},
            "categories": list(ShareCategory),
            "facts": list(Fact),
            "subject_fields": SHARE_SUBJECT_FIELDS,
            "subject_labels": SUBJECT_LABELS,
            "hints": SUBJECT_HINTS,
            "widths": SUBJECT_WIDTHS,
            "can_add": len(values["subjects"]) < MOST_SUBJECTS,
        },
        status_code=400 if errors else 200,
    )


def _blank() -> Values:
    return {"category": "", "facts": [], "summary": "", "subjects": [_blank_subject()]}


def _blank_subject() -> dict[str, str]:
    return dict.fromkeys(SHARE_SUBJECT_FIELDS, "")


def _values(form: FormData) -> Values:
    """What was typed, kept as typed, so that a page with errors shows it all again."""
    subjects: dict[int, dict[str, str]] = {}
    for key, value in form.multi_items():
        match = _SUBJECT_KEY.fullmatch(key)
        if match and match[2] in SHARE_SUBJECT_FIELDS and int(match[1]) < MOST_SUBJECTS:
            subject = subjects.setdefault(int(match[1]), _blank_subject())
            subject[match[2]] = str(value)
    return {
        "category": str(form.get("category") or ""),
        "facts": [str(f) for f in form.getlist("facts")],
        "summary": str(form.get("summary") or ""),
        "subjects": [subjects[i] for i in sorted(subjects)] or [_blank_subject()],
    }


def _body(values: Values) -> tuple[Values, list[int]]:
    """The request the service validates; blank fields and wholly blank people are left out."""
    positions = [i for i, s in enumerate(values["subjects"]) if any(v.strip() for v in s.values())]
    body: Values = {
        "facts": values["facts"],
        "subjects": [
            {k: v for k, v in values["subjects"][i].items() if v.strip()} for i in positions
        ],
    }
    for key in ("category", "summary"):
        if values[key].strip():
            body[key] = values[key]
    return body, positions


def _errors(details: list[ErrorDetails], positions: list[int]) -> dict[str, str]:
    """Pydantic's errors as GOV.UK error messages, one per field, keyed by the field's id."""
    errors: dict[str, str] = {}
    for detail in details:
        field, message = _message(detail, positions)
        errors.setdefault(field, message)
    return dict(sorted(errors.items(), key=lambda item: _page_order(item[0])))


def _page_order(field: str) -> tuple[int, int, int]:
    """Where a field is on the page: the error summary lists problems in that order."""
    match = _SUBJECT_KEY.fullmatch(field)
    if match:
        return 3, int(match[1]), SHARE_SUBJECT_FIELDS.index(match[2])
    return ("category", "facts", "summary").index(field), 0, 0


def _message(detail: ErrorDetails, positions: list[int]) -> tuple[str, str]:
    loc = detail["loc"]
    if loc[0] == "category":
        return "category", "Select what kind of information you are sharing"
    if loc[0] == "summary":
        if detail["type"] in _TOO_LONG:
            return "summary", "Summary must be 20,000 characters or fewer"
        return "summary", "Enter a summary of what you know"
    if loc[0] == "facts":
        return "facts", "Select only findings from the list"
    if len(loc) == 1:
        return (
            "subjects-0-given",
            "Describe at least one person: their name, and what else you know",
        )
    return _subject_message(detail, positions[int(loc[1])])


def _subject_message(detail: ErrorDetails, position: int) -> tuple[str, str]:
    loc, person = detail["loc"], f"person {position + 1}"
    if len(loc) == 2:  # the whole subject: the rule that it needs a name
        return (
            f"subjects-{position}-given",
            f"Enter a given name, family name or whole name for {person}",
        )
    field = str(loc[2])
    label = SUBJECT_LABELS.get(field, field)
    if detail["type"] in _TOO_LONG:
        return f"subjects-{position}-{field}", f"{label} for {person} is too long"
    in_sentence = label if label.split()[0].isupper() else label.lower()  # NHS stays NHS
    return f"subjects-{position}-{field}", f"Enter a valid {in_sentence} for {person}"


def _field_id(service_field: str, positions: list[int]) -> str:
    """A service's dotted field name (subjects.0.dob) as the id of the input on the page."""
    parts = service_field.split(".")
    if parts[0] == "subjects" and len(parts) > 1 and parts[1].isdigit():
        parts[1] = str(positions[int(parts[1])])
    if parts == ["subjects"]:
        return "subjects-0-given"
    return "-".join(parts)
