"""Loading a child's case: the snapshot the rules read and the gate access checks."""

from __future__ import annotations

from datetime import date, datetime

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

OFFENDER_MANAGEMENT = (ConditionKind.LICENCE, ConditionKind.MAPPA)


def access_case_by_child_id(s: Session, actor: Actor, child_id: str, now: datetime) -> CaseSnapshot:
    """The child's case, for a professional with a role on it; anyone else: not found."""
    child = s.get(PersonRow, child_id)
    if child is None or child.kind != PersonKind.CHILD:
        raise NotFound("child")
    case = load_case(s, child_id, now)
    if not may_see_case(actor.id, case):
        raise NotFound("child")
    return case


def load_case(s: Session, child_id: str, now: datetime) -> CaseSnapshot:
    child = s.get(PersonRow, child_id)
    if child is None:
        raise NotFound("child")
    plans = s.scalars(
        sa.select(PlanRow).where(PlanRow.child_id == child_id).order_by(PlanRow.started, PlanRow.id)
    ).all()
    open_plans = frozenset(PlanKind(p.plan) for p in plans if p.ended is None or p.ended > now)
    lead = next((p.lead_id for p in reversed(plans) if p.lead_id), None)
    lead_agency = _agency_of(s, lead)
    adults = _linked_adults(s, child_id, now.date())
    return CaseSnapshot(
        child_id=child_id,
        open_plans=open_plans,
        home_address_id=child.address_id,
        lead_social_worker=lead,
        core_group=frozenset(
            s.scalars(
                sa.select(CoreGroupMemberRow.professional_id).where(
                    CoreGroupMemberRow.child_id == child_id
                )
            )
        ),
        school_dsls=_with_role(s, child.school_id, Role.DSL),
        spocs=_with_role(s, lead_agency, Role.SPOC),
        team_managers=_with_role(s, lead_agency, Role.TEAM_MANAGER),
        adults=adults,
        professional_agencies=_agencies_of(s, {m for a in adults for m in a.offender_managers}),
    )


def children_linked_to(s: Session, person_ids: set[str], address_ids: set[str]) -> list[str]:
    """Children a piece of information may concern: themselves, their adults, their homes."""
    found = set(
        s.scalars(
            sa.select(PersonRow.id).where(
                PersonRow.kind == PersonKind.CHILD,
                sa.or_(PersonRow.id.in_(person_ids), PersonRow.address_id.in_(address_ids)),
            )
        )
    )
    found |= set(
        s.scalars(
            sa.select(RelationshipRow.child_id).where(RelationshipRow.adult_id.in_(person_ids))
        )
    )
    return sorted(found)


def _linked_adults(s: Session, child_id: str, today: date) -> tuple[LinkedAdult, ...]:
    rows = s.scalars(
        sa.select(RelationshipRow)
        .where(RelationshipRow.child_id == child_id)
        .order_by(RelationshipRow.id)
    ).all()
    return tuple(
        LinkedAdult(
            person_id=r.adult_id,
            kind=RelationshipKind(r.kind),
            lives_with=r.lives_with,
            contact=Contact(r.contact),
            risk=r.risk,
            conditions=_conditions(s, r.adult_id),
            offender_managers=offender_managers(s, r.adult_id),
        )
        for r in rows
    )


def _conditions(s: Session, person_id: str) -> tuple[Condition, ...]:
    rows = s.scalars(
        sa.select(ConditionRow).where(ConditionRow.person_id == person_id).order_by(ConditionRow.id)
    )
    return tuple(
        Condition(kind=ConditionKind(r.kind), detail=r.detail, until=r.until) for r in rows
    )


def offender_managers(s: Session, adult_id: str) -> frozenset[str]:
    """Probation professionals who recorded a licence or MAPPA, or shared about the adult."""
    probation = (
        sa.select(ProfessionalRow.id).join(AgencyRow).where(AgencyRow.kind == AgencyKind.PROBATION)
    )
    recorded = sa.select(ConditionRow.recorded_by).where(
        ConditionRow.person_id == adult_id,
        ConditionRow.kind.in_(OFFENDER_MANAGEMENT),
        ConditionRow.recorded_by.in_(probation),
    )
    shared = (
        sa.select(ContributionRow.professional_id)
        .join(ContributionSubjectRow)
        .where(
            ContributionSubjectRow.person_id == adult_id,
            ContributionRow.professional_id.in_(probation),
        )
    )
    return frozenset(s.scalars(sa.union(recorded, shared)))


def _agencies_of(s: Session, professional_ids: set[str]) -> dict[str, str]:
    if not professional_ids:
        return {}
    rows = s.execute(
        sa.select(ProfessionalRow.id, ProfessionalRow.agency_id).where(
            ProfessionalRow.id.in_(professional_ids)
        )
    )
    return {row.id: row.agency_id for row in rows}


def _agency_of(s: Session, professional_id: str | None) -> str | None:
    if professional_id is None:
        return None
    row = s.get(ProfessionalRow, professional_id)
    return row.agency_id if row else None


def _with_role(s: Session, agency_id: str | None, role: Role) -> frozenset[str]:
    if agency_id is None:
        return frozenset()
    return frozenset(
        s.scalars(
            sa.select(ProfessionalRow.id).where(
                ProfessionalRow.agency_id == agency_id,
                ProfessionalRow.role == role,
                ProfessionalRow.active.is_(True),
            )
        )
    )
