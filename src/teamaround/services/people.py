"""Which agency knows whom around a child: for the people diagram on the child's page.

An agency "knows" a person when it has shared information linked to them, recorded a
condition on them, or (for the child) is the child's school or has someone in the core
group or leading the plan. It is what a practice review asks first: who knew what.
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import Session

from teamaround.adapters.db.tables import AgencyRow, ConditionRow, PersonRow, ProfessionalRow
from teamaround.domain.case import CaseSnapshot
from teamaround.domain.vocab import AgencyKind, Purpose
from teamaround.services import audit
from teamaround.services.cases import access_case_by_child_id
from teamaround.services.context import UnitOfWork, load_actor
from teamaround.services.history import contributions_about

KnownBy = dict[str, list[str]]  # person id -> agency names, sorted


def who_knows_whom(uow: UnitOfWork, *, actor_id: str, child_id: str) -> KnownBy:
    """For the child and each linked adult, the agencies that know them (a role is needed)."""
    with uow.transaction() as s:
        actor = load_actor(s, actor_id)
        now = uow.clock.now()
        case = access_case_by_child_id(s, actor, child_id, now)
        audit.action(
            s, now, actor, "read-people-around", "child", child_id, Purpose.CHILD_PROTECTION
        )
        agencies = {a.id: a for a in s.scalars(sa.select(AgencyRow))}
        known: dict[str, set[str]] = defaultdict(set)
        kinds = {k: AgencyKind(a.kind) for k, a in agencies.items()}
        for shared in contributions_about(s, case, kinds, until=now):
            if shared.concerns_child:
                known[child_id].add(shared.agency_id)
            for person in shared.adults:
                known[person].add(shared.agency_id)
        known[child_id] |= _responsible_for_child(s, case)
        for adult in case.adults:
            known[adult.person_id] |= _recorded_conditions(s, adult.person_id)
        people = [child_id, *(a.person_id for a in case.adults)]
        return {p: sorted(agencies[a].name for a in known[p] if a in agencies) for p in people}


def _responsible_for_child(s: Session, case: CaseSnapshot) -> set[str]:
    child = s.get(PersonRow, case.child_id)
    found = {child.school_id} if child is not None and child.school_id else set()
    staff = set(case.core_group) | ({case.lead_social_worker} if case.lead_social_worker else set())
    return found | _agencies_of(s, staff)


def _recorded_conditions(s: Session, person_id: str) -> set[str]:
    recorders = set(
        s.scalars(sa.select(ConditionRow.recorded_by).where(ConditionRow.person_id == person_id))
    )
    return _agencies_of(s, recorders)


def _agencies_of(s: Session, professional_ids: set[str]) -> set[str]:
    if not professional_ids:
        return set()
    return set(
        s.scalars(
            sa.select(ProfessionalRow.agency_id).where(ProfessionalRow.id.in_(professional_ids))
        )
    )
