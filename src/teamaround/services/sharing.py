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
from teamaround.services.commands import IdentityIn, MaracListingCreate, ShareCreate
from teamaround.services.context import SYSTEM, Actor, UnitOfWork, load_actor
from teamaround.services.errors import NotFound
from teamaround.services.idempotency import earlier_answer, remember, request_digest
from teamaround.services.intake import Intake
from teamaround.services.review_items import pending, queue_subject, settle

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
    return record_share(Intake(s, now), actor, share).receipt


@dataclass(frozen=True, slots=True)
class Shared:
    """A share as recorded: the receipt the agency gets, and what only the service may know."""

    receipt: ShareReceipt
    information: SharedInformation
    alerts: tuple[AlertDraft, ...]


def record_share(intake: Intake, actor: Actor, share: ShareCreate) -> Shared:
    """The share path, inside the caller's transaction: store the contribution, link its
    subjects, run the rules for every child they reach, raise the alerts (inbox, outbox,
    audit) and refresh the prompts. `do_share` runs it for one share; `screening` for each
    row of a batch, sharing one `Intake` so each child is read once per batch."""
    s, now = intake.session, intake.now
    row = _contribution(
        s,
        actor,
        now,
        ContributionKind.SHARE,
        share.summary,
        category=share.category,
        facts=[str(f) for f in share.facts],
        restriction=share.restriction,
    )
    subjects = [(SubjectRole.SUBJECT, subject) for subject in share.subjects]
    info = _link_and_store(s, actor, row, subjects, now, intake=intake)
    drafts = _rules_for_each_child(s, info, now, marac_date=None, intake=intake)
    raise_alerts(s, drafts=drafts, now=now, actor=actor, contribution_id=row.id)
    intake.alerts_raised(drafts)
    receipt = ShareReceipt(contribution_id=row.id, received_at=now, subjects=len(subjects))
    return Shared(receipt=receipt, information=info, alerts=tuple(drafts))


def remember_share(
    s: Session, actor: Actor, key: str, share: ShareCreate, receipt: ShareReceipt, now: datetime
) -> None:
    """Store a keyed share's answer as `do_share` does, so a retry under the key (through the
    API or a rerun of `screen`) finds it was shared."""
    remember(s, actor.id, key, request_digest("share", share), _receipt_json(receipt), now)


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
    waiting = pending(s, MatchReviewRow.contribution_id == row.id)
    return ShareReceipt(
        contribution_id=row.id,
        received_at=now,
        subjects=len(subjects),
        message=_marac_message(len(linked)) + (WAITING_FOR_SPOC if waiting else ""),
        linked_children=len(linked),
        contacts=_contacts(s, {p for d in linked for p in d.recipients}),
    )


WAITING_FOR_SPOC = (
    " Some details given are close to someone on the register but not close enough to be sure:"
    " the single point of contact (SPOC) in Children's Services will check them. If a child is"
    " then linked, their social worker and school will be invited to contribute."
)
"""Told to the coordinator while a possible match waits: it names no one, not even a count."""


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
    s: Session,
    actor: Actor,
    now: datetime,
    kind: ContributionKind,
    summary: str,
    **columns: Any,
) -> ContributionRow:
    row = ContributionRow(
        id=uuid.uuid4().hex,
        kind=kind,
        agency_id=actor.agency_id,
        professional_id=actor.id,
        received_at=now,
        summary=summary,
        **{"facts": [], **columns},
    )
    s.add(row)  # flushed with its subjects, which the unit of work inserts after it
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
    intake: Intake | None = None,
) -> SharedInformation:
    intake = intake or Intake(s, now)
    linked = []
    for position, (role, subject) in enumerate(subjects):
        link = intake.link(subject)
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
        queue_subject(s, stored, link, now)
        if intake.may_settle(link):
            settle(s, link, now=now, actor=actor, rerun=intake.rerunning(rerun_rules))
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
    s: Session,
    info: SharedInformation,
    now: datetime,
    *,
    marac_date: date | None,
    intake: Intake | None = None,
) -> list[AlertDraft]:
    intake = intake or Intake(s, now)
    people = {x.person_id for x in info.subjects if x.person_id}
    homes = {x.address_id for x in info.subjects if x.address_id}
    drafts: list[AlertDraft] = []
    children = intake.children_linked_to(people, homes)
    intake.contributed(info, children)
    for child_id in children:
        case = intake.history(child_id).case
        drafts += risk_adult_at_child_address(info, case, now.date())
        drafts += new_information(info, case)
        if marac_date is not None:
            drafts += marac_linked_child(info, case, marac_date)
    intake.refresh_prompts(children)
    return drafts
