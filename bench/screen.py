"""Screening throughput: a whole agency extract, row by row through `do_share` and in batches.

    .venv/bin/python bench/screen.py --children 20000 --adults 60000 --rows 5000
    .venv/bin/python bench/screen.py --database postgresql://postgres@127.0.0.1:5432/bench ...

Builds an invented register (as `bench/intake.py` does: children on plans, the adults of their
households, one relationship in ten with prohibited contact), copies it into a second
database, and screens the same GP extract (most rows are register people with the mistakes
agencies make, the rest are not on the register) into each: one `do_share` per row (each
its own transaction, as `teamaround screen` did before batches) and through its batches. Both
go through the same share path (links, rules, alerts, outbox, audit); the matcher is built
before timing. The two alternate, a batch then its share of single rows, so that both meet the
same load on a shared machine; wall clock and this process's CPU per row are reported (for
SQLite the database's work is in the process too).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import random
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from intake import load_register
from rich.console import Console
from rich.progress import track
from rich.table import Table

from teamaround.adapters.db.engine import make_engine, normalise_url
from teamaround.adapters.db.schema import is_empty, upgrade
from teamaround.adapters.db.tables import AlertRow, RelationshipRow
from teamaround.clock import SystemClock
from teamaround.linkage.synthetic import COLUMNS, TruePerson, agency_record, population
from teamaround.services.context import UnitOfWork
from teamaround.services.linking import matcher_for
from teamaround.services.screening import Extract, ExtractRow, do_screen_batch, read_extract
from teamaround.services.sharing import do_share

console = Console()
SHARER = "gp1"


def main() -> None:
    args = _arguments()
    with _databases(args) as (row_url, bulk_url, people), tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "extract.csv"
        _write_extract(path, args.rows, people, args.seed)
        extract = read_extract(path)
        rows = [r for r in extract.rows if isinstance(r, ExtractRow)]
        per_row, batches = _Path("row by row", row_url), _Path(f"batches of {args.batch}", bulk_url)
        _screen_both(per_row, batches, extract, rows, args)
    _report(row_url, args, [per_row, batches])


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--children", type=int, default=20_000)
    parser.add_argument("--adults", type=int, default=60_000)
    parser.add_argument("--rows", type=int, default=5_000, help="rows in the extract")
    parser.add_argument(
        "--per-row-rows", type=int, default=1_000, help="of those, shared row by row too (slow)"
    )
    parser.add_argument("--batch", type=int, default=500, help="rows per transaction")
    parser.add_argument("--database", help="an empty PostgreSQL URL (default: SQLite files)")
    parser.add_argument("--seed", type=int, default=5)
    return parser.parse_args()


@contextmanager
def _databases(args: argparse.Namespace) -> Iterator[tuple[str, str, list[TruePerson]]]:
    """The register loaded once, then copied: one database for each way of screening."""
    scratch = tempfile.TemporaryDirectory(prefix="teamaround-bench-")
    first = args.database or f"sqlite:///{Path(scratch.name) / 'row.db'}"
    engine = make_engine(first)
    if not is_empty(engine):
        console.print(f"[red]{first} is not empty[/]")
        raise SystemExit(2)
    upgrade(engine)
    people = load_register(engine, args.children, args.adults)
    with engine.begin() as c:  # one adult in ten must not see the child: urgent alerts too
        c.execute(
            sa.update(RelationshipRow)
            .where(RelationshipRow.id % 10 == 0)
            .values(contact="prohibited")
        )
    engine.dispose()
    second = _copy(first, Path(scratch.name) / "bulk.db")
    try:
        yield first, second, people
    finally:
        if first.startswith("postgresql"):
            _drop(first, second)
        scratch.cleanup()


def _copy(url: str, sqlite_target: Path) -> str:
    if not url.startswith("postgresql"):
        shutil.copy(url.removeprefix("sqlite:///"), sqlite_target)
        return f"sqlite:///{sqlite_target}"
    base = sa.engine.make_url(normalise_url(url))
    copy = f"{base.database}_bulk"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{copy}"')
        c.exec_driver_sql(f'CREATE DATABASE "{copy}" TEMPLATE "{base.database}"')
    admin.dispose()
    return base.set(database=copy).render_as_string(hide_password=False)


def _drop(first: str, second: str) -> None:
    """Empty the given database again and remove the copy."""
    base = sa.engine.make_url(normalise_url(first))
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(
            f'DROP DATABASE IF EXISTS "{sa.engine.make_url(second).database}" WITH (FORCE)'
        )
    admin.dispose()
    engine = make_engine(first)
    with engine.begin() as c:
        c.exec_driver_sql("DROP SCHEMA public CASCADE")
        c.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def _write_extract(path: Path, rows: int, register: list[TruePerson], seed: int) -> None:
    """Seven rows in ten describe register people; the others are people it does not hold."""
    rng = random.Random(seed)
    strangers = population(rows, seed=seed + 1_000)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for i in range(rows):
            person = rng.choice(register) if rng.random() < 0.7 else strangers[i]
            writer.writerow(agency_record(person, rng, f"r{i}", 0.3).row())


def _warm(url: str) -> tuple[sa.Engine, UnitOfWork, float]:
    engine = make_engine(url)
    uow = UnitOfWork(engine, SystemClock())
    started = time.perf_counter()
    with uow.transaction() as s:
        matcher_for(s, datetime.now(UTC).date())
    return engine, uow, time.perf_counter() - started


@dataclass
class _Path:
    """One way of screening, timed: wall clock and this process's CPU (the database's too,
    for SQLite), so a busy shared machine shows as the difference between the two."""

    name: str
    url: str
    rows: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    build: float = 0.0
    alerts: int = 0

    @contextmanager
    def timed(self, rows: int) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        yield
        self.wall += time.perf_counter() - wall
        self.cpu += time.process_time() - cpu
        self.rows += rows


def _screen_both(
    per_row: _Path,
    batches: _Path,
    extract: Extract,
    rows: list[ExtractRow],
    args: argparse.Namespace,
) -> None:
    """Batch by batch, each followed by its share of row-by-row shares, so that both ways
    meet the same load on a shared machine."""
    row_engine, row_uow, per_row.build = _warm(per_row.url)
    bulk_engine, bulk_uow, batches.build = _warm(batches.url)
    share = max(1, args.per_row_rows * args.batch // max(len(rows), 1))
    todo = iter(rows[: args.per_row_rows])
    for start in track(range(0, len(rows), args.batch), description="screening"):
        batch = rows[start : start + args.batch]
        with batches.timed(len(batch)):
            do_screen_batch(bulk_uow, actor_id=SHARER, digest=extract.digest, rows=batch)
        singles = list(itertools.islice(todo, share))
        with per_row.timed(len(singles)):
            for row in singles:  # as `teamaround screen` did before batches
                do_share(row_uow, actor_id=SHARER, share=row.share)
    for path, engine in ((per_row, row_engine), (batches, bulk_engine)):
        with engine.connect() as c:
            path.alerts = int(c.scalar(sa.select(sa.func.count()).select_from(AlertRow)) or 0)
        engine.dispose()


def _report(url: str, args: argparse.Namespace, paths: list[_Path]) -> None:
    table = Table(
        title=f"teamaround screen on {url.split(':')[0]} ({args.children:,} children, "
        f"{args.adults:,} adults; extract of {args.rows:,} rows)"
    )
    columns = ("path", "rows", "seconds", "rows/s", "CPU ms/row", "alerts", "index build, s")
    for column in columns:
        table.add_column(column, justify="left" if column == "path" else "right")
    for p in paths:
        table.add_row(
            p.name,
            f"{p.rows:,}",
            f"{p.wall:.1f}",
            f"{p.rows / p.wall:.1f}",
            f"{p.cpu / p.rows * 1000:.2f}",
            f"{p.alerts:,}",
            f"{p.build:.1f}",
        )
    console.print(table)
    one, many = paths
    console.print(
        f"batches / row by row: {many.rows / many.wall / (one.rows / one.wall):.1f}x "
        f"(wall clock), {one.cpu / one.rows / (many.cpu / many.rows):.1f}x (CPU per row)"
    )


if __name__ == "__main__":
    main()
