"""Reading one contribution: its sharer sees what it sent; the child's team sees the links.

A restricted contribution ("police only", "not to be shared with the family") is shown to
the sharing agency and the lead social worker, and to no one else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from teamaround.access import CaseRole, roles_on_case
from teamaround.adapters.db.tables import AgencyRow, ContributionRow, ContributionSubjectRow
from teamaround.domain.vocab import Purpose
from teamaround.services import audit
from teamaround.services.cases import children_linked_to, load_case
from teamaround.services.context import Actor, UnitOfWork, load_actor
from teamaround.services.errors import NotFound


@dataclass(frozen=True, slots=True)
class SubjectView:
    described: dict[str, Any]
    linked_to: str | None = None  # shown only to the child's team
    why: str | None = None


@dataclass(frozen=True, slots=True)
class ContributionView:
    id: str
    agency: str
    received_at: datetime
    kind: str
    category: str | None
    summary: str
    facts: list[str]
    restriction: str | None
    subjects: list[SubjectView] = field(default_factory=list)


def view_contribution(uow: UnitOfWork, *, actor_id: str, contribution_id: str) -> ContributionView:
    refused = audit.refusals_recorded(
        uow,
        actor_id,
        "read-contribution",
        "contribution",
        contribution_id,
        Purpose.SAFEGUARDING_SHARE,
    )
    with refused, uow.transaction() as s:
        actor = load_actor(s, actor_id)
        now = uow.clock.now()
        row = s.get(ContributionRow, contribution_id)
        if row is None:
            raise NotFound("contribution")
        subjects = s.scalars(
            sa.select(ContributionSubjectRow)
            .where(ContributionSubjectRow.contribution_id == row.id)
            .order_by(ContributionSubjectRow.position)
        ).all()
        team = _on_the_childs_team(s, actor, row, subjects, now)
        if not (team or actor.agency_id == row.agency_id):
            raise NotFound("contribution")
        audit.action(
            s, now, actor, "read-contribution", "contribution", row.id, Purpose.SAFEGUARDING_SHARE
        )
        agency = s.get(AgencyRow, row.agency_id)
        return ContributionView(
            id=row.id,
            agency=agency.name if agency else row.agency_id,
            received_at=row.received_at,
            kind=row.kind,
            category=row.category,
            summary=row.summary,
            facts=list(row.facts),
            restriction=row.restriction,
            subjects=[_subject(x, show_links=team) for x in subjects],
        )


def _on_the_childs_team(
    s: Session,
    actor: Actor,
    row: ContributionRow,
    subjects: list[ContributionSubjectRow] | Any,
    now: datetime,
) -> bool:
    """A role on a child this information concerns; restricted: the lead social worker only."""
    people = {x.person_id for x in subjects if x.person_id}
    homes = {x.address_id for x in subjects if x.address_id}
    for child_id in children_linked_to(s, people, homes):
        roles = roles_on_case(actor.id, load_case(s, child_id, now))
        if row.restriction is None and roles:
            return True
        if CaseRole.LEAD_SOCIAL_WORKER in roles:
            return True
    return False


def _subject(row: ContributionSubjectRow, *, show_links: bool) -> SubjectView:
    if not show_links:
        return SubjectView(described=row.described)
    person = (row.evidence or {}).get("person") or {}
    why = "; ".join(f["description"] for f in person.get("fields", [])) or None
    return SubjectView(described=row.described, linked_to=row.person_id, why=why)
