"""Working the SPOC's review queue from the API tests: the queue, decisions, settings, rows."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from test_sharing_api import auth

from teamaround.adapters.db.tables import (
    AuditRow,
    ContributionRow,
    ContributionSubjectRow,
    LookupRow,
    MatchReviewRow,
    PartnershipSettingRow,
)

Tokens = dict[str, str]
KELLY_NAME_ONLY = {"name": "Kelly Ashby", "sex": "female"}
"""Close to Kelly Ashby on the register, not close enough to link (about 50%)."""
SOMEONE_ON_ACACIA_AVENUE = {"given": "Sam", "family": "Other", "address": "Acacia Avenue, TS18 1AB"}
"""Nobody on the register; the street and postcode of Oliver's home, no door (about 87%)."""
SECRETS = ("Kelly", "Ashby", "Oliver", "Acacia")


def queue(client: TestClient, tokens: Tokens, who: str = "spoc") -> Any:
    return client.get("/api/review", headers=auth(tokens, who))


def decide(client: TestClient, tokens: Tokens, item: str, decision: str, who: str = "spoc") -> Any:
    body = {"decision": decision}
    return client.post(f"/api/review/{item}/decision", json=body, headers=auth(tokens, who))


def set_thresholds(
    engine: sa.Engine, *, link: int | None = None, review: int | None = None
) -> None:
    """The partnership's thresholds, written as stored (the API refuses a link below 50%)."""
    chosen = {"match-link-percent": link, "match-review-percent": review}
    with engine.begin() as c:
        for key, value in chosen.items():
            if value is None:
                continue
            c.execute(sa.delete(PartnershipSettingRow).where(PartnershipSettingRow.key == key))
            c.execute(
                sa.insert(PartnershipSettingRow).values(
                    key=key,
                    value=str(value),
                    changed_by="system",
                    changed_at=datetime(2021, 1, 1, tzinfo=UTC),
                )
            )


def reviews(engine: sa.Engine) -> list[tuple[str, str, str | None]]:
    """(id, status, reason) of every item, oldest first."""
    with engine.connect() as c:
        rows = c.execute(
            sa.select(
                MatchReviewRow.id, MatchReviewRow.status, MatchReviewRow.withdrawn_reason
            ).order_by(MatchReviewRow.created_at, MatchReviewRow.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def audited(engine: sa.Engine, action: str) -> list[tuple[str, str, str, str]]:
    """(actor, record type, record id, purpose) of each audit entry for this action."""
    with engine.connect() as c:
        rows = c.execute(
            sa.select(AuditRow.actor_id, AuditRow.record_type, AuditRow.record_id, AuditRow.purpose)
            .where(AuditRow.action == action)
            .order_by(AuditRow.seq)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def audit_tells_nothing(engine: sa.Engine) -> bool:
    """No audit entry carries what anyone described."""
    with engine.connect() as c:
        text = json.dumps([list(map(str, r)) for r in c.execute(sa.select(AuditRow)).all()])
    return not any(secret in text for secret in SECRETS)


def counts(engine: sa.Engine) -> tuple[int, ...]:
    tables = (ContributionRow, ContributionSubjectRow, LookupRow, MatchReviewRow, AuditRow)
    with engine.connect() as c:
        return tuple(c.scalar(sa.select(sa.func.count()).select_from(t)) or 0 for t in tables)


def names_nobody(body: Any) -> bool:
    """Neither a register name nor an id appears in what the caller was told."""
    text = json.dumps(body)
    words = "|".join((*SECRETS, "child-o", "mother", "home"))
    return not re.search(rf"(?<![\w-])({words})(?![\w-])", text)
