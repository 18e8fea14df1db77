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
from teamaround.services.cases import access_case_by_child_id, id_chunks
from teamaround.services.context import UnitOfWork, add_leaves, add_waiting_leaves, load_actor
from teamaround.services.errors import NotFound
from teamaround.services.history import load_histories


@dataclass(frozen=True, slots=True)
class PromptView:
    kind: str
    reason: str
    recommendation: str
    raised_at: datetime


def refresh_prompts(s: Session, child_ids: Iterable[str], now: datetime) -> None:
    """Raise prompts whose condition now holds and clear those whose condition has gone."""
    children = sorted(set(child_ids))
    histories = load_histories(s, children, now)
    current = open_prompt_rows(s, children)
    for child_id in children:
        if child_id not in histories:
            raise NotFound("child")
        wanted = open_prompts(histories[child_id], now)
        update_prompts(s, child_id, wanted, current[child_id], now)
    s.flush()


Current = dict[PromptKind, PromptRow]
"""A child's open prompts as stored, by kind."""


def open_prompt_rows(s: Session, child_ids: Iterable[str]) -> dict[str, Current]:
    """Each child's open prompts (an empty map for a child with none)."""
    add_waiting_leaves(s)  # new prompts may be waiting (`update_prompts`)
    found: dict[str, Current] = {child_id: {} for child_id in child_ids}
    for chunk in id_chunks(found):
        for row in s.scalars(
            sa.select(PromptRow).where(
                PromptRow.child_id.in_(chunk), PromptRow.cleared_at.is_(None)
            )
        ):
            found[row.child_id][PromptKind(row.kind)] = row
    return found


def update_prompts(
    s: Session, child_id: str, wanted: dict[PromptKind, str], current: Current, now: datetime
) -> None:
    """Bring one child's open prompts (`current`, kept up to date here) to those `wanted`."""
    for kind, row in list(current.items()):
        if kind not in wanted:
            row.cleared_at = now
            del current[kind]
        else:
            row.reason = wanted[kind]
    for kind in wanted.keys() - current.keys():
        current[kind] = PromptRow(
            child_id=child_id,
            kind=kind,
            reason=wanted[kind],
            recommendation=RECOMMENDATIONS[kind],
            raised_at=now,
        )
        add_leaves(s, current[kind])  # read back only through `open_prompt_rows`


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
