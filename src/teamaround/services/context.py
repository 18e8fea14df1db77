"""The unit of work: one transaction per use case, the clock, and who is acting."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from teamaround.adapters.db.tables import AgencyRow, ProfessionalRow
from teamaround.clock import Clock
from teamaround.services.errors import NotFound, present


@dataclass(frozen=True, slots=True)
class Actor:
    """A professional acting in the role their agency gave them."""

    id: str
    role: str
    agency_id: str
    agency_kind: str


SYSTEM = Actor(id="system", role="system", agency_id="system", agency_kind="system")


class UnitOfWork:
    def __init__(self, engine: sa.Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session


def load_actor(session: Session, actor_id: str) -> Actor:
    """The acting professional; an unknown or disabled one is refused like a missing record."""
    if actor_id == SYSTEM.id:
        return SYSTEM
    row = session.get(ProfessionalRow, actor_id)
    if row is None or not row.active:
        raise NotFound("professional")
    agency = present(session.get(AgencyRow, row.agency_id), "agency")
    return Actor(id=row.id, role=row.role, agency_id=agency.id, agency_kind=agency.kind)


_LEAVES = "teamaround.leaves"


def add_leaves(s: Session, *rows: Any) -> None:
    """Add rows that nothing else in the transaction refers to, and that are read back only
    after `add_waiting_leaves`: audit entries, alert deliveries, outbox messages, idempotency
    keys, new prompts. Inside `leaves_last` they wait and are written together at its end,
    one statement per table rather than one per share."""
    waiting: list[Any] | None = s.info.get(_LEAVES)
    if waiting is None:
        s.add_all(rows)
    else:
        waiting.extend(rows)


def add_waiting_leaves(s: Session) -> None:
    """Hand waiting leaves to the session now (for a query that must see them)."""
    waiting: list[Any] = s.info.get(_LEAVES, [])
    s.add_all(waiting)
    waiting.clear()


@contextmanager
def leaves_last(s: Session) -> Iterator[None]:
    """For a batch in one transaction: leaves added inside are written when it ends."""
    s.info[_LEAVES] = []
    try:
        yield
        add_waiting_leaves(s)
    finally:
        s.info.pop(_LEAVES, None)
