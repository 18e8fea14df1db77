"""Possible matches as stored: queued between the thresholds, withdrawn when they go stale.

Shares, MARAC listings and flag lookups queue their possible matches here. An item waits
for a SPOC's decision (`services/review.py`) unless it goes stale first: its description now
links by itself (the register changed, or a later share, lookup or decision linked the same
description), or its candidate left the register (removed, or merged into another record).
A stale item is withdrawn, which is audited (who, which item, why; never what was described)
and governs nothing later; what its description came from is then linked as a new share
would be, and the contribution's rules run again, raising only alerts not raised before.
A subject never waits twice on one pair, and re-evaluating never queues a second item.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from teamaround.adapters.db.tables import ContributionSubjectRow, LookupRow, MatchReviewRow
from teamaround.domain.identity import Identity
from teamaround.domain.vocab import Purpose
from teamaround.linkage import AddressMatch, PotentialMatch
from teamaround.services import audit
from teamaround.services.context import Actor
from teamaround.services.linking import ReviewStatus, SubjectLink, link_identity, match_json


class Withdrawal(StrEnum):
    """Why a pending item left the queue without a decision."""

    LINKED = "linked-automatically"
    CANDIDATE_REMOVED = "candidate-removed"
    CANDIDATE_MERGED = "candidate-merged"
    BELOW_REVIEW = "below-review-threshold"


class Rerun(Protocol):
    """`sharing.rerun_rules`, passed in because sharing itself queues through this module."""

    def __call__(
        self, s: Session, *, contribution_id: str, now: datetime, actor: Actor
    ) -> list[str]: ...


def queue_subject(
    s: Session, subject: ContributionSubjectRow, link: SubjectLink, now: datetime
) -> None:
    """Queue the subject's person and household candidates that are between the thresholds
    and undecided, each unless the subject already waits on that pair."""
    s.flush()
    source = {"subject_id": subject.id, "contribution_id": subject.contribution_id}
    for match, key in ((link.review, link.described_key), (link.address_review, link.address_key)):
        if match is not None and not _waiting(s, match, MatchReviewRow.subject_id == subject.id):
            s.add(_item(match, key, now, **source))
    s.flush()


def queue_lookup(
    s: Session, *, lookup_id: str, match: PotentialMatch, key: str, now: datetime
) -> bool:
    """A lookup's possible match waits for a SPOC, unless the same pair already waits: the
    decision on it will answer both."""
    if _waiting(s, match, MatchReviewRow.described_key == key):
        return False
    s.add(_item(match, key, now, lookup_id=lookup_id))
    s.flush()
    return True


def pending(s: Session, *where: Any) -> list[MatchReviewRow]:
    return list(
        s.scalars(
            sa.select(MatchReviewRow)
            .where(MatchReviewRow.status == ReviewStatus.PENDING, *where)
            .order_by(MatchReviewRow.created_at, MatchReviewRow.id)
        )
    )


def settle(s: Session, link: SubjectLink, *, now: datetime, actor: Actor, rerun: Rerun) -> int:
    """A description just linked by itself: items still waiting on the same description are
    withdrawn and linked likewise. Returns the alerts raised."""
    keys = [
        key
        for key, linked in ((link.described_key, link.person), (link.address_key, link.address))
        if key and linked is not None
    ]
    if not keys:
        return 0
    return reevaluate(s, MatchReviewRow.described_key.in_(keys), now=now, actor=actor, rerun=rerun)


def reevaluate(s: Session, *where: Any, now: datetime, actor: Actor, rerun: Rerun) -> int:
    """Link each pending item's description afresh (after a register change, say). One that
    now links by itself is withdrawn and its source linked; one still between the thresholds
    stays as it is. Returns the alerts raised by rerunning the contributions' rules."""
    relinked: set[str] = set()
    for item in pending(s, *where):
        link = link_identity(s, Identity(**_described(s, item)), now)
        linked = link.person if item.person_id is not None else link.address
        if linked is None:
            continue
        withdraw(s, item, Withdrawal.LINKED, now=now, actor=actor)
        contribution = link_source(s, item, match_json(linked) or {}, review=item.id)
        if contribution is not None:
            relinked.add(contribution)
    raised = [rerun(s, contribution_id=c, now=now, actor=actor) for c in sorted(relinked)]
    return sum(len(alerts) for alerts in raised)


def recheck_thresholds(s: Session, *, review_floor: float, now: datetime, actor: Actor,
                       rerun: Rerun) -> int:  # fmt: skip
    """After a team manager moves the thresholds: an item now below the review threshold
    leaves the queue (the partnership no longer asks a SPOC about matches that weak); one
    now at or above the link threshold links, as a new share would. Returns the alerts
    raised by linking."""
    for item in pending(s, MatchReviewRow.probability < review_floor):
        withdraw(s, item, Withdrawal.BELOW_REVIEW, now=now, actor=actor)
    return reevaluate(s, now=now, actor=actor, rerun=rerun)


def withdraw_reviews_of(
    s: Session, *, person_id: str, because: Withdrawal, now: datetime, actor: Actor
) -> list[str]:
    """For the register's removal of a person, or merge into another: the items naming them
    leave the queue. The caller re-links what they came from once the register is changed."""
    items = pending(s, MatchReviewRow.person_id == person_id)
    for item in items:
        withdraw(s, item, because, now=now, actor=actor)
    return [item.id for item in items]


def relink(s: Session, item_ids: list[str], *, now: datetime) -> set[str]:
    """After withdrawing items whose candidate left the register: link what each came from
    afresh, as a new share or lookup would be, so nothing is lost with the candidate. Linked
    now, or queued again for its new best candidate. Returns the contributions whose rules
    must run again."""
    contributions: set[str] = set()
    for item_id in item_ids:
        item = s.get(MatchReviewRow, item_id)
        if item is None:
            continue
        link = link_identity(s, Identity(**_described(s, item)), now)
        if link.person is not None:
            contribution = link_source(s, item, match_json(link.person) or {}, review=item.id)
            contributions |= {contribution} if contribution else set()
        elif link.review is not None and item.lookup_id is not None:
            key = link.described_key
            queue_lookup(s, lookup_id=item.lookup_id, match=link.review, key=key, now=now)
        elif link.review is not None and (
            subject := s.get(ContributionSubjectRow, item.subject_id)
        ):
            queue_subject(s, subject, replace(link, address_review=None), now)
    return contributions


def withdraw(
    s: Session, item: MatchReviewRow, because: Withdrawal, *, now: datetime, actor: Actor
) -> None:
    item.status = ReviewStatus.WITHDRAWN
    item.withdrawn_reason = because
    item.decided_at = now
    audit.action(s, now, actor, f"withdraw-review:{because}", "match-review", item.id,
                 Purpose.SAFEGUARDING_SHARE)  # fmt: skip


def link_source(s: Session, item: MatchReviewRow, match: dict[str, Any], **note: str) -> str | None:
    """Link what the item's description came from to `match` (as `match_json` writes it),
    unless it is linked already; returns the contribution whose rules must run again."""
    if item.lookup_id is not None:
        lookup = s.get(LookupRow, item.lookup_id)
        if lookup is not None and lookup.person_id is None:
            lookup.person_id = match["id"]
        return None
    subject = s.get(ContributionSubjectRow, item.subject_id)
    if subject is None:
        return None
    if item.person_id is not None:
        if subject.person_id is not None:
            return None
        subject.person_id = match["id"]
        subject.person_probability = match["probability"]
        subject.evidence = {**subject.evidence, "person": {**match, **note}}
    else:
        if subject.address_id is not None:
            return None
        subject.address_id = match["id"]
        subject.address_probability = match["probability"]
        subject.evidence = {**subject.evidence, "address": {**match, **note}}
    s.flush()
    return subject.contribution_id


def _waiting(s: Session, match: PotentialMatch | AddressMatch, where: Any) -> bool:
    target = (
        MatchReviewRow.person_id == match.person_id
        if isinstance(match, PotentialMatch)
        else MatchReviewRow.address_id == match.address_id
    )
    return bool(pending(s, where, target))


def _item(
    match: PotentialMatch | AddressMatch, key: str, now: datetime, **source: Any
) -> MatchReviewRow:
    person = match.person_id if isinstance(match, PotentialMatch) else None
    address = match.address_id if isinstance(match, AddressMatch) else None
    return MatchReviewRow(
        id=uuid.uuid4().hex,
        person_id=person,
        address_id=address,
        described_key=key,
        probability=match.probability,
        evidence=match_json(match) or {},
        status=ReviewStatus.PENDING,
        created_at=now,
        **source,
    )


def _described(s: Session, item: MatchReviewRow) -> dict[str, Any]:
    """What the agency or the professional looking up wrote, as stored."""
    if item.lookup_id is not None:
        lookup = s.get(LookupRow, item.lookup_id)
        return dict(lookup.described) if lookup else {}
    subject = s.get(ContributionSubjectRow, item.subject_id)
    return dict(subject.described) if subject else {}
