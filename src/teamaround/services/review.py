"""The SPOC's review queue: possible matches between the two thresholds, confirmed or rejected.

A decision is kept (who, when) and audited, and governs later matching of the same
description: a rejected pair never links or alerts again; a confirmed pair always links.
Confirming a pending share's match links its subject and raises, there and then, the alerts
the share would have raised had it linked at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from teamaround.adapters.db.tables import ContributionSubjectRow, MatchReviewRow, PersonRow
from teamaround.domain.vocab import Purpose, Role
from teamaround.services import audit
from teamaround.services.context import Actor, UnitOfWork, load_actor
from teamaround.services.errors import Conflict, NotFound
from teamaround.services.linking import ReviewStatus
from teamaround.services.sharing import rerun_rules


class Decision(StrEnum):
    CONFIRM = "confirm"
    REJECT = "reject"


_STATUS = {Decision.CONFIRM: ReviewStatus.CONFIRMED, Decision.REJECT: ReviewStatus.REJECTED}


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """One possible match as the SPOC sees it: what was shared, whom it may be, and why."""

    id: str
    contribution_id: str
    described: dict[str, Any]
    person_id: str
    person_name: str
    probability: float
    evidence: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    id: str
    status: str
    decided_at: datetime
    alerts_raised: int


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
        rows = s.execute(
            sa.select(MatchReviewRow, ContributionSubjectRow, PersonRow)
            .join(ContributionSubjectRow, ContributionSubjectRow.id == MatchReviewRow.subject_id)
            .join(PersonRow, PersonRow.id == MatchReviewRow.person_id)
            .where(MatchReviewRow.status == ReviewStatus.PENDING)
            .order_by(MatchReviewRow.created_at, MatchReviewRow.id)
        ).all()
        now = uow.clock.now()
        audit.action(s, now, actor, "read-review-queue", "match-review", "queue",
                     Purpose.SAFEGUARDING_SHARE)  # fmt: skip
        return [
            ReviewItem(
                id=review.id,
                contribution_id=review.contribution_id,
                described=dict(subject.described),
                person_id=person.id,
                person_name=f"{person.given} {person.family}",
                probability=review.probability,
                evidence=dict(review.evidence),
                created_at=review.created_at,
            )
            for review, subject, person in rows
        ]


def do_decide_match(
    uow: UnitOfWork, *, actor_id: str, item_id: str, decision: Decision
) -> ReviewOutcome:
    """Record the decision on this item and on every other pending item for the same pair."""
    with uow.transaction() as s:
        actor = _spoc(s, actor_id)
        item = s.get(MatchReviewRow, item_id)
        if item is None:
            raise NotFound("review item")
        if item.status != ReviewStatus.PENDING:
            raise Conflict(f"review item {item_id} was already {item.status}")
        now = uow.clock.now()
        same_pair = s.scalars(
            sa.select(MatchReviewRow).where(
                MatchReviewRow.described_key == item.described_key,
                MatchReviewRow.person_id == item.person_id,
                MatchReviewRow.status == ReviewStatus.PENDING,
            )
        ).all()
        raised = 0
        for row in same_pair:
            row.status = _STATUS[decision]
            row.decided_by = actor.id
            row.decided_at = now
            audit.action(s, now, actor, f"review-match:{decision}", "match-review", row.id,
                         Purpose.SAFEGUARDING_SHARE)  # fmt: skip
            if decision == Decision.CONFIRM:
                raised += _link_reviewed_subject(s, row, actor, now)
        return ReviewOutcome(item.id, item.status, now, raised)


def _link_reviewed_subject(s: Session, review: MatchReviewRow, actor: Actor, now: datetime) -> int:
    subject = s.get(ContributionSubjectRow, review.subject_id)
    if subject is None or subject.person_id is not None:
        return 0
    subject.person_id = review.person_id
    subject.person_probability = review.probability
    subject.evidence = {**subject.evidence, "person": review.evidence, "reviewed_by": actor.id}
    s.flush()
    return len(rerun_rules(s, contribution_id=review.contribution_id, now=now, actor=actor))
