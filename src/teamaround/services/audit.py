"""Writing to the audit chain inside the caller's transaction, and verifying it."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, SessionTransaction

from teamaround.adapters.db.tables import AuditCheckpointRow, AuditRow
from teamaround.audit.chain import GENESIS, AuditEntry, ChainedEntry, first_break
from teamaround.domain.vocab import Purpose
from teamaround.services.context import (
    Actor,
    UnitOfWork,
    add_leaves,
    add_waiting_leaves,
    load_actor,
)
from teamaround.services.errors import NotFound

_CHAIN_LOCK = 7_202_611  # a fixed advisory-lock key that serialises writers on PostgreSQL


def record(
    session: Session,
    *,
    at: datetime,
    actor: Actor,
    action: str,
    record_type: str,
    record_id: str,
    purpose: Purpose,
    outcome: str = "ok",
) -> None:
    """Append one entry; the chain head is locked so two writers cannot fork it."""
    seq, prev_hash = _head(session)
    entry = AuditEntry(
        seq=seq,
        at=at.astimezone(UTC),
        actor_id=actor.id,
        actor_role=actor.role,
        actor_agency=actor.agency_id,
        action=action,
        record_type=record_type,
        record_id=record_id,
        purpose=str(purpose),
        outcome=outcome,
    )
    digest = entry.digest(prev_hash)
    add_leaves(session, AuditRow(**_columns(entry), prev_hash=prev_hash, hash=digest))
    _remember_head(session, seq + 1, digest)


_HEAD = "teamaround.audit.next"


def _head(session: Session) -> tuple[int, str]:
    """The next sequence number and the hash it follows. Read (and, on PostgreSQL, locked)
    once per transaction: the lock or SQLite's write lock is held to its end, so no one
    else can append meanwhile, and a batch of shares need not read the head per entry."""
    known = session.info.get(_HEAD)
    if known is not None and known[0] is _transaction(session):
        return known[1], known[2]
    add_waiting_leaves(session)  # the head may be among them
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK})
    head = session.execute(
        sa.select(AuditRow.seq, AuditRow.hash).order_by(AuditRow.seq.desc()).limit(1)
    ).first()
    return (head.seq + 1, head.hash) if head else (1, GENESIS)


def _remember_head(session: Session, seq: int, digest: str) -> None:
    transaction = _transaction(session)
    if transaction is None:  # inside a savepoint, which may yet roll back: read it again
        session.info.pop(_HEAD, None)
    else:
        session.info[_HEAD] = (transaction, seq, digest)


def _transaction(session: Session) -> SessionTransaction | None:
    if session.in_nested_transaction():
        return None
    return session.get_transaction()


def action(
    session: Session,
    at: datetime,
    actor: Actor,
    action: str,
    record_type: str,
    record_id: str,
    purpose: Purpose,
) -> None:
    """The common case: an action that succeeded, recorded positionally."""
    record(
        session,
        at=at,
        actor=actor,
        action=action,
        record_type=record_type,
        record_id=record_id,
        purpose=purpose,
    )


@contextmanager
def refusals_recorded(
    uow: UnitOfWork,
    actor_id: str,
    action: str,
    record_type: str,
    record_id: str,
    purpose: Purpose,
) -> Iterator[None]:
    """Audit a refused attempt in its own transaction, since the refused one rolls back."""
    try:
        yield
    except NotFound:
        with uow.transaction() as s:
            actor = _known_actor(s, actor_id)
            if actor is not None:
                record(
                    s,
                    at=uow.clock.now(),
                    actor=actor,
                    action=action,
                    record_type=record_type,
                    record_id=record_id,
                    purpose=purpose,
                    outcome="refused",
                )
        raise


def _known_actor(s: Session, actor_id: str) -> Actor | None:
    try:
        return load_actor(s, actor_id)
    except NotFound:
        return None


def checkpoint(session: Session, key: bytes, at: datetime) -> int | None:
    """Sign the chain's head, so a later cut of the tail shows; returns the seq signed."""
    head = session.execute(
        sa.select(AuditRow.seq, AuditRow.hash).order_by(AuditRow.seq.desc()).limit(1)
    ).first()
    if head is None or session.get(AuditCheckpointRow, head.seq) is not None:
        return None
    session.add(
        AuditCheckpointRow(
            seq=head.seq, hash=head.hash, signature=_sign(key, head.seq, head.hash), at=at
        )
    )
    session.flush()
    return int(head.seq)


def verify(session: Session, key: bytes | None = None) -> tuple[int, str] | None:
    """Recompute the chain and check it against the signed checkpoints.

    Returns the first bad entry's sequence number and why, or None when everything holds.
    """
    rows = session.scalars(sa.select(AuditRow).order_by(AuditRow.seq)).yield_per(1000)
    broken = first_break(_chained(row) for row in rows)
    if broken is not None:
        return broken
    for point in session.scalars(sa.select(AuditCheckpointRow).order_by(AuditCheckpointRow.seq)):
        if key is not None and not hmac.compare_digest(
            point.signature, _sign(key, point.seq, point.hash)
        ):
            return point.seq, "its checkpoint's signature does not verify"
        entry = session.get(AuditRow, point.seq)
        if entry is None:
            return point.seq, "the log ends before a signed checkpoint (entries were cut off)"
        if entry.hash != point.hash:
            return point.seq, "differs from the signed checkpoint (the chain was rewritten)"
    return None


def checkpoint_key(secret: str) -> bytes:
    """The checkpoint signing key, derived from the service secret."""
    return hmac.new(secret.encode(), b"teamaround-audit-checkpoint", hashlib.sha256).digest()


def _sign(key: bytes, seq: int, digest: str) -> str:
    return hmac.new(key, f"{seq}:{digest}".encode(), hashlib.sha256).hexdigest()


def _chained(row: AuditRow) -> ChainedEntry:
    entry = AuditEntry(
        seq=row.seq,
        at=row.at,
        actor_id=row.actor_id,
        actor_role=row.actor_role,
        actor_agency=row.actor_agency,
        action=row.action,
        record_type=row.record_type,
        record_id=row.record_id,
        purpose=row.purpose,
        outcome=row.outcome,
    )
    return ChainedEntry(entry=entry, prev_hash=row.prev_hash, hash=row.hash)


def _columns(entry: AuditEntry) -> dict[str, object]:
    return {
        "seq": entry.seq,
        "at": entry.at,
        "actor_id": entry.actor_id,
        "actor_role": entry.actor_role,
        "actor_agency": entry.actor_agency,
        "action": entry.action,
        "record_type": entry.record_type,
        "record_id": entry.record_id,
        "purpose": entry.purpose,
        "outcome": entry.outcome,
    }
