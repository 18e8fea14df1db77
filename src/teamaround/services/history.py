"""Loading a case's history: what agencies shared about the child and the adults around them."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from teamaround.adapters.db.tables import (
    AgencyRow,
    AlertRow,
    ContributionRow,
    ContributionSubjectRow,
    CoreGroupMemberRow,
    MeetingRow,
    PlanRow,
    ProfessionalRow,
)
from teamaround.domain.case import CaseHistory, CaseSnapshot, HeldMeeting, SharedFacts
from teamaround.domain.vocab import AgencyKind, ContributionKind, Fact, MeetingType, Priority
from teamaround.services.cases import load_case


def load_history(s: Session, child_id: str, now: datetime) -> CaseHistory:
    case = load_case(s, child_id, now)
    agencies = {a.id: AgencyKind(a.kind) for a in s.scalars(sa.select(AgencyRow))}
    return CaseHistory(
        case=case,
        agencies=agencies,
        core_group_agencies=frozenset(
            s.scalars(
                sa.select(ProfessionalRow.agency_id)
                .join(CoreGroupMemberRow, CoreGroupMemberRow.professional_id == ProfessionalRow.id)
                .where(CoreGroupMemberRow.child_id == child_id)
            )
        ),
        contributions=contributions_about(s, case, agencies, until=now),
        meetings=tuple(
            HeldMeeting(MeetingType(m.type), m.held_at)
            for m in s.scalars(
                sa.select(MeetingRow)
                .where(MeetingRow.child_id == child_id, MeetingRow.held_at <= now)
                .order_by(MeetingRow.held_at)
            )
        ),
        urgent_alerts=tuple(
            s.scalars(
                sa.select(AlertRow.raised_at)
                .where(AlertRow.about_id == child_id, AlertRow.priority == Priority.URGENT)
                .order_by(AlertRow.raised_at)
            )
        ),
        plan_started=s.scalar(
            sa.select(sa.func.min(PlanRow.started)).where(
                PlanRow.child_id == child_id,
                sa.or_(PlanRow.ended.is_(None), PlanRow.ended > now),
            )
        ),
    )


def contributions_about(
    s: Session, case: CaseSnapshot, agencies: dict[str, AgencyKind], *, until: datetime
) -> tuple[SharedFacts, ...]:
    """Contributions linked to the child, an adult around the child, or the child's home."""
    adults = {a.person_id for a in case.adults}
    people = adults | {case.child_id}
    conditions: list[sa.ColumnElement[bool]] = [ContributionSubjectRow.person_id.in_(people)]
    if case.home_address_id is not None:
        conditions.append(ContributionSubjectRow.address_id == case.home_address_id)
    rows = s.execute(
        sa.select(ContributionRow, ContributionSubjectRow.person_id)
        .join(ContributionSubjectRow)
        .where(sa.or_(*conditions), ContributionRow.received_at <= until)
        .order_by(ContributionRow.received_at, ContributionRow.id)
    ).all()
    linked: dict[str, set[str | None]] = defaultdict(set)
    contributions: dict[str, ContributionRow] = {}
    for row, person in rows:
        contributions[row.id] = row
        linked[row.id].add(person)
    return tuple(
        SharedFacts(
            contribution_id=row.id,
            agency_id=row.agency_id,
            agency_kind=agencies.get(row.agency_id, AgencyKind.OTHER),
            kind=ContributionKind(row.kind),
            at=row.received_at,
            facts=frozenset(Fact(f) for f in row.facts),
            concerns_child=case.child_id in linked[row.id] or None in linked[row.id],
            adults=frozenset(p for p in linked[row.id] if p in adults),
            restricted=row.restriction is not None,
        )
        for row in contributions.values()
    )
