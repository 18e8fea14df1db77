"""One tick of the scheduler: timers fire, the outbox delivers, the audit head is signed."""

from __future__ import annotations

from dataclasses import dataclass

from teamaround.adapters.notify import Notifier
from teamaround.services import audit
from teamaround.services.context import UnitOfWork
from teamaround.services.outbox import deliver_outbox
from teamaround.services.timers import do_run_timers


@dataclass(frozen=True, slots=True)
class Tick:
    alerts_raised: int
    notifications_sent: int
    checkpoint: int | None


def tick(uow: UnitOfWork, notifier: Notifier, audit_key: bytes) -> Tick:
    raised = do_run_timers(uow)
    sent = deliver_outbox(uow, notifier)
    with uow.transaction() as s:
        signed = audit.checkpoint(s, audit_key, uow.clock.now())
    return Tick(alerts_raised=len(raised), notifications_sent=sent, checkpoint=signed)
