"""Keeping each case's prompts current as the case changes, and reading them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from teamaround.adapters.db.tables import PersonRow, PromptRow, RelationshipRow
from teamaround.domain.vocab import PersonKind, PromptKind, Purpose
from teamaround.rules.prompts import RECOMMENDATIONS, open_prompts
from teamaround.services import audit
from teamaround.services.cases import access_case_by_child_id
from teamaround.services.context import UnitOfWork, load_actor
from teamaround.services.history import load_history


@dataclass(frozen=True, slots=True)
class PromptView:
    kind: str
    reason: str
    recommendation: str
    raised_at: datetime


def refresh_prompts(s: Session, child_ids: Iterable[str], now: datetime) -> None:
    """Raise prompts whose condition now holds and clear those whose condition has gone."""
    for child_id in sorted(set(child_ids)):
        wanted = open_prompts(load_history(s, child_id, now), now)
        current = {
            PromptKind(row.kind): row
            for row in s.scalars(
                sa.select(PromptRow).where(
                    PromptRow.child_id == child_id, PromptRow.cleared_at.is_(None)
                )
            )
        }
        for kind, row in current.items():
            if kind not in wanted:
                row.cleared_at = now
            else:
                row.reason = wanted[kind]
        for kind in wanted.keys() - current.keys():
            s.add(
                PromptRow(
                    child_id=child_id,
                    kind=kind,
                    reason=wanted[kind],
                    recommendation=RECOMMENDATIONS[kind],
                    raised_at=now,
                )
            )
    s.flush()


def children_around(s: Session, person_id: str) -> list[str]:
    """The child themself, or the children an adult is linked to."""
    person = s.get(PersonRow, person_id)
    if person is not None and person.kind == PersonKind.CHILD:
        return [person_id]
    return list(
        s.scalars(sa.select(RelationshipRow.child_id).where(RelationshipRow.adult_id == person_id))
    )


def open_prompts_of(s: Session, child_id: str) -> list[PromptView]:
    rows = s.scalars(
        sa.select(PromptRow)
        .where(PromptRow.child_id == child_id, PromptRow.cleared_at.is_(None))
        .order_by(PromptRow.raised_at, PromptRow.id)
    )
    return [PromptView(r.kind, r.reason, r.recommendation, r.raised_at) for r in rows]


def list_prompts(uow: UnitOfWork, *, actor_id: str, child_id: str) -> list[PromptView]:
    refused = audit.refusals_recorded(
        uow, actor_id, "read-prompts", "child", child_id, Purpose.CHILD_PROTECTION
    )
    with refused, uow.transaction() as s:
        actor = load_actor(s, actor_id)
        now = uow.clock.now()
        access_case_by_child_id(s, actor, child_id, now)
        audit.action(s, now, actor, "read-prompts", "child", child_id, Purpose.CHILD_PROTECTION)
        return open_prompts_of(s, child_id)
