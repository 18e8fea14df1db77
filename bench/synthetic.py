"""Benchmark on invented English records: our real-time index against Splink, same data, same run.

    .venv/bin/python bench/synthetic.py --register 20000 --extract 2000

Ours: every extract record is linked one at a time as the share path links it (ModelMatcher and
`link_subject`'s rule: the one person at or above the threshold; two such people go to review),
and the per-record latency is reported. Splink: the same model and blocking rules,
`predict` on DuckDB over the whole extract, then each record's best pair. Both are also scored
at their best threshold, chosen knowing the answers; and, for latency,
Splink's own one-record path (`predict_between` with a one-row table) on a sample.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date

import pandas as pd
import psutil
from rich.console import Console
from rich.progress import track
from rich.table import Table

from teamaround.domain.identity import Identity
from teamaround.linkage.batch import best_pairs, feature_frame, predict_pairs
from teamaround.linkage.matcher import PotentialMatch, RegisterPerson
from teamaround.linkage.model import load_model
from teamaround.linkage.realtime import ModelMatcher
from teamaround.linkage.synthetic import Record, iter_rows, linkage_task
from teamaround.services.linking import link_subject, unambiguous

THRESHOLD = 0.95
TODAY = date(2025, 6, 1)


def _scores(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> tuple[float, float, float]:
    tp = len(found & truth)
    precision = tp / len(found) if found else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


FLOOR = 0.01
"""Both sides' candidates are kept down to here, so each side's best threshold is searched
over the whole range (the share path itself offers nothing under the review threshold)."""


def _thresholds() -> list[float]:
    return [t / 100 for t in range(1, 100)] + [0.995, 0.999]


def _ours_at(offered: dict[str, list[PotentialMatch]], t: float) -> set[tuple[str, str]]:
    """The share path's rule (`link_subject`) at threshold t."""
    found = set()
    for record_id, candidates in offered.items():
        best = unambiguous(tuple(candidates), t)
        if best is not None:
            found.add((record_id, best.person_id))
    return found


def _splink_best(predictions: pd.DataFrame, right_ids: set[str], truth: set[tuple[str, str]]
                 ) -> tuple[float, set[tuple[str, str]]]:  # fmt: skip
    """Splink's best pair per record at the threshold that maximises F1 (knowing the answers,
    so an upper bound for Splink)."""
    pairs = best_pairs(predictions, right_ids)

    def at(t: float) -> set[tuple[str, str]]:
        return {(p.left_id, p.right_id) for p in pairs if p.probability >= t}

    best = max(_thresholds(), key=lambda t: _scores(at(t), truth)[2])
    return best, at(best)


def _person(r: Record) -> RegisterPerson:
    address = ", ".join(x for x in (r.address, r.postcode) if x)
    born = date.fromisoformat(r.dob or "")
    homes = (address,) if address else ()
    return RegisterPerson(r.id, r.given or "", r.family or "", born, r.sex, r.nhs, r.phone,
                          addresses=homes)  # fmt: skip


def _identity(r: Record) -> Identity:
    address = ", ".join(x for x in (r.address, r.postcode) if x) or None
    return Identity(given=r.given, family=r.family, dob=r.dob, nhs=r.nhs, address=address,
                    phone=r.phone, sex=r.sex)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--register", type=int, default=20_000)
    parser.add_argument("--extract", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--splink-latency-sample", type=int, default=20)
    args = parser.parse_args()
    console = Console()
    task = linkage_task(args.register, args.extract, seed=args.seed)
    truth = {(right, left) for left, right in task.truth()}
    model = load_model().with_prior(1 / args.register)

    process = psutil.Process()
    before = process.memory_info().rss
    started = time.perf_counter()
    matcher = ModelMatcher((_person(r) for r in track(task.left, "index", console=console)),
                           model=model, today=TODAY)  # fmt: skip
    build = time.perf_counter() - started
    memory = (process.memory_info().rss - before) / 2**20
    latencies, ours, offered, reviewed = [], set(), {}, set()
    started = time.perf_counter()
    for record in track(task.right, "ours: one at a time", console=console):
        t = time.perf_counter()
        link = link_subject(matcher, _identity(record))  # the share path's decision
        latencies.append((time.perf_counter() - t) * 1000)
        if link.person is not None:
            ours.add((record.id, link.person.person_id))
        elif link.review is not None:
            reviewed.add((record.id, link.review.person_id))
    ours_time = time.perf_counter() - started
    for record in track(task.right, "ours: candidates down to the floor", console=console):
        offered[record.id] = matcher.match_person(_identity(record), floor=FLOOR)

    started = time.perf_counter()
    left = feature_frame(iter_rows(task.right), TODAY)
    right = feature_frame(iter_rows(task.left), TODAY)
    predictions = predict_pairs(model, left, right, threshold=FLOOR)
    right_ids = {r.id for r in task.right}
    splink = {(p.left_id, p.right_id) for p in best_pairs(predictions, right_ids)
              if p.probability >= THRESHOLD}  # fmt: skip
    splink_time = time.perf_counter() - started
    splink_best = _splink_best(predictions, right_ids, truth)
    ours_best = max(_thresholds(), key=lambda t: _scores(_ours_at(offered, t), truth)[2])

    from splink import Linker

    from teamaround.linkage.batch import _register
    from teamaround.linkage.model import splink_settings

    api, tables = _register("duckdb", [right])
    linker = Linker(tables, splink_settings("duckdb", model, link_type="link_only"))
    linker.table_management.compute_tf_table("given")
    linker.table_management.compute_tf_table("family")
    linker.table_management.compute_tf_table("postcode")
    one_record = []
    for i in track(range(args.splink_latency_sample), "splink: one at a time", console=console):
        single = api.register(left.iloc[[i]], table_name=f"q{i}")
        t = time.perf_counter()
        linker.inference.predict_between(single, tables[0]).as_pandas_dataframe()  # type: ignore[no-untyped-call]
        one_record.append((time.perf_counter() - t) * 1000)

    table = Table(title=f"synthetic English records: register {args.register:,}, extract "
                        f"{args.extract:,}, {len(truth):,} true pairs")  # fmt: skip
    for column in ("engine", "threshold", "precision", "recall", "F1", "wall time (s)"):
        table.add_column(column)
    rows = (
        ("TeamAround real-time (share path)", THRESHOLD, ours, ours_time),
        ("TeamAround, its best threshold", ours_best, _ours_at(offered, ours_best), ours_time),
        ("Splink 5 predict (DuckDB)", THRESHOLD, splink, splink_time),
        ("Splink 5, its best threshold", splink_best[0], splink_best[1], splink_time),
    )
    for name, threshold, found, seconds in rows:
        p, r, f = _scores(found, truth)
        table.add_row(name, f"{threshold:.2f}", f"{p:.4f}", f"{r:.4f}", f"{f:.4f}",
                      f"{seconds:.2f}")  # fmt: skip
    console.print(table)
    caught = len((ours | reviewed) & truth) / len(truth)
    wrong = len(reviewed - truth)
    console.print(f"ours: true pairs linked or offered to the SPOC for review: {caught:.4f} "
                  f"({len(reviewed):,} offered, {wrong:,} of them not the person)")  # fmt: skip
    lat = sorted(latencies)
    p50, p99 = lat[len(lat) // 2], lat[int(len(lat) * 0.99)]
    splink_p50 = statistics.median(one_record)
    console.print(f"ours: index build {build:.1f}s, index memory ~{memory:.0f} MiB, "
                  f"per record p50 {p50:.3f} ms, p99 {p99:.3f} ms")  # fmt: skip
    console.print(f"Splink predict_between one record: p50 {splink_p50:.1f} ms "
                  f"-> ours is {splink_p50 / p50:.0f}x faster per record")  # fmt: skip
    console.print(f"batch wall time ratio (Splink / ours): {splink_time / ours_time:.2f}")


if __name__ == "__main__":
    main()
