"""Loading a child's case: the snapshot the rules read and the gate access checks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from teamaround.access import may_see_case
from teamaround.adapters.db.tables import (
    AgencyRow,
    ConditionRow,
    ContributionRow,
    ContributionSubjectRow,
    CoreGroupMemberRow,
    PersonRow,
    PlanRow,
    ProfessionalRow,
    RelationshipRow,
)
from teamaround.domain.case import CaseSnapshot, Condition, LinkedAdult
from teamaround.domain.vocab import (
    AgencyKind,
    ConditionKind,
    Contact,
    PersonKind,
    PlanKind,
    RelationshipKind,
    Role,
)
from teamaround.services.context import Actor
from teamaround.services.errors import NotFound
from teamaround.services.on_register import ON_REGISTER, person_on_register

OFFENDER_MANAGEMENT = (ConditionKind.LICENCE, ConditionKind.MAPPA)


def access_case_by_child_id(s: Session, actor: Actor, child_id: str, now: datetime) -> CaseSnapshot:
    """The child's case, for a professional with a role on it; anyone else: not found."""
    child = person_on_register(s, child_id)
    if child is None or child.kind != PersonKind.CHILD:
        raise NotFound("child")
    case = load_case(s, child_id, now)
    if not may_see_case(actor.id, case):
        raise NotFound("child")
    return case


def load_case(s: Session, child_id: str, now: datetime) -> CaseSnapshot:
    found = load_cases(s, [child_id], now)
    if child_id not in found:
        raise NotFound("child")
    return found[child_id]


def load_cases(s: Session, child_ids: Iterable[str], now: datetime) -> dict[str, CaseSnapshot]:
    """Several children's cases in a few queries each, not a few queries per child (a batch
    of shares reaches hundreds of children). Ids not on the register are left out."""
    children = {
        row.id: row
        for chunk in id_chunks(child_ids)
        for row in s.scalars(sa.select(PersonRow).where(PersonRow.id.in_(chunk), ON_REGISTER))
    }
    plans = _grouped(
        s,
        children,
        lambda chunk: (
            sa.select(PlanRow)
            .where(PlanRow.child_id.in_(chunk))
            .order_by(PlanRow.started, PlanRow.id)
        ),
        key=lambda row: row.child_id,
    )
    leads = {c: next((p.lead_id for p in reversed(plans[c]) if p.lead_id), None) for c in children}
    lead_agencies = _agencies_of(s, {lead for lead in leads.values() if lead})
    adults = _linked_adults(s, children, now.date())
    core_groups = _grouped(
        s,
        children,
        lambda chunk: sa.select(CoreGroupMemberRow).where(CoreGroupMemberRow.child_id.in_(chunk)),
        key=lambda row: row.child_id,
    )
    staff = _staff(
        s,
        {row.school_id for row in children.values() if row.school_id} | set(lead_agencies.values()),
    )
    managers = _agencies_of(s, {m for a in adults.values() for x in a for m in x.offender_managers})
    cases = {}
    for child_id, child in children.items():
        lead = leads[child_id]
        lead_agency = lead_agencies.get(lead) if lead else None
        linked = adults[child_id]
        cases[child_id] = CaseSnapshot(
            child_id=child_id,
            open_plans=frozenset(
                PlanKind(p.plan) for p in plans[child_id] if p.ended is None or p.ended > now
            ),
            home_address_id=child.address_id,
            lead_social_worker=lead,
            core_group=frozenset(m.professional_id for m in core_groups[child_id]),
            school_dsls=staff[child.school_id, Role.DSL],
            spocs=staff[lead_agency, Role.SPOC],
            team_managers=staff[lead_agency, Role.TEAM_MANAGER],
            adults=linked,
            professional_agencies={
                m: managers[m] for a in linked for m in a.offender_managers if m in managers
            },
        )
    return cases


def children_linked_to(s: Session, person_ids: set[str], address_ids: set[str]) -> list[str]:
    """Children a piece of information may concern: themselves, their adults, their homes."""
    by_person, at_address = children_by_link(s, person_ids, address_ids)
    found = {c for children in (*by_person.values(), *at_address.values()) for c in children}
    return sorted(found)


def children_by_link(
    s: Session, person_ids: Iterable[str], address_ids: Iterable[str]
) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """For each person, the children they are or are linked to; for each address, the
    children living there. Every id asked about has an entry, empty or not."""
    people, addresses = set(person_ids), set(address_ids)
    by_person: dict[str, set[str]] = {p: set() for p in people}
    at_address: dict[str, set[str]] = {a: set() for a in addresses}
    for chunk in id_chunks(people):
        for child in s.scalars(
            sa.select(PersonRow.id).where(
                PersonRow.kind == PersonKind.CHILD, PersonRow.id.in_(chunk), ON_REGISTER
            )
        ):
            by_person[child].add(child)
        for child, adult in s.execute(
            sa.select(RelationshipRow.child_id, RelationshipRow.adult_id).where(
                RelationshipRow.adult_id.in_(chunk)
            )
        ):
            by_person[adult].add(child)
    for chunk in id_chunks(addresses):
        for child, home in s.execute(
            sa.select(PersonRow.id, PersonRow.address_id).where(
                PersonRow.kind == PersonKind.CHILD, PersonRow.address_id.in_(chunk), ON_REGISTER
            )
        ):
            at_address[home].add(child)  # type: ignore[index]
    return by_person, at_address


def id_chunks(ids: Iterable[str], size: int = 500) -> Iterator[list[str]]:
    """Ids in lists short enough for one `IN (...)` on every database."""
    values = sorted(set(ids))
    for start in range(0, len(values), size):
        yield values[start : start + size]


_Row = TypeVar("_Row")


def _grouped(
    s: Session,
    ids: Iterable[str],
    query: Callable[[list[str]], sa.Select[_Row]],
    *,
    key: Callable[[_Row], str],
) -> defaultdict[str, list[_Row]]:
    """Rows for many ids, chunk by chunk, grouped by id in the order each query gives."""
    grouped: defaultdict[str, list[_Row]] = defaultdict(list)
    for chunk in id_chunks(ids):
        for row in s.scalars(query(chunk)):
            grouped[key(row)].append(row)
    return grouped


def _linked_adults(
    s: Session, child_ids: Iterable[str], today: date
) -> defaultdict[str, tuple[LinkedAdult, ...]]:
    relationships = _grouped(
        s,
        child_ids,
        lambda chunk: (
            sa.select(RelationshipRow)
            .where(RelationshipRow.child_id.in_(chunk))
            .order_by(RelationshipRow.id)
        ),
        key=lambda row: row.child_id,
    )
    adult_ids = {r.adult_id for rows in relationships.values() for r in rows}
    conditions = _conditions(s, adult_ids)
    managers = offender_managers_of(s, adult_ids)
    adults: defaultdict[str, tuple[LinkedAdult, ...]] = defaultdict(tuple)
    for child_id, rows in relationships.items():
        adults[child_id] = tuple(
            LinkedAdult(
                person_id=r.adult_id,
                kind=RelationshipKind(r.kind),
                lives_with=r.lives_with,
                contact=Contact(r.contact),
                risk=r.risk,
                conditions=conditions[r.adult_id],
                offender_managers=managers[r.adult_id],
            )
            for r in rows
        )
    return adults


def _conditions(s: Session, person_ids: Iterable[str]) -> defaultdict[str, tuple[Condition, ...]]:
    rows = _grouped(
        s,
        person_ids,
        lambda chunk: (
            sa.select(ConditionRow)
            .where(ConditionRow.person_id.in_(chunk))
            .order_by(ConditionRow.id)
        ),
        key=lambda row: row.person_id,
    )
    found: defaultdict[str, tuple[Condition, ...]] = defaultdict(tuple)
    for person_id, conditions in rows.items():
        found[person_id] = tuple(
            Condition(kind=ConditionKind(r.kind), detail=r.detail, until=r.until)
            for r in conditions
        )
    return found


def offender_managers(s: Session, adult_id: str) -> frozenset[str]:
    """Probation professionals who recorded a licence or MAPPA, or shared about the adult."""
    return offender_managers_of(s, [adult_id])[adult_id]


def offender_managers_of(s: Session, adult_ids: Iterable[str]) -> defaultdict[str, frozenset[str]]:
    """`offender_managers` for many adults at once."""
    probation = (
        sa.select(ProfessionalRow.id).join(AgencyRow).where(AgencyRow.kind == AgencyKind.PROBATION)
    )
    found: defaultdict[str, set[str]] = defaultdict(set)
    for chunk in id_chunks(adult_ids):
        recorded = sa.select(ConditionRow.person_id, ConditionRow.recorded_by).where(
            ConditionRow.person_id.in_(chunk),
            ConditionRow.kind.in_(OFFENDER_MANAGEMENT),
            ConditionRow.recorded_by.in_(probation),
        )
        shared = (
            sa.select(ContributionSubjectRow.person_id, ContributionRow.professional_id)
            .select_from(ContributionRow)
            .join(ContributionSubjectRow)
            .where(
                ContributionSubjectRow.person_id.in_(chunk),
                ContributionRow.professional_id.in_(probation),
            )
        )
        rows: sa.Result[str, str] = s.execute(sa.union(recorded, shared))
        for adult, manager in rows:
            found[adult].add(manager)
    return defaultdict(frozenset, {adult: frozenset(m) for adult, m in found.items()})


def _agencies_of(s: Session, professional_ids: set[str]) -> dict[str, str]:
    found = {}
    for chunk in id_chunks(professional_ids):
        rows = s.execute(
            sa.select(ProfessionalRow.id, ProfessionalRow.agency_id).where(
                ProfessionalRow.id.in_(chunk)
            )
        )
        found.update({row.id: row.agency_id for row in rows})
    return found


_STAFF_ROLES = (Role.DSL, Role.SPOC, Role.TEAM_MANAGER)


def _staff(s: Session, agency_ids: set[str]) -> Staff:
    """Active DSLs, SPOCs and team managers of each agency, by (agency, role)."""
    found: defaultdict[tuple[str | None, str], set[str]] = defaultdict(set)
    for chunk in id_chunks(agency_ids):
        rows = s.execute(
            sa.select(ProfessionalRow.id, ProfessionalRow.agency_id, ProfessionalRow.role).where(
                ProfessionalRow.agency_id.in_(chunk),
                ProfessionalRow.role.in_(_STAFF_ROLES),
                ProfessionalRow.active.is_(True),
            )
        )
        for row in rows:
            found[row.agency_id, row.role].add(row.id)
    return Staff({key: frozenset(ids) for key, ids in found.items()})


class Staff(dict[tuple[str | None, str], frozenset[str]]):
    """Professionals by (agency, role); none for an agency or role not found (or None)."""

    def __missing__(self, key: tuple[str | None, str]) -> frozenset[str]:
        return frozenset()
