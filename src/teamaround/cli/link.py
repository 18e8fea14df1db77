"""`teamaround link` and `teamaround model train`: batch linkage and retraining from the shell."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from teamaround.linkage.batch import (
    LinkEngine,
    feature_frame,
    link_files,
    read_records,
    train,
    write_pairs,
)
from teamaround.linkage.household_model import address_texts, train_households
from teamaround.linkage.model import COMPARISONS, load_model
from teamaround.linkage.synthetic import iter_rows, linkage_task

model_app = typer.Typer(help="The linkage model.", no_args_is_help=True)
err = Console(stderr=True, soft_wrap=True)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


_ENGINES: dict[str, LinkEngine] = {"duckdb": "duckdb", "splink-duckdb": "splink-duckdb",
                                    "spark": "spark"}  # fmt: skip


class _Bars:
    """Rich bars for the engine's blocking and scoring (`pairscore.LinkProgress`)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.blocking: TaskID | None = None
        self.scoring: TaskID | None = None
        self.found = 0
        self.kept = 0

    def blocked(self, rows: int, total_rows: int, pairs: int) -> None:
        if self.blocking is None or self.scoring is None:
            self.blocking = self.progress.add_task("blocking (left records)", total=total_rows)
            self.scoring = self.progress.add_task("scoring (key matches)", total=0)
        self.found += pairs
        self.progress.advance(self.blocking, rows)
        self.progress.update(self.scoring, total=self.found)

    def scored(self, pairs: int, kept: int) -> None:
        self.kept += kept
        if self.scoring is not None:
            self.progress.advance(self.scoring, pairs)


def link(
    left: Annotated[Path, typer.Argument(help="CSV: id and any of given,family,name,dob,...")],
    right: Annotated[Path, typer.Argument(help="CSV with the same kind of columns.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the pairs CSV.")],
    engine: Annotated[
        str,
        typer.Option(
            help="duckdb (ours: DuckDB blocking, numpy scoring), splink-duckdb "
            "(Splink's own predict) or spark (Splink on Spark)."
        ),
    ] = "duckdb",
    threshold: Annotated[float, typer.Option(help="Lowest match probability kept.")] = 0.95,
    model: Annotated[Path | None, typer.Option(help="Model file; default: shipped.")] = None,
) -> None:
    """Link two files: one row per LEFT record's best match at or over the threshold, with the
    level and weight of every field, so each accepted link can be checked by a person."""
    chosen = _ENGINES.get(engine)
    if chosen is None:
        raise typer.BadParameter("engine must be duckdb, splink-duckdb or spark")
    left_rows, right_rows = read_records(left), read_records(right)
    started = time.perf_counter()
    with _progress() as progress:
        task = progress.add_task("standardising", total=len(left_rows) + len(right_rows))
        bars = _Bars(progress)
        splink = None if chosen == "duckdb" else progress.add_task(
            "Splink predict (" + ("Spark" if chosen == "spark" else "DuckDB") + ")", total=None,
            start=False)  # fmt: skip

        def standardised(n: int) -> None:
            progress.advance(task, n)
            if splink is not None and progress.tasks[task].finished:
                progress.start_task(splink)

        pairs = link_files(
            load_model(model),
            left_rows,
            right_rows,
            engine=chosen,
            threshold=threshold,
            progress=standardised,
            link_progress=bars,
        )
        if splink is not None:
            progress.update(splink, total=1, completed=1)
    write_pairs(out, pairs)
    seconds = time.perf_counter() - started
    err.print(f"{len(pairs)} of {len(left_rows)} left records linked in {seconds:.1f}s -> {out}")


@model_app.command("train")
def model_train(
    out: Annotated[Path, typer.Option("--out", help="Where to write the model JSON.")],
    version: Annotated[str, typer.Option(help="Version recorded in the file.")] = "default-v3",
    left: Annotated[Path | None, typer.Option(help="Register CSV to train on.")] = None,
    right: Annotated[Path | None, typer.Option(help="Records being linked, CSV.")] = None,
    synthetic: Annotated[
        int, typer.Option(help="Without files: train on this many invented register people.")
    ] = 20_000,
    seed: Annotated[int, typer.Option(help="Seed for invented data and u sampling.")] = 7,
    max_pairs: Annotated[float, typer.Option(help="Pairs sampled to estimate u.")] = 5e6,
    households: Annotated[
        bool | None,
        typer.Option(
            "--households/--hand-set-households",
            help="Train the household model too (default: from files yes; on invented "
            "records no, their streets and postcodes are not England's).",
        ),
    ] = None,
) -> None:
    """Estimate m and u with Splink (u by random sampling, m by EM) and write a model file."""
    if (left is None) != (right is None):
        raise typer.BadParameter("give both --left and --right, or neither")
    if left is not None and right is not None:
        left_rows, right_rows = read_records(left), read_records(right)
        source = {"left": left.name, "right": right.name}
    else:
        task = linkage_task(synthetic, synthetic // 2, seed=seed)
        left_rows, right_rows = list(iter_rows(task.left)), list(iter_rows(task.right))
        source = {"synthetic_seed": str(seed)}
    with _progress() as progress:
        bar = progress.add_task("standardising", total=len(left_rows) + len(right_rows))
        frames = [
            feature_frame(rows, progress=lambda n: progress.advance(bar, n))
            for rows in (left_rows, right_rows)
        ]
    trained = train(frames[0], frames[1], version=version, max_pairs=max_pairs, seed=seed,
                    trained_on=source)  # fmt: skip
    if households if households is not None else left is not None:
        doors = train_households(address_texts(left_rows), address_texts(right_rows),
                                 max_pairs=min(max_pairs, 1e6), seed=seed)  # fmt: skip
        facts = doors.facts
        trained = replace(trained, households=doors.m_u,
                          trained_on={**trained.trained_on, "household_model": facts})  # fmt: skip
        kept = ", ".join(facts["hand_set_levels"]) or "none"
        counted = f"{facts['left_addresses']} + {facts['right_addresses']} addresses"
        err.print(f"household model trained on {counted}; hand-set levels kept: {kept}")
    else:
        hand_set = {**trained.trained_on, "household_model": "hand-set"}
        trained = replace(trained, trained_on=hand_set)
        err.print("household model: hand-set (HOUSEHOLD_M_U)")
    trained.save(out)
    err.print(f"model {version} written to {out} (lambda = {trained.prior:.3g})")
    policy_words = {c.field: c.levels[-1].words for c in COMPARISONS}
    for policy, counted in trained.trained_on["households"].items():
        err.print(f"{counted['pattern']}: {counted['pairs_within_files']} pairs within the "
                  f"files, {counted['expected_by_chance']:.3g} expected by chance; "
                  f"\"{policy_words[policy]}\" is {counted['policy_level']}")  # fmt: skip
