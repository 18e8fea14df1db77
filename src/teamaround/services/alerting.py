"""Storing and delivering alerts: written in the transaction that raised them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from teamaround.adapters.db.tables import AlertRecipientRow, AlertRow, OutboxRow
from teamaround.domain.sharing import AlertDraft
from teamaround.domain.vocab import Purpose
from teamaround.services import audit
from teamaround.services.context import Actor, add_leaves


def raise_alerts(
    s: Session,
    *,
    drafts: list[AlertDraft],
    now: datetime,
    actor: Actor,
    contribution_id: str | None = None,
    source_id: str | None = None,
) -> list[str]:
    """Store each alert and deliver it to every recipient's inbox; returns the alert ids."""
    ids = []
    for draft in drafts:
        alert_id = uuid.uuid4().hex
        s.add(
            AlertRow(
                id=alert_id,
                kind=draft.kind,
                about_id=draft.about,
                concerning_id=draft.concerning,
                priority=draft.priority,
                reason=draft.reason,
                recommendation=draft.recommendation,
                raised_at=now,
                contribution_id=contribution_id,
                source_id=source_id,
            )
        )
        add_leaves(  # inserted after the alert (`tables._inserted_after`)
            s,
            *(
                AlertRecipientRow(alert_id=alert_id, professional_id=p, delivered_at=now)
                for p in sorted(draft.recipients)
            ),
            *(
                OutboxRow(
                    id=uuid.uuid4().hex,
                    alert_id=alert_id,
                    professional_id=p,
                    channel="notify",
                    created_at=now,
                )
                for p in sorted(draft.recipients)
            ),
        )
        audit.action(
            s,
            now,
            actor,
            f"raise-alert:{draft.kind}",
            "alert",
            alert_id,
            Purpose.SAFEGUARDING_SHARE,
        )
        ids.append(alert_id)
    s.flush()
    return ids
