"""A child's case as a professional with a role on it may read it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from teamaround.access import roles_on_case
from teamaround.adapters.db.tables import ConditionRow, PersonRow, PlanRow, RelationshipRow
from teamaround.domain.vocab import Purpose
from teamaround.services import audit
from teamaround.services.cases import access_case_by_child_id
from teamaround.services.context import UnitOfWork, load_actor
from teamaround.services.errors import present


@dataclass(frozen=True, slots=True)
class PlanView:
    plan: str
    category: str | None
    lead: str | None
    started: datetime
    ended: datetime | None


@dataclass(frozen=True, slots=True)
class AdultView:
    id: str
    name: str
    relationship: str
    lives_with: bool
    contact: str
    risk: str | None
    conditions: list[str]


@dataclass(frozen=True, slots=True)
class ChildView:
    id: str
    name: str
    dob: date | None
    your_roles: list[str]
    open_plans: list[str]
    plans: list[PlanView]
    lead_social_worker: str | None
    core_group: list[str]
    adults: list[AdultView]


def view_child(uow: UnitOfWork, *, actor_id: str, child_id: str) -> ChildView:
    """The case, for those with a role on it; every attempt, refused or not, is audited."""
    refused = audit.refusals_recorded(
        uow, actor_id, "read-child", "child", child_id, Purpose.CHILD_PROTECTION
    )
    with refused, uow.transaction() as s:
        actor = load_actor(s, actor_id)
        now = uow.clock.now()
        case = access_case_by_child_id(s, actor, child_id, now)
        child = present(s.get(PersonRow, child_id), "child")
        audit.action(s, now, actor, "read-child", "child", child_id, Purpose.CHILD_PROTECTION)
        return ChildView(
            id=child.id,
            name=f"{child.given} {child.family}",
            dob=child.dob,
            your_roles=sorted(roles_on_case(actor.id, case)),
            open_plans=sorted(case.open_plans),
            plans=[
                PlanView(p.plan, p.category, p.lead_id, p.started, p.ended)
                for p in s.scalars(
                    sa.select(PlanRow).where(PlanRow.child_id == child_id).order_by(PlanRow.started)
                )
            ],
            lead_social_worker=case.lead_social_worker,
            core_group=sorted(case.core_group),
            adults=_adults(s, child_id),
        )


def _adults(s: sa.orm.Session, child_id: str) -> list[AdultView]:
    rows = s.execute(
        sa.select(RelationshipRow, PersonRow)
        .join(PersonRow, PersonRow.id == RelationshipRow.adult_id)
        .where(RelationshipRow.child_id == child_id)
        .order_by(RelationshipRow.id)
    ).all()
    return [
        AdultView(
            id=adult.id,
            name=f"{adult.given} {adult.family}",
            relationship=rel.kind,
            lives_with=rel.lives_with,
            contact=rel.contact,
            risk=rel.risk,
            conditions=[
                f"{c.kind}: {c.detail}" + (f" (until {c.until:%d %B %Y})" if c.until else "")
                for c in s.scalars(
                    sa.select(ConditionRow).where(ConditionRow.person_id == adult.id)
                )
            ],
        )
        for rel, adult in rows
    ]
