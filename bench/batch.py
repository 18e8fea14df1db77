"""Batch linkage: our engine (DuckDB blocking, numpy scoring) against Splink's own `predict`.

    .venv/bin/python bench/batch.py --register 100000 --extract 20000
    .venv/bin/python bench/batch.py --register 1000000 --extract 200000 --cache /tmp/batch-1m

The job `teamaround link EXTRACT.csv REGISTER.csv` does: invented English records
(linkage/synthetic.py `linkage_task`), the extract on the left, the shipped model, threshold
0.95, blocking on the real-time index's keys (pairscore.BLOCKING_RULES), each left record's
best pair. Both engines start from the same standardised feature frames (the standardisation,
which both need, is timed on its own) and run in the same process, one after the other.
Reported: precision / recall / F1 against the invented truth, wall time, and how many pairs
the two give identically (and the largest match-weight difference between them).
With --spark, Splink's Spark backend (local[2]) runs the same job too.
"""

from __future__ import annotations

import argparse
import gc
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd
import psutil
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from teamaround.linkage.batch import LinkedPair, best_pairs, feature_frame, link_frames
from teamaround.linkage.model import load_model
from teamaround.linkage.synthetic import iter_rows, linkage_task

sys.path.insert(0, str(Path(__file__).parent))
from synthetic import _scores

THRESHOLD = 0.95


class _Bars:
    """Rich bars for our engine's blocking and scoring (LinkProgress)."""

    def __init__(self, progress: Progress, left: int) -> None:
        self.progress = progress
        self.blocking = progress.add_task("blocking (left records)", total=left)
        self.scoring = progress.add_task("scoring (key matches)", total=0)
        self.found = 0

    def blocked(self, rows: int, total_rows: int, pairs: int) -> None:
        self.found += pairs
        self.progress.update(self.blocking, advance=rows, total=total_rows)
        self.progress.update(self.scoring, total=self.found)

    def scored(self, pairs: int, kept: int) -> None:
        self.progress.advance(self.scoring, pairs)


Frames = tuple[pd.DataFrame, pd.DataFrame, set[tuple[str, str]], float]


def _frames(args: argparse.Namespace, console: Console) -> Frames:
    """The extract's and the register's feature frames, the truth, and standardisation time;
    with --cache, read from (or written to) that folder."""
    cache = Path(args.cache) if args.cache else None
    if cache and (cache / "truth.parquet").exists():
        left = pd.read_parquet(cache / "left.parquet")
        right = pd.read_parquet(cache / "right.parquet")
        for frame in (left, right):
            frame["given_variants"] = frame["given_variants"].map(
                lambda v: None if v is None else [str(x) for x in v]
            )
        truth_frame = pd.read_parquet(cache / "truth.parquet")
        truth = set(zip(truth_frame["left"], truth_frame["right"], strict=True))
        console.print(f"read {len(left):,} + {len(right):,} standardised records from {cache}")
        return left, right, truth, float((cache / "standardise.txt").read_text())
    started = time.perf_counter()
    task = linkage_task(args.register, args.extract, seed=args.seed)
    console.print(f"generated {len(task.left):,} + {len(task.right):,} records "
                  f"in {time.perf_counter() - started:.1f}s")  # fmt: skip
    truth = {(right, left) for left, right in task.truth()}
    started = time.perf_counter()
    left = feature_frame(iter_rows(task.right))
    right = feature_frame(iter_rows(task.left))
    seconds = time.perf_counter() - started
    if cache:
        cache.mkdir(parents=True, exist_ok=True)
        left.to_parquet(cache / "left.parquet")
        right.to_parquet(cache / "right.parquet")
        pairs = sorted(truth)
        pd.DataFrame({"left": [a for a, _ in pairs], "right": [b for _, b in pairs]}).to_parquet(
            cache / "truth.parquet"
        )
        (cache / "standardise.txt").write_text(f"{seconds}\n")
    return left, right, truth, seconds


def _run(name: str, job: Any, console: Console) -> tuple[pd.DataFrame, float, float]:
    """Run one engine: its result, wall time, and peak RSS above the RSS it started at."""
    gc.collect()
    process = psutil.Process()
    before = process.memory_info().rss
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            peak[0] = max(peak[0], process.memory_info().rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    predictions = job()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    grown = (max(peak[0], process.memory_info().rss) - before) / 2**20
    console.print(f"{name}: {len(predictions):,} pairs at or over {THRESHOLD} in {seconds:.1f}s")
    return predictions, seconds, grown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--register", type=int, default=1_000_000)
    parser.add_argument("--extract", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--cache", help="folder for the standardised frames (reused if there)")
    parser.add_argument("--spark", action="store_true", help="also run Splink on Spark")
    parser.add_argument("--no-splink", action="store_true", help="ours only")
    args = parser.parse_args()
    console = Console(width=150)
    left, right, truth, standardise = _frames(args, console)
    left_ids = set(left["unique_id"].astype(str))
    model = load_model()

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console) as progress:  # fmt: skip
        bars = _Bars(progress, len(left))
        ours = _run("ours", lambda: link_frames(model, left, right, threshold=THRESHOLD,
                                                progress=bars), console)  # fmt: skip
    runs: dict[str, tuple[pd.DataFrame, float, float]] = {"TeamAround (DuckDB + numpy)": ours}
    if not args.no_splink:
        runs["Splink 5 predict (DuckDB)"] = _run(
            "Splink DuckDB",
            lambda: link_frames(model, left, right, engine="splink-duckdb", threshold=THRESHOLD),
            console,
        )
    if args.spark:
        runs["Splink 5 predict (Spark local[2])"] = _run(
            "Splink Spark",
            lambda: link_frames(model, left, right, engine="spark", threshold=THRESHOLD),
            console,
        )

    best: dict[str, list[LinkedPair]] = {
        name: best_pairs(frame, left_ids) for name, (frame, _, _) in runs.items()
    }
    ours_name = next(iter(runs))
    ours_pairs = {(p.left_id, p.right_id): p for p in best[ours_name]}
    ours_all = runs[ours_name][0].set_index(["unique_id_l", "unique_id_r"])["match_weight"]

    table = Table(title=f"batch linkage: extract {len(left):,} against register {len(right):,}, "
                        f"{len(truth):,} true pairs, threshold {THRESHOLD}")  # fmt: skip
    columns = ("engine", "precision", "recall", "F1", "wall time (s)", "peak RSS growth (MiB)",
               "pairs >= threshold", "pairs also ours", "best pairs identical to ours",
               "max |mw diff|")  # fmt: skip
    for column in columns:
        table.add_column(column, justify="right" if column != "engine" else "left")
    for name, (frame, seconds, grown) in runs.items():
        found = {(p.left_id, p.right_id) for p in best[name]}
        precision, recall, f1 = _scores(found, truth)
        same = sum(1 for pair in best[name] if (pair.left_id, pair.right_id) in ours_pairs)
        weights = frame.set_index(["unique_id_l", "unique_id_r"])["match_weight"]
        joined = pd.concat([ours_all, weights], axis=1, join="inner")
        diff = (joined.iloc[:, 0] - joined.iloc[:, 1]).abs().max() if len(joined) else 0.0
        table.add_row(name, f"{precision:.4f}", f"{recall:.4f}", f"{f1:.4f}", f"{seconds:.1f}",
                      f"{grown:,.0f}", f"{len(frame):,}", f"{len(joined):,}",
                      f"{same:,} of {len(best[name]):,}", f"{diff:.2e}")  # fmt: skip
    console.print(table)
    console.print(f"feature standardisation (both engines need it, not in the times above): "
                  f"{standardise:.1f}s for {len(left) + len(right):,} records")  # fmt: skip
    if len(runs) > 1:
        splink_seconds = runs["Splink 5 predict (DuckDB)"][1] if not args.no_splink else 0.0
        if splink_seconds:
            console.print(f"wall time ratio, Splink DuckDB / ours: "
                          f"{splink_seconds / ours[1]:.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()
