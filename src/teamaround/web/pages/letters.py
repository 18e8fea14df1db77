"""Check a letter to a family: every jargon term marked in the text with its plain meaning.

The letter is not kept: the report is the answer to the POST (only the check is audited).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from teamaround.rules.plain_language import FlaggedTerm
from teamaround.services.commands import LetterCheck
from teamaround.services.errors import NotFound
from teamaround.services.letters import check_letter
from teamaround.web.pages.forms import TOO_LONG, errors_in_order, typed
from teamaround.web.pages.session import Me, refused
from teamaround.web.pages.templating import render

router = APIRouter()

FIELDS = ("to", "text")
MESSAGES = {"to": "Say who the letter is to", "text": "Paste the text of the letter"}
TOO_LONG_MESSAGES = {
    "to": "Who the letter is to must be 200 characters or fewer",
    "text": "The letter must be 20,000 characters or fewer",
}


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of the letter: plain text, or a term to mark (explained at its first use)."""

    text: str
    term: FlaggedTerm | None = None
    explain: bool = False


@router.get("/letters")
def letter_form(request: Request, me: Me) -> Response:
    return _form(request, dict.fromkeys(FIELDS, ""))


@router.post("/letters")
async def check(request: Request, me: Me) -> Response:
    values = typed(await request.form(), FIELDS)
    try:
        letter = LetterCheck.model_validate(values)
    except ValidationError as exc:
        return _form(request, values, errors_in_order(exc.errors(), _message, FIELDS))
    try:
        report = check_letter(request.app.state.uow, actor_id=me, check=letter)
    except NotFound as exc:
        return refused(request, exc)
    return render(
        request,
        "letter_report.html",
        {"report": report, "form": values, "pieces": marked(letter.text, report.terms)},
    )


def marked(text: str, terms: list[FlaggedTerm]) -> list[Piece]:
    """The letter cut into plain runs and terms, the way the checker found them."""
    by_form = {form: term for term in terms for form in term.found_as}
    if not by_form:
        return [Piece(text)]
    forms = sorted(by_form, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, forms)) + r")(?![\w-])")
    pieces, seen, at = [], set(), 0
    for match in pattern.finditer(text):
        term = by_form[match[0]]
        pieces += [Piece(text[at : match.start()]), Piece(match[0], term, term.term not in seen)]
        seen.add(term.term)
        at = match.end()
    return [*pieces, Piece(text[at:])]


def _form(
    request: Request, values: dict[str, str], errors: dict[str, str] | None = None
) -> Response:
    return render(
        request,
        "letter.html",
        {"form": values, "errors": errors or {}},
        status_code=400 if errors else 200,
    )


def _message(detail: ErrorDetails) -> tuple[str, str]:
    field = str(detail["loc"][0]) if detail["loc"] else "text"
    if detail["type"] in TOO_LONG:
        return field, TOO_LONG_MESSAGES.get(field, "This answer is too long")
    return field, MESSAGES.get(field, "Check this answer")
