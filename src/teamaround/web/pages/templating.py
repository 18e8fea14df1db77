"""Jinja2 with the GOV.UK Frontend macros, and the page responses every feature renders."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader

from teamaround.web.pages import navigation, state

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LONDON = ZoneInfo("Europe/London")

# Words the vocabularies spell for machines, as people read them; the rest read as they are.
LABELS = {
    "dsl": "Designated safeguarding lead",
    "spoc": "Single point of contact",
    "gp": "GP",
    "idva": "Independent domestic violence adviser",
    "marac-coordinator": "MARAC coordinator",
    "school-dsl": "School designated safeguarding lead",
    "health-contact": "Health contact",
    "no-health-needs": "No unmet health needs found",
    "adult-present": "An adult was with the child or at the child's home",
    "child-left-alone": "Child left alone",
    "support-declined": "Support declined",
    "denial": "A parent or carer denied the concern",
    "closing-involvement": "Your agency is ending its involvement",
    "parents-partner": "Parent's partner",
    "risk-adult-at-child-address": "Adult who poses a risk reported at the child's address",
    "new-information": "New information shared",
    "marac-linked-child": "MARAC case linked to the child",
    "unacknowledged-alert": "Urgent alert not acknowledged",
    "challenge-overdue": "Professional challenge overdue",
    "timescale-overdue": "Statutory timescale missed",
    "pre-proceedings": "Pre-proceedings (PLO)",
    "child-da-support-referral": "Refer the child for domestic abuse support",
    "icpc": "Initial child protection conference",
    "rcpc": "Review child protection conference",
    "cin-review": "Child in need review",
    "marac-listing": "MARAC listing",
}
TAG_COLOURS = {
    "urgent": "govuk-tag--red",
    "high": "govuk-tag--orange",
    "normal": "govuk-tag--grey",
    "prohibited": "govuk-tag--red",
    "supervised": "govuk-tag--yellow",
    "permitted": "govuk-tag--green",
}


def _environment() -> Environment:
    loader = ChoiceLoader(
        [
            FileSystemLoader(TEMPLATES),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    env = Environment(loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = when
    env.filters["day"] = day
    env.filters["label"] = label
    env.filters["tag_colour"] = tag_colour
    return env


def when(moment: datetime | None) -> str:
    """A moment as people in England read it: 7:12pm on 2 February 2021."""
    if moment is None:
        return ""
    local = moment.astimezone(LONDON)
    return f"{local:%-I:%M%p}".lower() + f" on {local:%-d %B %Y}"


def label(value: str) -> str:
    """child-protection → Child protection."""
    return LABELS.get(value) or value.replace("-", " ").capitalize()


def tag_colour(value: str) -> str:
    return TAG_COLOURS.get(value, "")


def day(moment: Any) -> str:
    return f"{moment:%-d %B %Y}" if moment else ""


templates = Jinja2Templates(env=_environment())


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """A page with what every layout needs: who is signed in, the CSRF token, a one-off banner."""
    context = context or {}
    me = state.signed_in_as(request)
    base = {
        "me": me,
        "navigation": navigation.items(me, request.url.path),
        "csrf_token": state.csrf_token(request),
        "flash": state.pop_flash(request),
        "path": request.url.path,
        "error_list": [
            {"text": message, "href": f"#{field}"}
            for field, message in context.get("errors", {}).items()
        ],
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


def see_other(url: str) -> RedirectResponse:
    """Post/redirect/get: after a change, the browser asks for the page afresh."""
    return RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)


def not_found(request: Request) -> HTMLResponse:
    """The same page whether the record is missing or not the professional's to see."""
    return render(request, "not_found.html", status_code=status.HTTP_404_NOT_FOUND)
