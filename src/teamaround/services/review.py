"""The SPOC's review queue: possible matches between the two thresholds, confirmed or rejected.

Items come from shares, MARAC listings (a person or a household) and flag lookups. A
decision is kept (who, when) and audited, and governs later matching of the same
description: a rejected pair never links or alerts again; a confirmed pair always links.
Confirming a pending share's or listing's match links its subject and raises, there and
then, the alerts it would have raised had it linked at once; confirming a lookup's match
makes later lookups of that description flagged. Stale items are withdrawn elsewhere
(`services/review_items.py`) and leave the queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from teamaround.adapters.db.tables import (
    AddressRow,
    AgencyRow,
    ContributionRow,
    ContributionSubjectRow,
    LookupRow,
    MatchReviewRow,
    PersonRow,
    ProfessionalRow,
)
from teamaround.domain.vocab import Purpose, Role
from teamaround.services import audit
from teamaround.services.context import Actor, UnitOfWork, load_actor
from teamaround.services.errors import Conflict, NotFound, present
from teamaround.services.linking import ReviewStatus
from teamaround.services.review_items import link_source, pending, reevaluate
from teamaround.services.sharing import rerun_rules


class Decision(StrEnum):
    CONFIRM = "confirm"
    REJECT = "reject"


_STATUS = {Decision.CONFIRM: ReviewStatus.CONFIRMED, Decision.REJECT: ReviewStatus.REJECTED}


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """One possible match as the SPOC sees it: where it came from, what was said, whom (or
    which household) it may be, and why."""

    id: str
    source: str  # a contribution's kind (share, marac-listing) or flag-lookup
    source_agency: str
    contribution_id: str | None
    described: dict[str, Any]
    match: str  # person or household
    candidate: str  # the person's name, or the household's address
    person_id: str | None
    address_id: str | None
    probability: float
    evidence: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    id: str
    status: str
    decided_at: datetime
    alerts_raised: int


FLAG_LOOKUP = "flag-lookup"


def _spoc(s: Session, actor_id: str) -> Actor:
    """Only a SPOC works the queue; anyone else is told there is nothing there."""
    actor = load_actor(s, actor_id)
    if actor.role != Role.SPOC:
        raise NotFound("review queue")
    return actor


def list_review_queue(uow: UnitOfWork, *, actor_id: str) -> list[ReviewItem]:
    """Pending possible matches, oldest first."""
    with uow.transaction() as s:
        actor = _spoc(s, actor_id)
        items = [_item(s, review) for review in pending(s)]
        now = uow.clock.now()
        audit.action(s, now, actor, "read-review-queue", "match-review", "queue",
                     Purpose.SAFEGUARDING_SHARE)  # fmt: skip
        return items


def _item(s: Session, review: MatchReviewRow) -> ReviewItem:
    source, agency_id, described = _source(s, review)
    agency = s.get(AgencyRow, agency_id)
    match, candidate = _candidate(s, review)
    return ReviewItem(
        id=review.id,
        source=source,
        source_agency=agency.name if agency else agency_id,
        contribution_id=review.contribution_id,
        described=described,
        match=match,
        candidate=candidate,
        person_id=review.person_id,
        address_id=review.address_id,
        probability=review.probability,
        evidence=dict(review.evidence),
        created_at=review.created_at,
    )


def _candidate(s: Session, review: MatchReviewRow) -> tuple[str, str]:
    if review.person_id is not None:
        person = present(s.get(PersonRow, review.person_id), "person")
        return "person", f"{person.given} {person.family}"
    household = present(s.get(AddressRow, review.address_id), "address")
    return "household", household.text


def _source(s: Session, review: MatchReviewRow) -> tuple[str, str, dict[str, Any]]:
    """(what kind, from which agency, what was described) the item came from."""
    if review.lookup_id is not None:
        lookup = present(s.get(LookupRow, review.lookup_id), "lookup")
        asker = present(s.get(ProfessionalRow, lookup.professional_id), "professional")
        return FLAG_LOOKUP, asker.agency_id, dict(lookup.described)
    subject = present(s.get(ContributionSubjectRow, review.subject_id), "subject")
    contribution = present(s.get(ContributionRow, subject.contribution_id), "contribution")
    return contribution.kind, contribution.agency_id, dict(subject.described)


def do_decide_match(
    uow: UnitOfWork, *, actor_id: str, item_id: str, decision: Decision
) -> ReviewOutcome:
    """Record the decision on this item and on every other pending item for the same pair;
    once a pair is confirmed, other items waiting on the description link as well."""
    with uow.transaction() as s:
        actor = _spoc(s, actor_id)
        item = s.get(MatchReviewRow, item_id)
        if item is None:
            raise NotFound("review item")
        if item.status != ReviewStatus.PENDING:
            raise Conflict(f"review item {item_id} was already {item.status}")
        now = uow.clock.now()
        same_pair = pending(
            s,
            MatchReviewRow.described_key == item.described_key,
            MatchReviewRow.person_id == item.person_id
            if item.person_id is not None
            else MatchReviewRow.address_id == item.address_id,
        )
        raised = 0
        for row in same_pair:
            row.status = _STATUS[decision]
            row.decided_by = actor.id
            row.decided_at = now
            audit.action(s, now, actor, f"review-match:{decision}", "match-review", row.id,
                         Purpose.SAFEGUARDING_SHARE)  # fmt: skip
            if decision == Decision.CONFIRM:
                raised += _link_reviewed(s, row, actor, now)
        if decision == Decision.CONFIRM:
            where = MatchReviewRow.described_key == item.described_key
            raised += reevaluate(s, where, now=now, actor=actor, rerun=rerun_rules)
        return ReviewOutcome(item.id, item.status, now, raised)


def _link_reviewed(s: Session, review: MatchReviewRow, actor: Actor, now: datetime) -> int:
    contribution = link_source(s, review, dict(review.evidence), reviewed_by=actor.id)
    if contribution is None:
        return 0
    return len(rerun_rules(s, contribution_id=contribution, now=now, actor=actor))
