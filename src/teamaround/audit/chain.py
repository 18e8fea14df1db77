"""The hash chain: each entry commits to the one before, so edits and gaps show."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: datetime
    actor_id: str
    actor_role: str
    actor_agency: str
    action: str
    record_type: str
    record_id: str
    purpose: str
    outcome: str

    def digest(self, prev_hash: str) -> str:
        fields = asdict(self)
        fields["at"] = self.at.isoformat()
        payload = json.dumps(fields, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainedEntry:
    entry: AuditEntry
    prev_hash: str
    hash: str


def first_break(entries: Iterable[ChainedEntry]) -> tuple[int, str] | None:
    """The sequence number of the first entry that does not follow from the last, and why."""
    prev_hash, expected_seq = GENESIS, 1
    for item in entries:
        seq = item.entry.seq
        if seq != expected_seq:
            return seq, f"expected entry {expected_seq} here (deleted or reordered)"
        if item.prev_hash != prev_hash:
            return seq, "does not link to the entry before it"
        if item.entry.digest(prev_hash) != item.hash:
            return seq, "its content does not match its hash (edited)"
        prev_hash, expected_seq = item.hash, seq + 1
    return None
