"""The SPOC / MASH view: information from agencies outside the core group, per child.

A single point of contact sees, for each child whose case names them SPOC, what agencies
that are not in the child's core group have shared: the information most likely to be
missed (the Child O review's 111 calls, probation's disclosure). Access is the SPOC case
role from `teamaround.access`, nothing else; every child shown is audited as read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from teamaround.access import CaseRole, roles_on_case
from teamaround.adapters.db.tables import (
    AgencyRow,
    ContributionRow,
    PersonRow,
    PlanRow,
    ProfessionalRow,
)
from teamaround.domain.case import CaseHistory, CaseSnapshot, SharedFacts
from teamaround.domain.vocab import PersonKind, Purpose, Role
from teamaround.services import audit
from teamaround.services.cases import load_case
from teamaround.services.context import Actor, UnitOfWork, load_actor
from teamaround.services.errors import NotFound, present
from teamaround.services.history import load_history
from teamaround.services.on_register import ON_REGISTER

RESTRICTED = "Restricted information: ask the lead social worker."


@dataclass(frozen=True, slots=True)
class IncomingItem:
    contribution_id: str
    at: datetime
    agency: str
    kind: str
    category: str | None
    summary: str
    facts: list[str]
    about_child: bool
    adults: list[str]


@dataclass(frozen=True, slots=True)
class SpocChild:
    child_id: str
    child_name: str
    open_plans: list[str]
    lead_social_worker: str | None
    core_group_agencies: list[str]
    items: list[IncomingItem]


def spoc_incoming(uow: UnitOfWork, *, actor_id: str) -> list[SpocChild]:
    """Newest first, per child; a professional who is no SPOC is refused as 'not found'."""
    with uow.transaction() as s:
        actor = load_actor(s, actor_id)
        now = uow.clock.now()
        cases = access_cases_as_spoc(s, actor, now)
        agencies = {a.id: a.name for a in s.scalars(sa.select(AgencyRow))}
        shown = []
        for case in cases:
            shown.append(_child(s, load_history(s, case.child_id, now), agencies))
            audit.action(
                s,
                now,
                actor,
                "read-spoc-incoming",
                "child",
                case.child_id,
                Purpose.SAFEGUARDING_SHARE,
            )
        return shown


def access_cases_as_spoc(s: Session, actor: Actor, now: datetime) -> list[CaseSnapshot]:
    """The cases on which the actor holds the SPOC role, as `access.roles_on_case` decides."""
    if actor.role != Role.SPOC:
        raise NotFound("spoc view")
    cases = [load_case(s, child_id, now) for child_id in _candidates(s, actor)]
    return [case for case in cases if CaseRole.SPOC in roles_on_case(actor.id, case)]


def _candidates(s: Session, actor: Actor) -> list[str]:
    """Children whose plans were led from the actor's agency: the only place SPOCs come from."""
    return list(
        s.scalars(
            sa.select(PlanRow.child_id)
            .join(ProfessionalRow, ProfessionalRow.id == PlanRow.lead_id)
            .join(PersonRow, PersonRow.id == PlanRow.child_id)
            .where(
                ProfessionalRow.agency_id == actor.agency_id,
                PersonRow.kind == PersonKind.CHILD,
                ON_REGISTER,
            )
            .distinct()
            .order_by(PlanRow.child_id)
        )
    )


def _child(s: Session, history: CaseHistory, agencies: dict[str, str]) -> SpocChild:
    case = history.case
    outside = [c for c in history.contributions if c.agency_id not in history.core_group_agencies]
    return SpocChild(
        child_id=case.child_id,
        child_name=_name(s, case.child_id),
        open_plans=sorted(case.open_plans),
        lead_social_worker=_professional(s, case.lead_social_worker),
        core_group_agencies=sorted(agencies.get(a, a) for a in history.core_group_agencies),
        items=[_item(s, shared, agencies) for shared in reversed(outside)],
    )


def _item(s: Session, shared: SharedFacts, agencies: dict[str, str]) -> IncomingItem:
    row = present(s.get(ContributionRow, shared.contribution_id), "contribution")
    return IncomingItem(
        contribution_id=row.id,
        at=row.received_at,
        agency=agencies.get(row.agency_id, row.agency_id),
        kind=row.kind,
        category=row.category,
        summary=RESTRICTED if shared.restricted else row.summary,
        facts=[] if shared.restricted else sorted(row.facts),
        about_child=shared.concerns_child,
        adults=sorted(_name(s, adult) for adult in shared.adults),
    )


def _name(s: Session, person_id: str) -> str:
    person = s.get(PersonRow, person_id)
    return f"{person.given} {person.family}" if person else person_id


def _professional(s: Session, professional_id: str | None) -> str | None:
    row = s.get(ProfessionalRow, professional_id) if professional_id else None
    return row.name if row else None
