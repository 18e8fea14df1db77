"""A professional's inbox of alerts, and acknowledging them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from teamaround.adapters.db.tables import AlertRecipientRow, AlertRow, PersonRow, ProfessionalRow
from teamaround.domain.vocab import Priority, Purpose
from teamaround.services import audit
from teamaround.services.context import UnitOfWork, load_actor
from teamaround.services.errors import NotFound

_PRIORITY_ORDER = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2}


@dataclass(frozen=True, slots=True)
class InboxAlert:
    id: str
    kind: str
    about: str
    about_name: str
    priority: str
    reason: str
    recommendation: str
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: list[str]  # "Name at 2021-02-02T19:40:00+00:00", everyone who did


def list_inbox(uow: UnitOfWork, *, actor_id: str) -> list[InboxAlert]:
    """My alerts, most urgent and newest first; reading it is a disclosure, so it is audited."""
    with uow.transaction() as s:
        actor = load_actor(s, actor_id)
        rows = s.execute(
            sa.select(AlertRow, AlertRecipientRow.acknowledged_at, PersonRow)
            .join(AlertRecipientRow)
            .join(PersonRow, PersonRow.id == AlertRow.about_id)
            .where(AlertRecipientRow.professional_id == actor.id)
        ).all()
        items = [
            InboxAlert(
                id=a.id,
                kind=a.kind,
                about=a.about_id,
                about_name=f"{p.given} {p.family}",
                priority=a.priority,
                reason=a.reason,
                recommendation=a.recommendation,
                raised_at=a.raised_at,
                acknowledged_at=acked,
                acknowledged_by=_acknowledgements(s, a.id),
            )
            for a, acked, p in rows
        ]
        items.sort(key=lambda i: (_PRIORITY_ORDER[Priority(i.priority)], -i.raised_at.timestamp()))
        audit.action(
            s,
            uow.clock.now(),
            actor,
            "read-inbox",
            "professional",
            actor.id,
            Purpose.SAFEGUARDING_SHARE,
        )
        return items


def _acknowledgements(s: Session, alert_id: str) -> list[str]:
    rows = s.execute(
        sa.select(ProfessionalRow.name, AlertRecipientRow.acknowledged_at)
        .join(ProfessionalRow, ProfessionalRow.id == AlertRecipientRow.professional_id)
        .where(
            AlertRecipientRow.alert_id == alert_id, AlertRecipientRow.acknowledged_at.is_not(None)
        )
        .order_by(AlertRecipientRow.acknowledged_at)
    ).all()
    return [f"{name} at {at.isoformat()}" for name, at in rows if at is not None]


def do_acknowledge_alert(uow: UnitOfWork, *, actor_id: str, alert_id: str) -> datetime:
    with uow.transaction() as s:
        actor = load_actor(s, actor_id)
        row = s.get(AlertRecipientRow, (alert_id, actor.id))
        if row is None:
            raise NotFound("alert")
        now = uow.clock.now()
        if row.acknowledged_at is None:
            row.acknowledged_at = now
        audit.action(
            s, now, actor, "acknowledge-alert", "alert", alert_id, Purpose.SAFEGUARDING_SHARE
        )
        return row.acknowledged_at


def find_alert_for(uow: UnitOfWork, *, actor_id: str, kind: str, about: str) -> str:
    """The newest alert of that kind about that person in my inbox, unacknowledged first."""
    with uow.transaction() as s:
        actor = load_actor(s, actor_id)
        row = s.execute(
            sa.select(AlertRow.id)
            .join(AlertRecipientRow)
            .where(
                AlertRecipientRow.professional_id == actor.id,
                AlertRow.kind == kind,
                AlertRow.about_id == about,
            )
            .order_by(AlertRecipientRow.acknowledged_at.is_not(None), AlertRow.raised_at.desc())
            .limit(1)
        ).first()
        if row is None:
            raise NotFound("alert")
        return str(row.id)
