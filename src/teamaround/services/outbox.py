"""Delivering alerts from the outbox, at least once, each notification deduplicated by id."""

from __future__ import annotations

import sqlalchemy as sa

from teamaround.adapters.db.tables import AlertRow, OutboxRow
from teamaround.adapters.notify import Notification, Notifier
from teamaround.services.context import UnitOfWork

MAX_ATTEMPTS = 20


def deliver_outbox(uow: UnitOfWork, notifier: Notifier, *, batch: int = 100) -> int:
    """Send what is waiting; a crash between send and mark resends the same id later."""
    with uow.transaction() as s:
        waiting = s.execute(
            sa.select(
                OutboxRow.id,
                OutboxRow.alert_id,
                OutboxRow.professional_id,
                AlertRow.kind,
                AlertRow.priority,
            )
            .join(AlertRow, AlertRow.id == OutboxRow.alert_id)
            .where(OutboxRow.delivered_at.is_(None), OutboxRow.attempts < MAX_ATTEMPTS)
            .order_by(OutboxRow.created_at)
            .limit(batch)
        ).all()
    sent = 0
    for row in waiting:
        notification = Notification(
            row.id, row.alert_id, row.professional_id, row.kind, row.priority
        )
        try:
            notifier.send(notification)
        except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
            _record_failure(uow, row.id, f"{type(exc).__name__}: {exc}"[:400])
            continue
        _mark_delivered(uow, row.id)
        sent += 1
    return sent


def _mark_delivered(uow: UnitOfWork, outbox_id: str) -> None:
    with uow.transaction() as s:
        row = s.get(OutboxRow, outbox_id)
        if row is not None and row.delivered_at is None:
            row.delivered_at = uow.clock.now()
            row.attempts += 1


def _record_failure(uow: UnitOfWork, outbox_id: str, error: str) -> None:
    with uow.transaction() as s:
        row = s.get(OutboxRow, outbox_id)
        if row is not None:
            row.attempts += 1
            row.last_error = error
