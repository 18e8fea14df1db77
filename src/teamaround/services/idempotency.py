"""Idempotent intake: a retried request with the same key gets the same answer, once."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from teamaround.adapters.db.tables import IdempotencyKeyRow
from teamaround.services.context import add_leaves
from teamaround.services.errors import Conflict, Invalid

MAX_KEY = 200


def request_digest(kind: str, body: BaseModel) -> str:
    payload = json.dumps(
        [kind, body.model_dump(mode="json")], sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def earlier_answer(
    s: Session, professional_id: str, key: str, digest: str
) -> dict[str, Any] | None:
    """The answer already given for this key; the same key with another body is refused."""
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise Invalid("Idempotency-Key", f"must be 1 to {MAX_KEY} printable characters")
    row = s.get(IdempotencyKeyRow, (professional_id, key))
    if row is None:
        return None
    if row.request_sha256 != digest:
        raise Conflict("this Idempotency-Key was already used with a different request")
    return row.response


def remember(
    s: Session, professional_id: str, key: str, digest: str, answer: dict[str, Any], now: datetime
) -> None:
    add_leaves(
        s,
        IdempotencyKeyRow(
            professional_id=professional_id,
            key=key,
            request_sha256=digest,
            response=answer,
            created_at=now,
        ),
    )
