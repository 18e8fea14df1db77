"""`teamaround screen`: run a whole agency extract through the share path, in batches."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from teamaround.adapters.db.engine import make_engine
from teamaround.adapters.db.tables import ProfessionalRow
from teamaround.clock import SystemClock
from teamaround.domain.vocab import ShareCategory
from teamaround.services.context import UnitOfWork
from teamaround.services.screening import (
    BATCH,
    IDENTITY,
    ExtractError,
    ScreenSummary,
    read_extract,
    screen_extract,
)
from teamaround.settings import Settings

err = Console(stderr=True, soft_wrap=True)
SHOWN_REFUSALS = 50


def screen(
    extract: Annotated[
        Path, typer.Argument(help=f"CSV with a header: any of {','.join(IDENTITY)} (and id).")
    ],
    agency: Annotated[str, typer.Option("--agency", help="The agency sharing the extract.")],
    professional: Annotated[
        str | None, typer.Option("--as", help="Share as this professional of the agency.")
    ] = None,
    category: Annotated[ShareCategory, typer.Option(help="Category of each share.")] = (
        ShareCategory.UPDATE
    ),
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Rows per transaction.")
    ] = BATCH,
    database: Annotated[str | None, typer.Option(help="Database URL.")] = None,
) -> None:
    """Share every row of an agency extract through the share path: each row is linked to the
    register, and the same rules raise the same alerts as a share made in the web form.

    Rows are checked before anything is written; a bad row is reported and skipped. Each
    batch is saved whole or not at all, so if a run stops, run the same command again: rows
    already shared are skipped, never shared twice. Exits 1 if any row was refused."""
    engine = make_engine(database or Settings().database_url)
    try:
        _screen(
            UnitOfWork(engine, SystemClock()), extract, agency, professional, category, batch_size
        )
    finally:
        engine.dispose()


def _sharer(uow: UnitOfWork, agency: str, professional: str | None) -> str:
    """The professional the extract is shared as: the one named, or the agency's first."""
    with uow.transaction() as s:
        query = sa.select(ProfessionalRow.id).where(
            ProfessionalRow.agency_id == agency, ProfessionalRow.active.is_(True)
        )
        if professional is not None:
            query = query.where(ProfessionalRow.id == professional)
        found = s.scalars(query.order_by(ProfessionalRow.id)).first()
    if found is None:
        raise typer.BadParameter(f"no active professional of agency {agency!r} to share as")
    return found


class _RowsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} rows/s" if speed else "- rows/s", style="progress.data.speed")


def _screen(
    uow: UnitOfWork,
    path: Path,
    agency: str,
    professional: str | None,
    category: ShareCategory,
    batch_size: int,
) -> None:
    actor = _sharer(uow, agency, professional)
    try:
        extract = read_extract(path, category=category)
    except (ExtractError, OSError) as exc:
        raise typer.BadParameter(f"{path}: {exc}") from exc
    started = time.perf_counter()
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        _RowsPerSecond(), TimeElapsedColumn(), TimeRemainingColumn(),
                        console=err)  # fmt: skip
    with progress:
        task = progress.add_task("screening", total=len(extract.rows))
        try:
            summary = screen_extract(
                uow,
                extract,
                actor_id=actor,
                batch_size=batch_size,
                progress=lambda rows: progress.advance(task, rows),
            )
        except KeyboardInterrupt:
            _stopped(progress, len(extract.rows), "interrupted")
            raise typer.Exit(130) from None
        except sa.exc.SQLAlchemyError as exc:
            _stopped(progress, len(extract.rows), f"the database failed: {type(exc).__name__}")
            raise typer.Exit(2) from exc
    _report(summary, time.perf_counter() - started)
    if summary.refused:
        raise typer.Exit(1)


def _stopped(progress: Progress, rows: int, why: str) -> None:
    progress.stop()
    done = int(progress.tasks[0].completed)
    err.print(
        f"[bold red]Stopped after {done:,} of {rows:,} rows ({why}).[/] Every batch that "
        "finished is saved; run the same command again to screen the rest (rows already "
        "shared are skipped, never shared twice)."
    )


def _report(summary: ScreenSummary, seconds: float) -> None:
    """Counts only: which row linked to whom, or raised what, is for the professionals told."""
    rate = summary.rows / seconds if seconds else 0.0
    err.print(
        f"Screened {summary.rows:,} rows in {seconds:.1f}s ({rate:,.0f} rows/s): "
        f"{summary.shared:,} shared ({summary.linked:,} linked to the register), "
        f"{summary.already:,} already screened, {len(summary.refused):,} refused.",
        highlight=False,
    )
    if summary.alerts:
        kinds = "; ".join(f"{kind} {n:,}" for kind, n in sorted(summary.alerts.items()))
        err.print(f"Alerts raised: {kinds}.", highlight=False)
    if summary.refused:
        err.print("Refused (nothing was written for these rows):", highlight=False)
        for row in summary.refused[:SHOWN_REFUSALS]:
            err.print(f"  row {row.number}, {row.field}: {row.problem}", highlight=False)
        if len(summary.refused) > SHOWN_REFUSALS:
            err.print(f"  ... and {len(summary.refused) - SHOWN_REFUSALS:,} more", highlight=False)
