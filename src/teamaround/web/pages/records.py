"""A person's record on the register: reading it, correcting it, merging a duplicate into it.

For register keepers only (docs/decisions/0009-correcting-and-merging-people.md); anyone else,
and any id that is not on the register, gets the same 'Page not found'.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from teamaround.services import register
from teamaround.services.commands import PeopleMerge, PersonUpdate
from teamaround.services.errors import Conflict, Invalid, NotFound
from teamaround.services.register import PersonView
from teamaround.web.pages import state
from teamaround.web.pages.forms import TOO_LONG, Message, errors_in_order, typed
from teamaround.web.pages.register import NO_PERSON, PERSON_DETAILS, SEXES, Field
from teamaround.web.pages.session import Me, refused
from teamaround.web.pages.templating import render, see_other

router = APIRouter()

CORRECTION = (
    *PERSON_DETAILS,
    Field(
        "address",
        "Address",
        "select",
        hint="Where they live now. The address they lived at before is kept for matching.",
        choices="addresses",
    ),
    Field("school", "School", "select", choices="schools"),
    Field(
        "alias",
        "Add another name they are known by",
        hint="For example, a nickname or a previous family name. Leave it empty if there is none.",
    ),
)
MESSAGES = {
    "given": "Enter the person's given name",
    "family": "Enter the person's family name",
    "dob": "Enter a real date of birth",
    "sex": "Select the person's sex",
    "nhs": "Enter an NHS number with 10 digits",
    "phone": "Enter a phone number of 40 characters or fewer",
    "address": "Select a registered address",
    "school": "The agency you selected is not a school",
    "alias": "Enter a name of 200 characters or fewer",
}
# A correction replaces a wrong value; it never forgets one (PersonUpdate).
KEPT = {
    "dob": "Enter the date of birth: a correction cannot remove it",
    "sex": "Select the person's sex: a correction cannot remove it",
    "nhs": "Enter the NHS number: a correction cannot remove it",
    "phone": "Enter the phone number: a correction cannot remove it",
    "address": "Select the address: a correction cannot remove it",
    "school": "Select the school: a correction cannot remove it",
}
NOTHING_CHANGED = "Change at least one of the details, or add another name"
CHANGED_MEANWHILE = (
    "Someone else changed this record while you had the form open. The form now shows the "
    "record as it stands: make your correction again"
)

SEX_NAMES = dict(SEXES)
# What the merge refuses, by the field its Conflict names.
MERGE_CONFLICTS = {
    "dob": "The two records give different dates of birth. Correct one of them before merging",
    "nhs": "The two records give different NHS numbers. Correct one of them before merging",
    "plans": "Both children have an open plan. End one of the plans before merging",
}
_LOCAL = re.compile(r"/[\w/-]*")


@router.get("/register/people/{person_id}")
def record(request: Request, person_id: str, me: Me) -> Response:
    try:
        person = register.view_person(request.app.state.uow, actor_id=me, person_id=person_id)
    except NotFound as exc:
        return refused(request, exc)
    return render(request, "person.html", {"person": person, "sexes": SEX_NAMES})


@router.get("/register/people/{person_id}/change")
def change_page(request: Request, person_id: str, me: Me, back: str = "") -> Response:
    try:
        person = register.view_person(request.app.state.uow, actor_id=me, person_id=person_id)
    except NotFound as exc:
        return refused(request, exc)
    return _change_page(request, me, person, _prefilled(person), _back(back, person))


@router.post("/register/people/{person_id}/change")
async def change(request: Request, person_id: str, me: Me) -> Response:
    uow = request.app.state.uow
    try:
        person = register.view_person(uow, actor_id=me, person_id=person_id)
    except NotFound as exc:
        return refused(request, exc)
    form = await request.form()
    fields = _fields(person)
    values = typed(form, [name for f in fields for name in f.inputs])
    back = _back(str(form.get("back") or ""), person)
    if str(form.get("version") or "") != str(person.version):
        # what the form left as it was may be what someone else has since corrected
        return _changed_meanwhile(request, me, person, back)
    correction, errors = _correction(person, fields, values)
    if correction is not None:
        try:
            register.do_update_person(uow, actor_id=me, person_id=person.id, change=correction)
        except NotFound as exc:
            return refused(request, exc)
        except Conflict:  # the version, changed between reading the record and now
            try:
                person = register.view_person(uow, actor_id=me, person_id=person.id)
            except NotFound as exc:
                return refused(request, exc)
            return _changed_meanwhile(request, me, person, back)
        except Invalid as exc:
            errors = {_anchor(fields, exc.field): MESSAGES.get(exc.field, exc.problem)}
    if errors:
        return _change_page(request, me, person, values, back, errors)
    state.flash(request, "Details corrected", "What agencies share is matched to them afresh.")
    return see_other(back)


@router.get("/register/people/{person_id}/merge")
def merge_page(request: Request, person_id: str, me: Me, into: str | None = None) -> Response:
    """Without `into`, the question; with it, what the merge would do, or why it cannot."""
    uow = request.app.state.uow
    try:
        if into is None:
            person = register.view_person(uow, actor_id=me, person_id=person_id)
            return _merge_question(request, person, "")
        merge = PeopleMerge(duplicate=person_id, into=into)
        duplicate, survivor = register.preview_merge(uow, actor_id=me, merge=merge)
    except NotFound as exc:
        return refused(request, exc)
    except (ValidationError, Invalid, Conflict) as exc:
        return _merge_refused(request, me, person_id, into or "", exc)
    context = {"duplicate": duplicate, "survivor": survivor, "sexes": SEX_NAMES}
    return render(request, "merge_confirm.html", context)


@router.post("/register/people/{person_id}/merge")
async def merge(request: Request, person_id: str, me: Me) -> Response:
    into = str((await request.form()).get("into") or "")
    try:
        people = PeopleMerge(duplicate=person_id, into=into)
        register.do_merge_people(request.app.state.uow, actor_id=me, merge=people)
    except NotFound as exc:
        return refused(request, exc)
    except (ValidationError, Invalid, Conflict) as exc:
        return _merge_refused(request, me, person_id, into, exc)
    state.flash(request, "Records merged", f"Record {person_id} has left the register.")
    return see_other(f"/register/people/{quote(people.into, safe='')}")


def _fields(person: PersonView) -> tuple[Field, ...]:
    """A school is asked for a child only."""
    return tuple(f for f in CORRECTION if f.name != "school" or person.kind == "child")


def _prefilled(person: PersonView) -> dict[str, str]:
    dob = person.dob
    return {
        "given": person.given,
        "family": person.family,
        "dob-day": str(dob.day) if dob else "",
        "dob-month": str(dob.month) if dob else "",
        "dob-year": str(dob.year) if dob else "",
        "sex": person.sex or "",
        "nhs": person.nhs or "",
        "phone": person.phone or "",
        "address": person.address or "",
        "school": person.school or "",
        "alias": "",
    }


def _correction(
    person: PersonView, fields: tuple[Field, ...], values: dict[str, str]
) -> tuple[PersonUpdate | None, dict[str, str]]:
    """Only what differs from the record is sent: the service refuses an empty change."""
    body: dict[str, Any] = {}
    errors: dict[str, str] = {}
    recorded: dict[str, object] = {**_prefilled(person), "dob": person.dob}
    for f in fields:
        try:
            value = _value(f, values)
        except (ValueError, OverflowError):  # not a date, or a year no calendar has
            errors[f.anchor] = MESSAGES[f.name]
            continue
        current = recorded.get(f.name)
        if f.name == "alias":
            if value:
                body["aliases_add"] = [value]
        elif value in ("", None):
            if current:
                errors[f.anchor] = KEPT.get(f.name, MESSAGES[f.name])
        elif not _same(f.name, value, current):
            body[f.name] = value
    if errors:
        return None, errors
    if not body:
        return None, {fields[0].anchor: NOTHING_CHANGED}
    try:
        return PersonUpdate.model_validate({**body, "version": person.version}), {}
    except ValidationError as exc:
        order = tuple(f.anchor for f in fields)
        return None, errors_in_order(exc.errors(), _message(fields), order)


def _value(f: Field, values: dict[str, str]) -> str | date | None:
    """What was typed, stripped; a date as a date (raises if it is not one)."""
    if f.kind != "date":
        return values[f.name].strip()
    parts = [values[name].strip() for name in reversed(f.inputs)]  # year, month, day
    return date(*(int(p) for p in parts)) if any(parts) else None


def _same(name: str, value: object, current: object) -> bool:
    if name == "nhs" and isinstance(value, str):
        return "".join(ch for ch in value if ch.isdigit()) == current
    return value == current


def _message(fields: tuple[Field, ...]) -> Message:
    named = {f.name: f for f in fields}

    def message(detail: ErrorDetails) -> tuple[str, str]:
        loc = ["alias" if part == "aliases_add" else str(part) for part in detail["loc"]]
        known = [part for part in loc if part in named]
        f = named[known[-1]] if known else fields[0]
        if detail["type"] in TOO_LONG and f.name != "alias":
            return f.anchor, f"{f.label} is too long"
        return f.anchor, MESSAGES[f.name]

    return message


def _anchor(fields: tuple[Field, ...], name: str) -> str:
    return next((f.anchor for f in fields if f.name == name), fields[0].anchor)


def _back(back: str, person: PersonView) -> str:
    """Where the form came from, if it is a page of this service; the record otherwise."""
    if _LOCAL.fullmatch(back) and not back.startswith("//"):
        return back
    return f"/register/people/{quote(person.id, safe='')}"


def _change_page(
    request: Request,
    me: str,
    person: PersonView,
    values: dict[str, str],
    back: str,
    errors: dict[str, str] | None = None,
    status_code: int | None = None,
) -> Response:
    choices = register.register_choices(request.app.state.uow, actor_id=me)
    context = {
        "person": person,
        "fields": _fields(person),
        "values": values,
        "errors": errors or {},
        "choices": {"addresses": choices.addresses, "schools": choices.schools},
        "back": back,
    }
    status = status_code or (400 if errors else 200)
    return render(request, "person_change.html", context, status_code=status)


def _changed_meanwhile(request: Request, me: str, now: PersonView, back: str) -> Response:
    """The form again, filled from the record as it now stands (`now`), saying why."""
    errors = {_fields(now)[0].anchor: CHANGED_MEANWHILE}
    return _change_page(request, me, now, _prefilled(now), back, errors, status_code=409)


def _merge_refused(
    request: Request, me: str, person_id: str, into: str, exc: Exception
) -> Response:
    """The question again, with why not against the field (the duplicate must still exist)."""
    try:
        person = register.view_person(request.app.state.uow, actor_id=me, person_id=person_id)
    except NotFound as problem:
        return refused(request, problem)
    return _merge_question(request, person, into, {"into": _why_not(person, into, exc)})


def _why_not(person: PersonView, into: str, exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "Enter the reference of the record to keep"
    if isinstance(exc, Conflict):
        return MERGE_CONFLICTS.get(exc.field or "", str(exc))
    if into.strip() == person.id:
        return "Enter the reference of another record: a record cannot be merged into itself"
    if isinstance(exc, Invalid) and exc.problem.startswith("no person"):
        return NO_PERSON
    kind = "a child" if person.kind == "child" else "an adult"
    return f"Enter the reference of {kind}: only records of the same kind can be merged"


def _merge_question(
    request: Request, person: PersonView, into: str, errors: dict[str, str] | None = None
) -> Response:
    context = {
        "person": person,
        "sexes": SEX_NAMES,
        "values": {"into": into},
        "errors": errors or {},
    }
    return render(request, "merge.html", context, status_code=400 if errors else 200)
