"""The flag lookup: "this adult is linked to a child on a plan: call the SPOC".

Serves recommendations 6 and 12 of the Child O review (flags on adults' records; a robust
flag for children in need), after the Vulnerable Children Database: a child's plans are
shown only to those with a role on the child; everyone else gets the SPOC's contact.
Details close to a flagged person, but not close enough to link, get "possible match:
contact the SPOC" (naming no one) and wait in the SPOC's review queue (decision 0007).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from teamaround.access import may_see_case
from teamaround.adapters.db.tables import (
    AgencyRow,
    LookupRow,
    PersonRow,
    ProfessionalRow,
    RelationshipRow,
)
from teamaround.domain.case import CaseSnapshot
from teamaround.domain.vocab import PersonKind, Purpose, Role
from teamaround.linkage import PotentialMatch
from teamaround.services import audit
from teamaround.services.cases import access_case_by_child_id, load_case
from teamaround.services.commands import LookupRequest
from teamaround.services.context import UnitOfWork, load_actor
from teamaround.services.linking import identity_of, link_identity
from teamaround.services.review_items import queue_lookup, settle
from teamaround.services.sharing import rerun_rules

LINKED_ADULT = "linked-to-child-on-plan"
RECOMMENDATION = (
    "Recommendations 6 and 12: flag adults linked to a child on a plan, and children in need"
)


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    role: str
    agency: str


@dataclass(frozen=True, slots=True)
class ChildFlag:
    id: str
    name: str
    plans: list[str]


@dataclass(frozen=True, slots=True)
class LookupResult:
    flagged: bool
    possible_match: bool
    flags: list[str]
    discloses_child: bool
    contact: str | None
    contacts: list[Contact]
    message: str
    children: list[ChildFlag] = field(default_factory=list)
    recommendation: str = RECOMMENDATION


@dataclass(frozen=True, slots=True)
class LookupRecord:
    at: datetime
    professional: str
    agency: str
    about: str
    disclosed_child: bool


def do_lookup(uow: UnitOfWork, *, actor_id: str, request: LookupRequest) -> LookupResult:
    with uow.transaction() as s:
        actor = load_actor(s, actor_id)
        now = uow.clock.now()
        link = link_identity(s, identity_of(request.subject), now)
        person = s.get(PersonRow, link.person_id) if link.person_id else None
        possible = None if person else _possible_match(s, actor.id, link.candidates, now)
        if person:
            result = _answer(s, actor.id, person, now)
        elif possible:
            result = _possible_answer(s)
        else:
            result = _not_flagged("No flag found for the details given.")
        lookup_id = uuid.uuid4().hex
        s.add(
            LookupRow(
                id=lookup_id,
                professional_id=actor.id,
                at=now,
                described=request.subject.model_dump(exclude_none=True),
                person_id=person.id if person else None,
                flagged=result.flagged,
                disclosed_child=result.discloses_child,
            )
        )
        s.flush()
        audit.action(s, now, actor, "flag-lookup", "lookup", lookup_id, Purpose.FLAG_LOOKUP)
        if possible:
            queue_lookup(s, lookup_id=lookup_id, match=possible, key=link.described_key, now=now)
        settle(s, link, now=now, actor=actor, rerun=rerun_rules)
        return result


def lookups_about_child(uow: UnitOfWork, *, actor_id: str, child_id: str) -> list[LookupRecord]:
    """Who looked the child, or an adult linked to the child, up, and when (as CP-IS shows)."""
    refused = audit.refusals_recorded(
        uow, actor_id, "read-lookups", "child", child_id, Purpose.CHILD_PROTECTION
    )
    with refused, uow.transaction() as s:
        actor = load_actor(s, actor_id)
        now = uow.clock.now()
        case = access_case_by_child_id(s, actor, child_id, now)
        people = {child_id} | {a.person_id for a in case.adults}
        rows = s.execute(
            sa.select(LookupRow, ProfessionalRow, AgencyRow, PersonRow)
            .join(ProfessionalRow, ProfessionalRow.id == LookupRow.professional_id)
            .join(AgencyRow, AgencyRow.id == ProfessionalRow.agency_id)
            .join(PersonRow, PersonRow.id == LookupRow.person_id)
            .where(LookupRow.person_id.in_(people))
            .order_by(LookupRow.at)
        ).all()
        audit.action(s, now, actor, "read-lookups", "child", child_id, Purpose.CHILD_PROTECTION)
        return [
            LookupRecord(
                at=lookup.at,
                professional=professional.name,
                agency=agency.name,
                about=f"{person.given} {person.family}",
                disclosed_child=lookup.disclosed_child,
            )
            for lookup, professional, agency, person in rows
        ]


def _answer(s: Session, actor_id: str, person: PersonRow, now: datetime) -> LookupResult:
    if person.kind == PersonKind.CHILD:
        return _child_answer(s, actor_id, load_case(s, person.id, now), person)
    cases = [
        load_case(s, child_id, now)
        for child_id in s.scalars(
            sa.select(RelationshipRow.child_id).where(RelationshipRow.adult_id == person.id)
        )
    ]
    on_plan = [c for c in cases if c.has_open_plan]
    if not on_plan:
        return _not_flagged("No flag: this person is not linked to a child on a plan.")
    return LookupResult(
        flagged=True,
        possible_match=False,
        flags=[LINKED_ADULT],
        discloses_child=False,
        contact="spoc",
        contacts=_spocs(s, on_plan),
        message=(
            "Flagged: this adult is linked to a child on a plan. Contact the Children's "
            "Services single point of contact (SPOC) to share what you know."
        ),
    )


def _child_answer(s: Session, actor_id: str, case: CaseSnapshot, child: PersonRow) -> LookupResult:
    if not case.has_open_plan:
        return _not_flagged("No flag: this child has no open plan.")
    plans = sorted(str(p) for p in case.open_plans)
    if may_see_case(actor_id, case):
        return LookupResult(
            flagged=True,
            possible_match=False,
            flags=plans,
            discloses_child=True,
            contact=None,
            contacts=[],
            message=f"{child.given} {child.family} is on a plan: {', '.join(plans)}.",
            children=[ChildFlag(child.id, f"{child.given} {child.family}", plans)],
        )
    return LookupResult(
        flagged=True,
        possible_match=False,
        flags=[],
        discloses_child=False,
        contact="spoc",
        contacts=_spocs(s, [case]),
        message=(
            "Flagged: Children's Services hold information on this child. Contact the single "
            "point of contact (SPOC)."
        ),
    )


def _spocs(s: Session, cases: list[CaseSnapshot]) -> list[Contact]:
    return _contacts(s, sorted({spoc for case in cases for spoc in case.spocs}))


def _every_spoc(s: Session) -> list[Contact]:
    return _contacts(
        s, list(s.scalars(sa.select(ProfessionalRow.id).where(ProfessionalRow.role == Role.SPOC)))
    )


def _contacts(s: Session, ids: list[str]) -> list[Contact]:
    rows = s.execute(
        sa.select(ProfessionalRow, AgencyRow)
        .join(AgencyRow, AgencyRow.id == ProfessionalRow.agency_id)
        .where(ProfessionalRow.id.in_(ids))
    ).all()
    return [Contact(name=p.name, role=p.role, agency=a.name) for p, a in rows]


def _possible_match(
    s: Session, actor_id: str, candidates: tuple[PotentialMatch, ...], now: datetime
) -> PotentialMatch | None:
    """The best candidate between the thresholds who would be flagged, were it a match. One
    who would not be flagged changes nothing for the caller, so is no work for the SPOC."""
    for candidate in candidates:
        person = s.get(PersonRow, candidate.person_id)
        if person is not None and _answer(s, actor_id, person, now).flagged:
            return candidate
    return None


def _possible_answer(s: Session) -> LookupResult:
    """Says only that a SPOC should be called: no name, no plan, not whose SPOC."""
    return LookupResult(
        flagged=False,
        possible_match=True,
        flags=[],
        discloses_child=False,
        contact="spoc",
        contacts=_every_spoc(s),
        message=(
            "Possible match: the details given are close to a flagged record but not close "
            "enough to be sure. Contact the Children's Services single point of contact "
            "(SPOC), who will check the match."
        ),
    )


def _not_flagged(message: str) -> LookupResult:
    return LookupResult(
        flagged=False,
        possible_match=False,
        flags=[],
        discloses_child=False,
        contact=None,
        contacts=[],
        message=message,
    )
