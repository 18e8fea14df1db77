"""Screening an agency's extract: every row through the share path, a batch per transaction.

An agency (a GP practice, a housing provider) sends the people it holds; each row becomes a
share, linked, ruled on and alerted exactly as if it had been sent on its own
(`sharing.record_share`, the one share path). Rows are read and checked before anything is
written, so a bad row is refused with its number and field and the rest of its batch lands.
Each batch is one transaction that also stores an idempotency key per row (the agency, the
file's digest and the row number): a batch either lands whole with its keys or not at all,
so after a crash the same command skips what landed and shares the rest, and screening the
same file again shares nothing twice.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from teamaround.adapters.db.tables import AgencyRow, IdempotencyKeyRow, ProfessionalRow
from teamaround.domain.vocab import ShareCategory
from teamaround.linkage import address_with_postcode, parse_date
from teamaround.services.commands import IdentityIn, ShareCreate
from teamaround.services.context import UnitOfWork, leaves_last, load_actor
from teamaround.services.intake import Intake
from teamaround.services.sharing import record_share, remember_share

IDENTITY = ("given", "family", "name", "dob", "sex", "nhs", "address", "postcode", "phone")
"""The columns read as the person's identity (a postcode joins the address). A `summary`
column is the share's summary; any other column (the agency's own `id`) is ignored."""

BATCH = 500
DEFAULT_SUMMARY = "Screened from the agency's extract."
_POSTCODE_MAX = 10


@dataclass(frozen=True, slots=True)
class ExtractRow:
    """A row that can be shared; `number` is its row in a spreadsheet (the header is row 1)."""

    number: int
    share: ShareCreate


@dataclass(frozen=True, slots=True)
class RowRefused:
    """A row that is not shared, and why, naming the field but never its value."""

    number: int
    field: str
    problem: str


@dataclass(frozen=True, slots=True)
class Extract:
    digest: str  # SHA-256 of the file as sent: with the agency and row, each row's key
    rows: tuple[ExtractRow | RowRefused, ...]


class ExtractError(Exception):
    """The file as a whole cannot be screened (no header, no identity columns)."""


# --------------------------------------------------------------------------- reading


def read_extract(path: Path, *, category: ShareCategory = ShareCategory.UPDATE) -> Extract:
    """Read and check every row; nothing is written."""
    data = path.read_bytes()
    # undecodable bytes survive as lone surrogates, so the row holding them is refused alone
    text = data.decode("utf-8-sig", errors="surrogateescape")
    with _field_size(len(text) + 1):  # an over-long field is refused by the row's checks
        reader = csv.DictReader(io.StringIO(text, newline=""))
        columns = set(reader.fieldnames or ())
        if not columns & set(IDENTITY):
            raise ExtractError(f"needs a header row with at least one of {', '.join(IDENTITY)}")
        rows = tuple(
            read_row(number, fields, category) for number, fields in enumerate(reader, start=2)
        )
    return Extract(digest=hashlib.sha256(data).hexdigest(), rows=rows)


@contextmanager
def _field_size(limit: int) -> Iterator[None]:
    before = csv.field_size_limit()
    csv.field_size_limit(max(before, limit))
    try:
        yield
    finally:
        csv.field_size_limit(before)


def read_row(
    number: int, fields: Mapping[str | None, object], category: ShareCategory
) -> ExtractRow | RowRefused:
    """One row as a share, or the first thing wrong with it."""
    if fields.get(None):  # csv.DictReader keeps values beyond the header under None
        return RowRefused(number, "(row)", "has more values than the header has columns")
    values = {k: str(v or "").strip() for k, v in fields.items() if k is not None}
    for name, value in values.items():
        if any("\udc80" <= ch <= "\udcff" for ch in value):
            return RowRefused(number, name, "is not UTF-8 text")
    if values.get("dob") and parse_date(values["dob"]) is None:
        return RowRefused(number, "dob", "is not a date that can be read (e.g. 14/07/1990)")
    postcode = values.get("postcode", "")
    if len(postcode) > _POSTCODE_MAX:
        return RowRefused(number, "postcode", f"is longer than {_POSTCODE_MAX} characters")
    identity = {k: values.get(k) or None for k in IDENTITY if k != "postcode"}
    identity["address"] = address_with_postcode(identity["address"], postcode)
    try:
        subject = IdentityIn(**identity)
    except ValidationError as exc:
        return _refused(number, exc, "given, family or name")
    try:
        share = ShareCreate(
            subjects=[subject],
            category=category,
            summary=values.get("summary") or DEFAULT_SUMMARY,
        )
    except ValidationError as exc:
        return _refused(number, exc, "summary")
    return ExtractRow(number, share)


def _refused(number: int, exc: ValidationError, whole: str) -> RowRefused:
    error = exc.errors()[0]
    where = str(error["loc"][0]) if error["loc"] else whole
    if error["type"] in {"too_long", "string_too_long"}:
        problem = f"is longer than {error.get('ctx', {}).get('max_length')} characters"
    else:
        problem = str(error["msg"]).removeprefix("Value error, ")
        problem = problem[0].lower() + problem[1:]
    return RowRefused(number, where, problem)


# --------------------------------------------------------------------------- sharing


@dataclass(slots=True)
class ScreenSummary:
    """What a screen did, in counts: rows shared, linked, alerts raised, and rows refused."""

    rows: int = 0
    shared: int = 0
    already: int = 0  # shared by an earlier run of the same file
    linked: int = 0  # shared rows whose subject was linked to a person on the register
    alerts: Counter[str] = field(default_factory=Counter)
    refused: list[RowRefused] = field(default_factory=list)

    def add(self, other: ScreenSummary) -> None:
        self.rows += other.rows
        self.shared += other.shared
        self.already += other.already
        self.linked += other.linked
        self.alerts.update(other.alerts)
        self.refused += other.refused


def screen_extract(
    uow: UnitOfWork,
    extract: Extract,
    *,
    actor_id: str,
    batch_size: int = BATCH,
    progress: Callable[[int], None] | None = None,
) -> ScreenSummary:
    """Share every good row of the extract as `actor_id`, `batch_size` rows a transaction."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    refused = [r for r in extract.rows if isinstance(r, RowRefused)]
    summary = ScreenSummary(rows=len(refused), refused=refused)
    if progress and refused:
        progress(len(refused))
    good = [r for r in extract.rows if isinstance(r, ExtractRow)]
    for start in range(0, len(good), batch_size):
        batch = good[start : start + batch_size]
        summary.add(_batch_or_rows(uow, actor_id, extract.digest, batch))
        if progress:
            progress(len(batch))
    summary.refused.sort(key=lambda r: r.number)
    return summary


def _batch_or_rows(
    uow: UnitOfWork, actor_id: str, digest: str, rows: list[ExtractRow]
) -> ScreenSummary:
    """A batch; should the database refuse it, each row alone, so one row the checks let
    through cannot hold back the others. A key stored meanwhile by a concurrent run of the
    same file is seen when the rows are tried again."""
    try:
        return do_screen_batch(uow, actor_id=actor_id, digest=digest, rows=rows)
    except (DataError, IntegrityError) as exc:
        if len(rows) > 1:
            summary = ScreenSummary()
            for row in rows:
                summary.add(_batch_or_rows(uow, actor_id, digest, [row]))
            return summary
        try:
            return do_screen_batch(uow, actor_id=actor_id, digest=digest, rows=rows)
        except (DataError, IntegrityError):
            problem = f"the database refused it ({type(exc.orig).__name__})"
            return ScreenSummary(rows=1, refused=[RowRefused(rows[0].number, "(row)", problem)])


def do_screen_batch(
    uow: UnitOfWork, *, actor_id: str, digest: str, rows: list[ExtractRow]
) -> ScreenSummary:
    """Share a batch of an extract's rows in one transaction, skipping rows that an earlier
    run of the same file (by anyone in the agency) already shared."""
    with uow.transaction() as s:
        actor = load_actor(s, actor_id)
        now = uow.clock.now()
        keys = {row.number: row_key(actor.agency_id, digest, row.number) for row in rows}
        done = _screened_before(s, actor.agency_id, list(keys.values()))
        fresh = [row for row in rows if keys[row.number] not in done]
        summary = ScreenSummary(rows=len(rows), already=len(rows) - len(fresh))
        intake = Intake(s, now)
        intake.prepare(subject for row in fresh for subject in row.share.subjects)
        _agency = s.get(AgencyRow, actor.agency_id)  # held: the session then keeps it for each row
        with leaves_last(s):
            for row in fresh:
                shared = record_share(intake, actor, row.share)
                remember_share(s, actor, keys[row.number], row.share, shared.receipt, now)
                summary.shared += 1
                summary.linked += any(x.person_id for x in shared.information.subjects)
                summary.alerts.update(str(d.kind) for d in shared.alerts)
        return summary


def row_key(agency_id: str, digest: str, number: int) -> str:
    """The idempotency key of one row of one file from one agency."""
    return f"screen:{agency_id}:{digest}:{number}"


def _screened_before(s: Session, agency_id: str, keys: list[str]) -> set[str]:
    """Which of these keys anyone of the agency (a leaver too) has stored."""
    colleagues = sa.select(ProfessionalRow.id).where(ProfessionalRow.agency_id == agency_id)
    return set(
        s.scalars(
            sa.select(IdempotencyKeyRow.key).where(
                IdempotencyKeyRow.professional_id.in_(colleagues),
                IdempotencyKeyRow.key.in_(keys),
            )
        )
    )
