"""Intake: an agency shares what it knows; subjects are linked; rules raise alerts."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from teamaround.adapters.db.tables import (
    AgencyRow,
    AlertRow,
    ContributionRow,
    ContributionSubjectRow,
    MatchReviewRow,
    ProfessionalRow,
)
from teamaround.domain.sharing import AlertDraft, LinkedSubject, SharedInformation
from teamaround.domain.vocab import AlertKind, ContributionKind, Fact, Purpose, Role, SubjectRole
from teamaround.linkage import FieldEvidence, explain_evidence
from teamaround.rules.marac import marac_linked_child
from teamaround.rules.new_information import new_information
from teamaround.rules.risk_at_address import risk_adult_at_child_address
from teamaround.services import audit
from teamaround.services.alerting import raise_alerts
from teamaround.services.cases import children_linked_to, load_case
from teamaround.services.commands import IdentityIn, MaracListingCreate, ShareCreate
from teamaround.services.context import SYSTEM, Actor, UnitOfWork, load_actor
from teamaround.services.errors import NotFound
from teamaround.services.idempotency import earlier_answer, remember, request_digest
from teamaround.services.linking import (
    ReviewStatus,
    SubjectLink,
    identity_of,
    link_identity,
    match_json,
)
from teamaround.services.prompts import refresh_prompts

_Body = TypeVar("_Body", ShareCreate, MaracListingCreate)

RECEIPT = (
    "Thank you. Your information has been received and recorded. Where it concerns a child "
    "known to Children's Services, the professionals responsible for that child have been told."
)


@dataclass(frozen=True, slots=True)
class ShareReceipt:
    """What the sharing agency is told: that it was received, and never which child."""

    contribution_id: str
    received_at: datetime
    subjects: int
    message: str = RECEIPT
    linked_children: int | None = None  # told to a MARAC coordinator only: a count, no names
    contacts: tuple[str, ...] = ()


def do_share(
    uow: UnitOfWork, *, actor_id: str, share: ShareCreate, idempotency_key: str | None = None
) -> ShareReceipt:
    return _once(uow, actor_id, "share", share, idempotency_key, _share)


def _share(s: Session, actor: Actor, now: datetime, share: ShareCreate) -> ShareReceipt:
    row = _contribution(s, actor, now, ContributionKind.SHARE, share.summary)
    row.category = share.category
    row.facts = [str(f) for f in share.facts]
    row.restriction = share.restriction
    subjects = [(SubjectRole.SUBJECT, subject) for subject in share.subjects]
    info = _link_and_store(s, actor, row, subjects, now)
    drafts = _rules_for_each_child(s, info, now, marac_date=None)
    raise_alerts(s, drafts=drafts, now=now, actor=actor, contribution_id=row.id)
    return ShareReceipt(contribution_id=row.id, received_at=now, subjects=len(subjects))


def _once(
    uow: UnitOfWork,
    actor_id: str,
    kind: str,
    body: _Body,
    key: str | None,
    handle: Callable[[Session, Actor, datetime, _Body], ShareReceipt],
) -> ShareReceipt:
    """Run an intake once per idempotency key: a retry returns the first answer unchanged."""
    try:
        with uow.transaction() as s:
            actor = load_actor(s, actor_id)
            digest = request_digest(kind, body)
            if key is not None and (answer := earlier_answer(s, actor.id, key, digest)):
                return _receipt_from(answer)
            receipt = handle(s, actor, uow.clock.now(), body)
            if key is not None:
                remember(s, actor.id, key, digest, _receipt_json(receipt), uow.clock.now())
            return receipt
    except IntegrityError:
        if key is None:
            raise
        with uow.transaction() as s:  # a concurrent retry won the race: give its answer
            answer = earlier_answer(s, load_actor(s, actor_id).id, key, request_digest(kind, body))
            if answer is None:
                raise
            return _receipt_from(answer)


def _receipt_json(receipt: ShareReceipt) -> dict[str, Any]:
    answer = asdict(receipt)
    answer["received_at"] = receipt.received_at.isoformat()
    answer["contacts"] = list(receipt.contacts)
    return answer


def _receipt_from(answer: dict[str, Any]) -> ShareReceipt:
    fields = dict(answer)
    fields["received_at"] = datetime.fromisoformat(fields["received_at"])
    fields["contacts"] = tuple(fields.get("contacts", ()))
    return ShareReceipt(**fields)


def do_list_marac(
    uow: UnitOfWork,
    *,
    actor_id: str,
    listing: MaracListingCreate,
    idempotency_key: str | None = None,
) -> ShareReceipt:
    """A MARAC coordinator lists a case; the linked children's schools are told."""
    return _once(uow, actor_id, "marac-listing", listing, idempotency_key, _list_marac)


def _list_marac(
    s: Session, actor: Actor, now: datetime, listing: MaracListingCreate
) -> ShareReceipt:
    if actor.role != Role.MARAC_COORDINATOR and actor is not SYSTEM:
        raise NotFound("MARAC list")
    summary = f"Case listed for MARAC on {listing.meeting_date:%d %B %Y}."
    row = _contribution(s, actor, now, ContributionKind.MARAC_LISTING, summary)
    row.meeting_date = listing.meeting_date
    subjects = [
        (SubjectRole.VICTIM, listing.victim),
        (SubjectRole.PERPETRATOR, listing.perpetrator),
    ]
    info = _link_and_store(s, actor, row, subjects, now)
    drafts = _rules_for_each_child(s, info, now, marac_date=listing.meeting_date)
    raise_alerts(s, drafts=drafts, now=now, actor=actor, contribution_id=row.id)
    linked = [d for d in drafts if d.kind == AlertKind.MARAC_LINKED_CHILD]
    return ShareReceipt(
        contribution_id=row.id,
        received_at=now,
        subjects=len(subjects),
        message=_marac_message(len(linked)),
        linked_children=len(linked),
        contacts=_contacts(s, {p for d in linked for p in d.recipients}),
    )


def _marac_message(children: int) -> str:
    if not children:
        return "MARAC listing received. No child on the register is linked to this case."
    plural = "child is" if children == 1 else "children are"
    return (
        f"MARAC listing received. {children} {plural} linked to the victim or perpetrator. "
        "Their social workers and schools have been invited to contribute before the meeting."
    )


def _contacts(s: Session, professional_ids: set[str]) -> tuple[str, ...]:
    """Whom the coordinator may contact: roles and agencies, never the child."""
    rows = s.execute(
        sa.select(ProfessionalRow, AgencyRow)
        .join(AgencyRow, AgencyRow.id == ProfessionalRow.agency_id)
        .where(ProfessionalRow.id.in_(professional_ids))
        .order_by(AgencyRow.name, ProfessionalRow.name)
    ).all()
    return tuple(f"{p.name} ({p.role}, {a.name})" for p, a in rows)


def _contribution(
    s: Session, actor: Actor, now: datetime, kind: ContributionKind, summary: str
) -> ContributionRow:
    row = ContributionRow(
        id=uuid.uuid4().hex,
        kind=kind,
        agency_id=actor.agency_id,
        professional_id=actor.id,
        received_at=now,
        summary=summary,
        facts=[],
    )
    s.add(row)
    s.flush()
    audit.action(
        s, now, actor, f"contribute:{kind}", "contribution", row.id, Purpose.SAFEGUARDING_SHARE
    )
    return row


def _link_and_store(
    s: Session,
    actor: Actor,
    row: ContributionRow,
    subjects: list[tuple[SubjectRole, IdentityIn]],
    now: datetime,
) -> SharedInformation:
    linked = []
    for position, (role, subject) in enumerate(subjects):
        link = link_identity(s, identity_of(subject), now)
        stored = ContributionSubjectRow(
            contribution_id=row.id,
            position=position,
            role=role,
            described=subject.model_dump(exclude_none=True),
            person_id=link.person_id,
            person_probability=link.person.probability if link.person else None,
            address_id=link.address_id,
            address_probability=link.address.probability if link.address else None,
            evidence=link.evidence(),
        )
        s.add(stored)
        _queue_for_review(s, stored, link, now)
        linked.append(
            LinkedSubject(
                position=position,
                role=role,
                person_id=link.person_id,
                address_id=link.address_id,
                described_address=bool(subject.address),
                explanation=link.explanation(),
            )
        )
    s.flush()
    return _shared_information(s, actor.agency_id, actor.id, row, linked)


def _queue_for_review(
    s: Session, stored: ContributionSubjectRow, link: SubjectLink, now: datetime
) -> None:
    """A best candidate between the thresholds waits for the SPOC's decision."""
    if link.review is None:
        return
    s.flush()
    s.add(
        MatchReviewRow(
            id=uuid.uuid4().hex,
            subject_id=stored.id,
            contribution_id=stored.contribution_id,
            person_id=link.review.person_id,
            described_key=link.described_key,
            probability=link.review.probability,
            evidence=match_json(link.review) or {},
            status=ReviewStatus.PENDING,
            created_at=now,
        )
    )


def _shared_information(
    s: Session, agency_id: str, sharer_id: str, row: ContributionRow, linked: list[LinkedSubject]
) -> SharedInformation:
    agency = s.get(AgencyRow, agency_id)
    return SharedInformation(
        contribution_id=row.id,
        agency_id=agency_id,
        agency_name=agency.name if agency else agency_id,
        sharer_id=sharer_id,
        facts=frozenset(Fact(f) for f in row.facts),
        restricted=row.restriction is not None,
        subjects=tuple(linked),
    )


def rerun_rules(s: Session, *, contribution_id: str, now: datetime, actor: Actor) -> list[str]:
    """After a reviewed link: the rules again over the stored contribution, raising only the
    alerts it has not raised already. Returns the new alert ids."""
    row = s.get(ContributionRow, contribution_id)
    if row is None:
        raise NotFound("contribution")
    stored = s.scalars(
        sa.select(ContributionSubjectRow)
        .where(ContributionSubjectRow.contribution_id == row.id)
        .order_by(ContributionSubjectRow.position)
    )
    linked = [
        LinkedSubject(
            position=subject.position,
            role=SubjectRole(subject.role),
            person_id=subject.person_id,
            address_id=subject.address_id,
            described_address=bool(subject.described.get("address")),
            explanation=_stored_explanation(subject.evidence),
        )
        for subject in stored
    ]
    info = _shared_information(s, row.agency_id, row.professional_id, row, linked)
    marac = row.meeting_date if row.kind == ContributionKind.MARAC_LISTING else None
    drafts = _rules_for_each_child(s, info, now, marac_date=marac)
    raised = {
        (a.kind, a.about_id, a.concerning_id)
        for a in s.scalars(sa.select(AlertRow).where(AlertRow.contribution_id == row.id))
    }
    fresh = [d for d in drafts if (d.kind, d.about, d.concerning) not in raised]
    return raise_alerts(s, drafts=fresh, now=now, actor=actor, contribution_id=row.id)


def _stored_explanation(evidence: dict[str, Any]) -> str:
    person = evidence.get("person") or {}
    fields = [
        FieldEvidence(f["field"], f["level"], float(f["weight"]), f["description"])
        for f in person.get("fields", [])
    ]
    return explain_evidence(fields) if fields else "no match on the register"


def _rules_for_each_child(
    s: Session, info: SharedInformation, now: datetime, *, marac_date: date | None
) -> list[AlertDraft]:
    people = {x.person_id for x in info.subjects if x.person_id}
    homes = {x.address_id for x in info.subjects if x.address_id}
    drafts: list[AlertDraft] = []
    children = children_linked_to(s, people, homes)
    for child_id in children:
        case = load_case(s, child_id, now)
        drafts += risk_adult_at_child_address(info, case, now.date())
        drafts += new_information(info, case)
        if marac_date is not None:
            drafts += marac_linked_child(info, case, marac_date)
    refresh_prompts(s, children, now)
    return drafts
