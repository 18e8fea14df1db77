"""The audit of the audit: for a child, who looked at what, when, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from teamaround.access import CaseRole, roles_on_case
from teamaround.adapters.db.tables import (
    AgencyRow,
    AlertRow,
    AuditRow,
    ContributionSubjectRow,
    LookupRow,
    PersonRow,
    ProfessionalRow,
)
from teamaround.domain.vocab import Purpose
from teamaround.services import audit
from teamaround.services.cases import access_case_by_child_id
from teamaround.services.context import UnitOfWork, load_actor
from teamaround.services.errors import NotFound

MAY_READ_TRAIL = frozenset({CaseRole.LEAD_SOCIAL_WORKER, CaseRole.TEAM_MANAGER, CaseRole.SPOC})


@dataclass(frozen=True, slots=True)
class TrailEntry:
    at: datetime
    who: str
    role: str
    agency: str
    action: str
    record: str
    purpose: str
    outcome: str


def audit_trail_for_child(uow: UnitOfWork, *, actor_id: str, child_id: str) -> list[TrailEntry]:
    refused = audit.refusals_recorded(
        uow, actor_id, "read-audit-trail", "child", child_id, Purpose.AUDIT
    )
    with refused, uow.transaction() as s:
        actor = load_actor(s, actor_id)
        now = uow.clock.now()
        case = access_case_by_child_id(s, actor, child_id, now)
        if not roles_on_case(actor.id, case) & MAY_READ_TRAIL:
            raise NotFound("child")
        records = _records_of(s, child_id)
        people = records | {a.person_id for a in case.adults}
        about = sa.or_(
            sa.and_(AuditRow.record_type.in_(("child", "person")), AuditRow.record_id.in_(records)),
            sa.and_(
                AuditRow.record_type == "alert",
                AuditRow.record_id.in_(sa.select(AlertRow.id).where(AlertRow.about_id == child_id)),
            ),
            sa.and_(
                AuditRow.record_type == "lookup",
                AuditRow.record_id.in_(
                    sa.select(LookupRow.id).where(LookupRow.person_id.in_(people))
                ),
            ),
            sa.and_(
                AuditRow.record_type == "contribution",
                AuditRow.record_id.in_(
                    sa.select(ContributionSubjectRow.contribution_id).where(
                        ContributionSubjectRow.person_id.in_(people)
                    )
                ),
            ),
        )
        rows = s.execute(
            sa.select(AuditRow, ProfessionalRow.name, AgencyRow.name)
            .outerjoin(ProfessionalRow, ProfessionalRow.id == AuditRow.actor_id)
            .outerjoin(AgencyRow, AgencyRow.id == AuditRow.actor_agency)
            .where(about)
            .order_by(AuditRow.seq)
        ).all()
        audit.action(s, now, actor, "read-audit-trail", "child", child_id, Purpose.AUDIT)
        return [
            TrailEntry(
                at=row.at,
                who=name or row.actor_id,
                role=row.actor_role,
                agency=agency or row.actor_agency,
                action=row.action,
                record=f"{row.record_type} {row.record_id}",
                purpose=row.purpose,
                outcome=row.outcome,
            )
            for row, name, agency in rows
        ]


def _records_of(s: Session, child_id: str) -> set[str]:
    """The child's record and every record merged into it, at any depth: what was done with
    a duplicate before the merge is still the child's trail (ADR 0009)."""
    records, newest = {child_id}, {child_id}
    while newest:
        newest = set(s.scalars(sa.select(PersonRow.id).where(PersonRow.merged_into.in_(newest))))
        newest -= records
        records |= newest
    return records
