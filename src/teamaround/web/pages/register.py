"""The register kept by Children's Social Care: people, relationships, plans, legal conditions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from teamaround.domain.vocab import (
    ConditionKind,
    Contact,
    PersonKind,
    PlanCategory,
    PlanKind,
    RelationshipKind,
    Role,
)
from teamaround.services import register
from teamaround.services.commands import (
    ConditionsSet,
    PersonCreate,
    PlanEnd,
    PlanStart,
    RelationshipCreate,
)
from teamaround.services.context import UnitOfWork
from teamaround.services.directory import Directory, directory
from teamaround.services.errors import Conflict, Invalid, NotFound
from teamaround.web.pages import state
from teamaround.web.pages.forms import TOO_LONG, errors_in_order, typed
from teamaround.web.pages.session import Me, refused
from teamaround.web.pages.templating import label, render, see_other

router = APIRouter()

Options = tuple[tuple[str, str], ...]
DATE_PARTS = ("day", "month", "year")


def _choices(values: Any) -> Options:
    return tuple((str(v), label(str(v))) for v in values)


@dataclass(frozen=True, slots=True)
class Field:
    """One question on a register form, as the template draws it."""

    name: str
    label: str
    kind: str = "text"  # text, select, date or textarea
    hint: str = ""
    options: Options = ()
    choices: str = ""  # options from the directory: "agencies" or "social_workers"
    width: str = ""

    @property
    def inputs(self) -> tuple[str, ...]:
        """The names the browser sends: a date is three boxes."""
        if self.kind == "date":
            return tuple(f"{self.name}-{part}" for part in DATE_PARTS)
        return (self.name,)

    @property
    def anchor(self) -> str:
        """The id an error message links to."""
        return f"{self.name}-day" if self.kind == "date" else self.name


@dataclass(frozen=True, slots=True)
class RegisterForm:
    """A register form: its questions, the request it builds and the service it calls."""

    slug: str
    title: str
    intro: str
    button: str
    fields: tuple[Field, ...]
    messages: dict[str, str]
    build: Callable[[dict[str, Any]], BaseModel]
    save: Callable[[UnitOfWork, str, Any], object]
    done: tuple[str, str]
    conditions: bool = False  # recorded by probation and police too
    refusals: dict[str, str] = field(default_factory=dict)  # a service's Invalid, per field

    @property
    def order(self) -> tuple[str, ...]:
        return tuple(f.anchor for f in self.fields)


REFERENCE_HINT = "The reference in your case management system, for example child-o"
YES_NO: Options = (("yes", "Yes"), ("no", "No"))
NO_CHILD = "There is no child with this reference on the register"
NO_PERSON = "There is no person with this reference on the register"
NO_ADULT = "There is no adult with this reference on the register"
SEXES: Options = (("F", "Female"), ("M", "Male"), ("X", "Not known"))
PERSON_DETAILS = (
    Field("given", "Given name"),
    Field("family", "Family name"),
    Field("dob", "Date of birth", "date", hint="For example, 19 9 2011"),
    Field("sex", "Sex", "select", options=SEXES),
    Field("nhs", "NHS number", hint="10 digits", width="govuk-input--width-10"),
    Field("phone", "Phone number", width="govuk-input--width-20"),
)
"""Who a person is, as the add and correct forms both ask it."""


def _person(body: dict[str, Any]) -> BaseModel:
    return PersonCreate.model_validate(body)


def _relationship(body: dict[str, Any]) -> BaseModel:
    if "lives_with" in body:
        body["lives_with"] = {"yes": True, "no": False}.get(body["lives_with"], body["lives_with"])
    return RelationshipCreate.model_validate(body)


def _conditions(body: dict[str, Any]) -> BaseModel:
    condition = {k: body.pop(k) for k in ("kind", "detail", "until") if k in body}
    return ConditionsSet.model_validate({**body, "conditions": [condition]})


FORMS = {
    form.slug: form
    for form in (
        RegisterForm(
            slug="people",
            title="Add a person",
            intro="Add a child or an adult to the register, so that what agencies share "
            "can be linked to them.",
            button="Add to the register",
            fields=(
                Field("id", "Reference", hint=REFERENCE_HINT, width="govuk-input--width-20"),
                Field("kind", "Child or adult", "select", options=_choices(PersonKind)),
                *PERSON_DETAILS,
                Field("address", "Address reference", hint="If the address is registered"),
                Field("school", "School", "select", hint="For a child", choices="agencies"),
            ),
            messages={
                "id": "Enter the person's reference",
                "kind": "Select whether the person is a child or an adult",
                "given": "Enter the person's given name",
                "family": "Enter the person's family name",
                "dob": "Enter a real date of birth",
                "sex": "Select the person's sex",
                "nhs": "Enter an NHS number with 10 digits",
                "phone": "Enter a phone number of 40 characters or fewer",
                "address": "Enter the reference of a registered address",
                "school": "Select the child's school",
            },
            refusals={
                "school": "The agency you selected is not a school",
                "address": "There is no address with this reference on the register",
            },
            build=_person,
            save=lambda uow, me, person: register.do_add_person(uow, actor_id=me, person=person),
            done=("Person added", "They are on the register; agencies' information is linked."),
        ),
        RegisterForm(
            slug="relationships",
            title="Record a relationship",
            intro="Record how an adult is related to a child, whether the adult may have "
            "contact, and any risk they pose. Recording it again updates it.",
            button="Record the relationship",
            fields=(
                Field("child", "Child's reference", hint=REFERENCE_HINT),
                Field("adult", "Adult's reference"),
                Field(
                    "kind",
                    "Relationship to the child",
                    "select",
                    options=_choices(RelationshipKind),
                ),
                Field(
                    "lives_with", "Does the adult live with the child?", "select", options=YES_NO
                ),
                Field("contact", "Contact with the child", "select", options=_choices(Contact)),
                Field("risk", "Risk the adult poses to the child", "textarea", hint="If any"),
            ),
            messages={
                "child": "Enter the child's reference",
                "adult": "Enter the adult's reference",
                "kind": "Select how the adult is related to the child",
                "lives_with": "Select whether the adult lives with the child",
                "contact": "Select whether contact is permitted, supervised or prohibited",
                "risk": "Risk must be 2,000 characters or fewer",
            },
            refusals={"child": NO_CHILD, "adult": NO_ADULT},
            build=_relationship,
            save=lambda uow, me, rel: register.do_relate(uow, actor_id=me, relationship=rel),
            done=("Relationship recorded", "The child's prompts have been checked again."),
        ),
        RegisterForm(
            slug="plans",
            title="Start a plan",
            intro="Record that a child's plan has started today.",
            button="Start the plan",
            fields=(
                Field("child", "Child's reference", hint=REFERENCE_HINT),
                Field("plan", "Plan", "select", options=_choices(PlanKind)),
                Field(
                    "category",
                    "Category",
                    "select",
                    hint="For a child protection plan",
                    options=_choices(PlanCategory),
                ),
                Field("lead", "Lead social worker", "select", choices="social_workers"),
            ),
            messages={
                "child": "Enter the child's reference",
                "plan": "Select the plan",
                "category": "Select the category",
                "lead": "Select the lead social worker",
            },
            refusals={"child": NO_CHILD, "lead": "Select a social worker to lead the plan"},
            build=PlanStart.model_validate,
            save=lambda uow, me, plan: register.do_start_plan(uow, actor_id=me, plan=plan),
            done=("Plan started", "The plan is on the register from today."),
        ),
        RegisterForm(
            slug="plans-ended",
            title="End a plan",
            intro="Record that a child's open plan has ended today.",
            button="End the plan",
            fields=(
                Field("child", "Child's reference", hint=REFERENCE_HINT),
                Field("plan", "Plan", "select", options=_choices(PlanKind)),
            ),
            messages={"child": "Enter the child's reference", "plan": "Select the plan"},
            refusals={"plan": "The child has no open plan of this kind"},
            build=PlanEnd.model_validate,
            save=lambda uow, me, plan: register.do_end_plan(uow, actor_id=me, plan=plan),
            done=("Plan ended", "The plan ended today."),
        ),
        RegisterForm(
            slug="conditions",
            title="Record legal conditions",
            intro="Record a licence, order or other legal condition on an adult, so that "
            "professionals see it beside the children the adult is linked to.",
            button="Record the condition",
            fields=(
                Field("person", "Adult's reference", hint=REFERENCE_HINT),
                Field("kind", "Condition", "select", options=_choices(ConditionKind)),
                Field("detail", "What the condition says", "textarea"),
                Field("until", "Until", "date", hint="If it ends, for example 1 9 2022"),
            ),
            messages={
                "person": "Enter the adult's reference",
                "kind": "Select the kind of condition",
                "detail": "Enter what the condition says, in 2,000 characters or fewer",
                "until": "Enter a real date for when the condition ends",
            },
            refusals={"person": NO_ADULT},
            build=_conditions,
            save=lambda uow, me, conditions: register.do_set_conditions(
                uow, actor_id=me, conditions=conditions
            ),
            done=("Condition recorded", "It is shown with the adult from now on."),
            conditions=True,
        ),
    )
}


@router.get("/register")
def index(request: Request, me: Me, person: str | None = None) -> Response:
    """The forms a professional may use; for a keeper, finding a person's record too."""
    uow = request.app.state.uow
    try:
        rights = register.register_rights(uow, actor_id=me)
    except NotFound as exc:
        return refused(request, exc)
    errors: dict[str, str] = {}
    if person is not None and rights.keeps_register:
        found = _find_person(uow, me, person.strip())
        if isinstance(found, Response):
            return found
        errors = found
    forms = [f for f in FORMS.values() if _allowed(f, rights)]
    context = {
        "forms": forms,
        "finds": rights.keeps_register,
        "person": person or "",
        "errors": errors,
    }
    return render(request, "register.html", context, status_code=400 if errors else 200)


@router.get("/register/{slug}")
def form_page(request: Request, slug: str, me: Me) -> Response:
    try:
        form = _form(request, me, slug)
    except NotFound as exc:
        return refused(request, exc)
    values = dict.fromkeys((name for f in form.fields for name in f.inputs), "")
    return _page(request, me, form, values)


@router.post("/register/{slug}")
async def save(request: Request, slug: str, me: Me) -> Response:
    try:
        form = _form(request, me, slug)
    except NotFound as exc:
        return refused(request, exc)
    values = typed(await request.form(), [n for f in form.fields for n in f.inputs])
    body, not_dates = _body(form, values)
    request_model: BaseModel | None = None
    errors: dict[str, str] = {}
    try:
        request_model = form.build(body)
    except ValidationError as exc:
        errors = errors_in_order(exc.errors(), _messages(form), form.order)
    if not_dates:  # every problem at once, in page order; a date's own message wins
        merged = {**errors, **not_dates}
        errors = {k: merged[k] for k in form.order if k in merged}
    elif request_model is not None:
        try:
            form.save(request.app.state.uow, me, request_model)
        except NotFound as exc:
            return refused(request, exc)
        except Invalid as exc:
            errors = {_anchor(form, exc.field): _refusal(form, exc)}
        except Conflict:
            errors = {form.fields[0].anchor: "This is already on the register"}
    if errors:
        return _page(request, me, form, values, errors)
    state.flash(request, *form.done)
    return see_other(f"/register/{slug}")


def _find_person(uow: UnitOfWork, me: str, reference: str) -> Response | dict[str, str]:
    """The person's record, or what is wrong with the reference."""
    if not reference:
        return {"person": "Enter the person's reference"}
    try:
        found = register.view_person(uow, actor_id=me, person_id=reference)
    except NotFound:
        return {"person": NO_PERSON}
    return see_other(f"/register/people/{quote(found.id, safe='')}")


def _allowed(form: RegisterForm, rights: register.RegisterRights) -> bool:
    return rights.records_conditions if form.conditions else rights.keeps_register


def _form(request: Request, me: str, slug: str) -> RegisterForm:
    """The form asked for, if the professional may use it; NotFound otherwise."""
    rights = register.register_rights(request.app.state.uow, actor_id=me)
    form = FORMS.get(slug)
    if form is None or not _allowed(form, rights):
        raise NotFound("register")
    return form


def _page(
    request: Request,
    me: str,
    form: RegisterForm,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
) -> Response:
    names = directory(request.app.state.uow, actor_id=me)
    context = {
        "form": form,
        "values": values,
        "errors": errors or {},
        "choices": _directory_choices(names),
    }
    return render(request, "register_form.html", context, status_code=400 if errors else 200)


def _directory_choices(names: Directory) -> dict[str, Options]:
    workers = sorted(
        (pid, p.name) for pid, p in names.professionals.items() if p.role == Role.SOCIAL_WORKER
    )
    return {"agencies": tuple(names.agencies.items()), "social_workers": tuple(workers)}


def _body(form: RegisterForm, values: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The request's fields, blanks left out, and a message for each date that is not one."""
    body: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in form.fields:
        if f.kind != "date":
            if values[f.name].strip():
                body[f.name] = values[f.name]
            continue
        parts = [values[name].strip() for name in reversed(f.inputs)]  # year, month, day
        if not any(parts):
            continue
        try:
            body[f.name] = date(*(int(p) for p in parts))
        except (ValueError, OverflowError):  # not a date, or a year no calendar has
            errors[f.anchor] = form.messages[f.name]
    return body, errors


def _messages(form: RegisterForm) -> Callable[[ErrorDetails], tuple[str, str]]:
    names = {f.name: f for f in form.fields}

    def message(detail: ErrorDetails) -> tuple[str, str]:
        known = [str(part) for part in detail["loc"] if str(part) in names]
        f = names[known[-1]] if known else form.fields[0]
        if detail["type"] in TOO_LONG and f.kind != "textarea":
            return f.anchor, f"{f.label} is too long"
        return f.anchor, form.messages[f.name]

    return message


def _anchor(form: RegisterForm, service_field: str) -> str:
    for f in form.fields:
        if f.name == service_field:
            return f.anchor
    return form.fields[0].anchor


def _refusal(form: RegisterForm, exc: Invalid) -> str:
    return form.refusals.get(exc.field) or form.messages.get(exc.field) or exc.problem
