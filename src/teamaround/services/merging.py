"""Folding a duplicate register record into its survivor: every row naming it moves.

`FOLDS` says, for every foreign key to `people.id`, what a merge does with the rows that
name the duplicate; `tests/api/test_merge_people.py` fails when a table refers to people and
is not listed, so a future table cannot be forgotten (its rows would stay with a record
that is off the register, and nothing would alert on them). Where moving would make two
rows of one kind (two relationships between the same child and adult, one professional
twice in a core group), the survivor's row is kept and made the stricter of the two, since
the point of merging is that what was known about either record now protects the child.

The caller (`register.do_merge_people`) checks the merge is allowed, withdraws pending
review items first, and afterwards brings the matcher up to date and reruns the rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, Session

from teamaround.adapters.db.tables import (
    AlertRow,
    AliasRow,
    ChallengeRow,
    ConditionRow,
    ContributionSubjectRow,
    CoreGroupMemberRow,
    LookupRow,
    MatchReviewRow,
    MeetingRow,
    PersonAddressRow,
    PersonRow,
    PlanRow,
    PromptRow,
    RelationshipRow,
)
from teamaround.domain.vocab import Contact
from teamaround.services.linking import ReviewStatus

STRICTNESS = {Contact.PERMITTED: 0, Contact.SUPERVISED: 1, Contact.PROHIBITED: 2}
"""How much a contact rule restricts; rules alert on anything but permitted."""


@dataclass(slots=True)
class Fold:
    """One merge under way: the two records, when, by whom, and what it touched."""

    duplicate: PersonRow
    survivor: PersonRow
    now: datetime
    actor_id: str
    contributions: set[str] = field(default_factory=set)
    """Contributions whose subjects now name the survivor: their rules must run again."""

    @property
    def old(self) -> str:
        return self.duplicate.id

    @property
    def new(self) -> str:
        return self.survivor.id


def fold(s: Session, merge: Fold) -> None:
    """Fill the survivor's gaps from the duplicate, then move every row naming it."""
    _fill_identity(merge)
    for handle in FOLDS.values():
        handle(s, merge)
    s.flush()


def stricter(a: str, b: str) -> str:
    return a if STRICTNESS[Contact(a)] >= STRICTNESS[Contact(b)] else b


def _fill_identity(merge: Fold) -> None:
    """The survivor keeps what it says; what it lacks it takes from the duplicate."""
    survivor, duplicate = merge.survivor, merge.duplicate
    for column in ("dob", "sex", "nhs", "phone", "school_id"):
        if getattr(survivor, column) is None:
            setattr(survivor, column, getattr(duplicate, column))


# --------------------------------------------------------------------------- each table


def _move(column: InstrumentedAttribute[str | None] | InstrumentedAttribute[str]) -> Folder:
    """Rows of a table where the person is only named: they now name the survivor."""

    def handle(s: Session, merge: Fold) -> None:
        s.execute(
            sa.update(column.class_).where(column == merge.old).values({column.key: merge.new})
        )

    return handle


def _aliases(s: Session, merge: Fold) -> None:
    """The duplicate's aliases, and its own name, become the survivor's aliases: a share
    describing "Deano Marsh" must find the one record left. Names it already has are
    not added twice."""
    known = {_name_key(merge.survivor.given, merge.survivor.family)}
    known |= {
        _name_key(a.name)
        for a in s.scalars(sa.select(AliasRow).where(AliasRow.person_id == merge.new))
    }
    for alias in list(s.scalars(sa.select(AliasRow).where(AliasRow.person_id == merge.old))):
        if _name_key(alias.name) in known:
            s.delete(alias)
        else:
            alias.person_id = merge.new
            known.add(_name_key(alias.name))
    name = f"{merge.duplicate.given} {merge.duplicate.family}"
    if _name_key(name) not in known:
        s.add(AliasRow(person_id=merge.new, name=name))


def _name_key(*parts: str) -> str:
    return " ".join(" ".join(parts).casefold().split())


def _addresses(s: Session, merge: Fold) -> None:
    """Where the duplicate lived joins the survivor's history. Its current address stays
    current only when the survivor had none; otherwise it becomes a past address."""
    survivor = merge.survivor
    adopt = survivor.address_id is None and merge.duplicate.address_id is not None
    history = sa.select(PersonAddressRow).where(PersonAddressRow.person_id == merge.old)
    for lived in list(s.scalars(history)):
        lived.person_id = merge.new
        if lived.until is None and not adopt:
            lived.until = merge.now
    if adopt:
        survivor.address_id = merge.duplicate.address_id


def _relationships(column: InstrumentedAttribute[str]) -> Folder:
    """A relationship of the duplicate moves; where the survivor already has one with the
    same child (or adult), the two become one: the stricter contact rule, living with the
    child if either said so, both recorded risks."""
    other = (
        RelationshipRow.adult_id if column is RelationshipRow.child_id else RelationshipRow.child_id
    )

    def handle(s: Session, merge: Fold) -> None:
        for row in list(s.scalars(sa.select(RelationshipRow).where(column == merge.old))):
            kept = s.scalars(
                sa.select(RelationshipRow).where(
                    column == merge.new, other == getattr(row, other.key)
                )
            ).one_or_none()
            if kept is None:
                setattr(row, column.key, merge.new)
                continue
            kept.contact = stricter(kept.contact, row.contact)
            kept.lives_with = kept.lives_with or row.lives_with
            kept.risk = _both(kept.risk, row.risk)
            kept.recorded_by = merge.actor_id
            kept.updated_at = merge.now
            s.delete(row)
        s.flush()

    return handle


def _both(first: str | None, second: str | None) -> str | None:
    texts = [t for t in dict.fromkeys((first, second)) if t]
    return "\n\n".join(texts) or None


def _core_group(s: Session, merge: Fold) -> None:
    """A professional in both core groups is in the survivor's once, since the earlier date."""
    kept = {
        m.professional_id: m
        for m in s.scalars(
            sa.select(CoreGroupMemberRow).where(CoreGroupMemberRow.child_id == merge.new)
        )
    }
    moving = list(
        s.scalars(sa.select(CoreGroupMemberRow).where(CoreGroupMemberRow.child_id == merge.old))
    )
    for member in moving:
        if member.professional_id in kept:
            both = kept[member.professional_id]
            both.since = min(both.since, member.since)
            s.delete(member)
    s.flush()
    s.execute(
        sa.update(CoreGroupMemberRow)
        .where(CoreGroupMemberRow.child_id == merge.old)
        .values(child_id=merge.new)
    )


def _subjects(s: Session, merge: Fold) -> None:
    """What agencies shared about the duplicate is about the survivor: the rules run again
    over each such contribution (the caller does), raising what they now imply."""
    shared = sa.select(ContributionSubjectRow).where(ContributionSubjectRow.person_id == merge.old)
    for subject in list(s.scalars(shared)):
        subject.person_id = merge.new
        person = subject.evidence.get("person")
        if isinstance(person, dict):
            person = {**person, "id": merge.new, "merged_from": merge.old}
            subject.evidence = {**subject.evidence, "person": person}
        merge.contributions.add(subject.contribution_id)


def _alerts(s: Session, merge: Fold) -> None:
    """Alerts about the duplicate (a child) or concerning it (an adult) are the survivor's,
    so rerunning the rules does not raise them a second time."""
    _move(AlertRow.about_id)(s, merge)
    s.execute(
        sa.update(AlertRow)
        .where(AlertRow.concerning_id == merge.old)
        .values(concerning_id=merge.new)
    )


def _prompts(s: Session, merge: Fold) -> None:
    """Open prompts of a kind the survivor has open already are cleared (one is enough)."""
    open_kinds = set(
        s.scalars(
            sa.select(PromptRow.kind).where(
                PromptRow.child_id == merge.new, PromptRow.cleared_at.is_(None)
            )
        )
    )
    s.execute(
        sa.update(PromptRow)
        .where(
            PromptRow.child_id == merge.old,
            PromptRow.cleared_at.is_(None),
            PromptRow.kind.in_(open_kinds),
        )
        .values(cleared_at=merge.now)
    )
    _move(PromptRow.child_id)(s, merge)


def _reviews(s: Session, merge: Fold) -> None:
    """A SPOC's decision on the duplicate holds for the survivor: a rejected pair still never
    alerts, a confirmed one still links. Pending items were withdrawn before the fold, and
    withdrawn ones stay as they were (they govern nothing)."""
    s.execute(
        sa.update(MatchReviewRow)
        .where(
            MatchReviewRow.person_id == merge.old,
            MatchReviewRow.status.in_(ReviewStatus.DECIDED),
        )
        .values(person_id=merge.new)
    )


def _merged_before(s: Session, merge: Fold) -> None:
    """Records merged into the duplicate earlier now point at the survivor: no chains. The
    duplicate's own `merged_into` is set by the caller, after the fold."""
    _move(PersonRow.merged_into)(s, merge)


Folder = Callable[[Session, Fold], None]

FOLDS: dict[str, Folder] = {
    "people.merged_into": _merged_before,
    "aliases.person_id": _aliases,
    "person_addresses.person_id": _addresses,
    "relationships.child_id": _relationships(RelationshipRow.child_id),
    "relationships.adult_id": _relationships(RelationshipRow.adult_id),
    "conditions.person_id": _move(ConditionRow.person_id),
    "plans.child_id": _move(PlanRow.child_id),
    "core_group_members.child_id": _core_group,
    "contribution_subjects.person_id": _subjects,
    "alerts.about_id": _alerts,
    "prompts.child_id": _prompts,
    "meetings.child_id": _move(MeetingRow.child_id),
    "challenges.child_id": _move(ChallengeRow.child_id),
    "lookups.person_id": _move(LookupRow.person_id),
    "match_reviews.person_id": _reviews,
}
"""Every foreign key to `people.id` ("table.column"), and what a merge does with it."""

KEPT_ON_DUPLICATE = {"match_reviews.person_id": MatchReviewRow.status == ReviewStatus.WITHDRAWN}
"""Rows that still name the duplicate after a merge, on purpose: withdrawn items record the
candidate as it was when they left the queue."""
