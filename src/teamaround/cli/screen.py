"""`teamaround screen`: run a whole agency extract through the share path, row by row."""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from teamaround.adapters.db.engine import make_engine
from teamaround.adapters.db.tables import ContributionSubjectRow, ProfessionalRow
from teamaround.clock import SystemClock
from teamaround.domain.vocab import ShareCategory
from teamaround.services.commands import IdentityIn, ShareCreate
from teamaround.services.context import UnitOfWork
from teamaround.services.sharing import do_share
from teamaround.settings import Settings

err = Console(stderr=True, soft_wrap=True)
_IDENTITY = ("given", "family", "name", "dob", "nhs", "address", "phone", "sex")


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


def _share_of(row: dict[str, str], category: ShareCategory) -> ShareCreate:
    subject = IdentityIn(**{k: (row.get(k) or "").strip() or None for k in _IDENTITY})
    summary = (row.get("summary") or "").strip() or "Screened from the agency's extract."
    return ShareCreate(subjects=[subject], category=category, summary=summary)


def screen(
    extract: Annotated[Path, typer.Argument(help="CSV: any of given,family,name,dob,nhs,...")],
    agency: Annotated[str, typer.Option("--agency", help="The agency sharing the extract.")],
    professional: Annotated[
        str | None, typer.Option("--as", help="Share as this professional of the agency.")
    ] = None,
    category: Annotated[ShareCategory, typer.Option(help="Category of each share.")] = (
        ShareCategory.UPDATE
    ),
    database: Annotated[str | None, typer.Option(help="Database URL.")] = None,
) -> None:
    """Share every row of an agency extract through the share path: each row is linked to the
    register, and the same rules raise the same alerts as a share made in the web form."""
    engine = make_engine(database or Settings().database_url)
    try:
        _screen(UnitOfWork(engine, SystemClock()), extract, agency, professional, category)
    finally:
        engine.dispose()


def _screen(
    uow: UnitOfWork,
    extract: Path,
    agency: str,
    professional: str | None,
    category: ShareCategory,
) -> None:
    actor = _sharer(uow, agency, professional)
    with extract.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    started = time.perf_counter()
    shared = refused = 0
    contributions: list[str] = []
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=err)  # fmt: skip
    with progress:
        task = progress.add_task("screening", total=len(rows))
        for number, row in enumerate(rows, start=2):
            try:
                receipt = do_share(uow, actor_id=actor, share=_share_of(row, category))
            except ValidationError as exc:
                refused += 1
                err.print(f"line {number}: refused ({exc.errors()[0]['msg']})", highlight=False)
            else:
                shared += 1
                contributions.append(receipt.contribution_id)
            progress.advance(task)
    linked = _linked(uow, contributions)
    seconds = time.perf_counter() - started
    err.print(f"{shared} rows shared ({linked} linked to the register), {refused} refused, "
              f"in {seconds:.1f}s")  # fmt: skip
    if refused:
        raise typer.Exit(1)


def _linked(uow: UnitOfWork, contributions: list[str]) -> int:
    with uow.transaction() as s:
        return len(
            s.scalars(
                sa.select(ContributionSubjectRow.id).where(
                    ContributionSubjectRow.contribution_id.in_(contributions),
                    ContributionSubjectRow.person_id.is_not(None),
                )
            ).all()
        )
