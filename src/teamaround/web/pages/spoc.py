"""The SPOC / MASH view: possible matches to decide, and what agencies outside each core group
have shared, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from teamaround.domain.vocab import ContributionKind
from teamaround.linkage import FieldEvidence, explain_evidence
from teamaround.services.errors import Conflict, NotFound
from teamaround.services.review import (
    FLAG_LOOKUP,
    Decision,
    ReviewItem,
    do_decide_match,
    list_review_queue,
)
from teamaround.services.spoc import spoc_incoming
from teamaround.web.pages import state
from teamaround.web.pages.session import Me, refused
from teamaround.web.pages.shares import SUBJECT_LABELS
from teamaround.web.pages.templating import not_found, render, see_other

router = APIRouter()

SOURCES = {
    ContributionKind.SHARE: "Shared information",
    ContributionKind.MARAC_LISTING: "MARAC listing",
    FLAG_LOOKUP: "Flag lookup",
}

DECIDED = {
    Decision.CONFIRM: "Match confirmed",
    Decision.REJECT: "Match rejected",
}


@dataclass(frozen=True, slots=True)
class Pending:
    """A possible match as the page shows it: what was said, whom it may be, and why."""

    id: str
    source: str
    described: list[tuple[str, str]]
    question: str
    candidate: str
    probability: float
    why: str
    received_at: datetime


@router.get("/spoc")
def spoc_view(request: Request, me: Me) -> Response:
    uow = request.app.state.uow
    try:
        queue = [_pending(item) for item in list_review_queue(uow, actor_id=me)]
        children = spoc_incoming(uow, actor_id=me)
    except NotFound as exc:
        return refused(request, exc)
    return render(request, "spoc.html", {"children": children, "queue": queue})


@router.post("/spoc/review/{item_id}")
async def decide(request: Request, item_id: str, me: Me) -> Response:
    chosen = str((await request.form()).get("decision") or "")
    if chosen not in set(Decision):
        return not_found(request)
    decision = Decision(chosen)
    try:
        outcome = do_decide_match(
            request.app.state.uow, actor_id=me, item_id=item_id, decision=decision
        )
    except NotFound as exc:
        return refused(request, exc)
    except Conflict:
        state.flash(request, "Already decided", "Someone decided this possible match first.")
        return see_other("/spoc")
    raised = f" {outcome.alerts_raised} alert(s) raised." if decision == Decision.CONFIRM else ""
    state.flash(request, DECIDED[decision], "Your decision is recorded." + raised)
    return see_other("/spoc")


def _pending(item: ReviewItem) -> Pending:
    return Pending(
        id=item.id,
        source=f"{SOURCES.get(item.source, item.source)} from {item.source_agency}",
        described=[
            (SUBJECT_LABELS.get(k, k.capitalize()), str(v)) for k, v in item.described.items()
        ],
        question=(
            f"Is this {item.candidate}?"
            if item.match == "person"
            else f"Is this the household at {item.candidate}?"
        ),
        candidate=item.candidate,
        probability=item.probability,
        why=_why(item.evidence),
        received_at=item.created_at,
    )


def _why(evidence: dict[str, Any]) -> str:
    fields = [
        FieldEvidence(f["field"], f["level"], float(f["weight"]), f["description"])
        for f in evidence.get("fields", [])
    ]
    return explain_evidence(fields) if fields else "no evidence was recorded"
