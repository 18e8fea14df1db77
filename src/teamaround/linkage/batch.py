"""Whole-file linkage and model training: our own engine on DuckDB, or Splink.

Splink is the reference: it trains the model (u by random sampling, m by EM, term frequencies
from the data), and its `predict` (on DuckDB, or on Spark for a national extract) is what
`linkage/pairscore.py`, the default engine of `teamaround link`, must equal pair for pair.
The real-time index (linkage/realtime.py) scores with the same model and must agree too.
"""

from __future__ import annotations

import csv
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from teamaround.linkage.features import Features, record_features
from teamaround.linkage.model import (
    COMPARISONS,
    HOUSEHOLD_PATTERNS,
    Dialect,
    HouseholdPattern,
    LevelParameters,
    Model,
    model_from_splink,
    splink_settings,
)
from teamaround.linkage.pairscore import BLOCKING_RULES, LinkProgress
from teamaround.linkage.pairscore import predict as predict_ours

if TYPE_CHECKING:
    import pandas as pd

Engine = Literal["duckdb", "spark"]
"""Where Splink runs."""
LinkEngine = Literal["duckdb", "splink-duckdb", "spark"]
"""`teamaround link --engine`: ours (DuckDB blocking, numpy scoring), or Splink on either."""

INPUT_COLUMNS = ("id", "given", "family", "name", "dob", "sex", "nhs", "address", "postcode",
                 "phone")  # fmt: skip


def read_records(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV with any of INPUT_COLUMNS; other columns are ignored, `id` is required."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "id" not in reader.fieldnames:
            raise ValueError(f"{path} needs a header row with an 'id' column")
        return [{k: (row.get(k) or "").strip() for k in INPUT_COLUMNS} for row in reader]


def features_of(row: Mapping[str, str | None], today: date | None = None) -> Features:
    """One raw row's comparable columns."""
    return record_features(
        given=row.get("given") or None,
        family=row.get("family") or None,
        name=row.get("name") or None,
        dob=row.get("dob") or None,
        nhs=row.get("nhs") or None,
        address=row.get("address") or None,
        postcode=row.get("postcode") or None,
        phone=row.get("phone") or None,
        sex=row.get("sex") or None,
        today=today,
    )


def feature_frame(
    rows: Iterable[Mapping[str, str | None]],
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """A DataFrame of features, one row per record, typed so DuckDB and Spark read it alike."""
    import pandas as pd

    out = []
    for row in rows:
        out.append(features_of(row, today).as_row(str(row["id"])))
        if progress:
            progress(1)
    frame = pd.DataFrame(out)
    for column in ("dob_days", "dob_year"):
        frame[column] = frame[column].astype("Int64")
    return frame


# --------------------------------------------------------------------------- engines


def _quiet_splink() -> None:
    logging.getLogger("splink").setLevel(logging.WARNING)


def duckdb_api() -> Any:
    from splink import DuckDBAPI

    return DuckDBAPI()


_SPARK: Any = None

# Spark pushes Splink's `match_weight >= threshold` down through the projections into the
# join with the right-hand records, substituting every alias: each level's CASE is then
# inlined into each Bayes factor's branches and evaluated again and again for every pair,
# ~15x slower (and over Java's 64 KB method limit). Without that rule the comparison
# vectors, the factors and the weight are each computed once, and the filter reads them.
_KEEP_FILTERS_IN_PLACE = "org.apache.spark.sql.catalyst.optimizer.PushDownPredicates"

SPARK_DEFAULTS = {
    "spark.sql.optimizer.excludedRules": _KEEP_FILTERS_IN_PLACE,
    "spark.sql.shuffle.partitions": "2",
    "spark.sql.adaptive.enabled": "false",
    "spark.ui.enabled": "false",
    "spark.driver.memory": "2g",
}


def spark_settings(overrides: str) -> dict[str, str]:
    """Local Spark's settings: the defaults (small jobs, tests), each overridable by
    `key=value,key=value` (TEAMAROUND_SPARK_CONF; a national extract needs more memory)."""
    settings = dict(SPARK_DEFAULTS)
    for item in filter(None, (part.strip() for part in overrides.split(","))):
        key, equals, value = item.partition("=")
        if not equals or not key.strip().startswith("spark.") or not value.strip():
            raise ValueError(f"TEAMAROUND_SPARK_CONF: {item!r} is not spark.<setting>=<value>")
        settings[key.strip()] = value.strip()
    return settings


def spark_session() -> Any:
    """One local Spark session per process: starting the JVM costs seconds."""
    global _SPARK  # the JVM is a process-wide resource
    if _SPARK is None:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location

        builder = SparkSession.builder.master("local[2]").appName("teamaround-link")
        for key, value in spark_settings(os.environ.get("TEAMAROUND_SPARK_CONF", "")).items():
            builder = builder.config(key, value)
        _SPARK = builder.config("spark.jars", similarity_jar_location()).getOrCreate()
        _SPARK.sparkContext.setLogLevel("ERROR")
    return _SPARK


def _spark_frame(frame: pd.DataFrame) -> Any:
    from pyspark.sql import types as T  # noqa: N812  # Spark's own convention

    text = T.StringType()
    fields = []
    for column in frame.columns:
        if column == "given_variants":
            kind: Any = T.ArrayType(text)
        elif column in {"dob_days", "dob_year"}:
            kind = T.LongType()
        elif column in {"given_known", "nhs_valid"}:
            kind = T.BooleanType()
        else:
            kind = text
        fields.append(T.StructField(column, kind, True))
    records = [
        {k: (None if _is_missing(v) else (list(v) if k == "given_variants" else v))
         for k, v in row.items()}
        for row in frame.to_dict("records")
    ]  # fmt: skip
    for record in records:
        for key in ("dob_days", "dob_year"):
            value = record[key]
            if value is not None:
                record[key] = int(str(value))
    return spark_session().createDataFrame(records, T.StructType(fields))


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value)) if not isinstance(value, list | tuple) else False
    except (TypeError, ValueError):
        return False


def _register(engine: Engine, frames: list[pd.DataFrame]) -> tuple[Any, list[Any]]:
    _quiet_splink()
    if engine == "spark":
        from splink import SparkAPI

        api = SparkAPI(  # type: ignore[no-untyped-call]  # Splink's Spark API is untyped
            spark_session=spark_session(),
            break_lineage_method="persist",
            num_partitions_on_repartition=2,
        )
        tables = [api.register(_spark_frame(f), table_name=f"t{i}") for i, f in enumerate(frames)]
        return api, tables
    api = duckdb_api()
    return api, [api.register(f, table_name=f"t{i}") for i, f in enumerate(frames)]


def _dialect(engine: Engine) -> Dialect:
    return "spark" if engine == "spark" else "duckdb"


# --------------------------------------------------------------------------- training


def train(
    left: pd.DataFrame,
    right: pd.DataFrame,
    *,
    version: str,
    max_pairs: float = 2e6,
    seed: int = 42,
    trained_on: Mapping[str, Any] | None = None,
) -> Model:
    """Estimate the model as Splink does: lambda from near-certain rules, u by random
    sampling, m by EM over two blocking passes so every comparison gets trained.

    The policy levels (ADR 0003 point 5) keep their fixed m or u, except a household policy
    level (HOUSEHOLD_PATTERNS) when the data show none of its households beyond chance
    (`HouseholdEvidence.beyond_chance`): that level is then estimated by EM like any other,
    in a second training. What was counted, and what each policy became, is in the model's
    `trained_on`."""
    model = _estimate(left, right, version, max_pairs, seed, estimated=frozenset())
    observed = household_pairs(model, [left, right])
    pairs = sum(len(frame) * (len(frame) - 1) // 2 for frame in (left, right))
    evidence = [
        (pattern, HouseholdEvidence(observed[pattern.policy], expected(model, pattern, pairs)))
        for pattern in HOUSEHOLD_PATTERNS
    ]
    estimated = frozenset(p.policy for p, e in evidence if not e.beyond_chance)
    if estimated:
        model = _estimate(left, right, version, max_pairs, seed, estimated=estimated)
    facts: dict[str, Any] = {
        "left_records": len(left),
        "right_records": len(right),
        "splink_max_pairs": max_pairs,
        "households": {
            pattern.policy: {
                "pattern": pattern.who,
                "pairs_within_files": e.observed,
                "expected_by_chance": float(f"{e.expected:.3g}"),
                "policy_level": "estimated" if pattern.policy in estimated else "fixed",
            }
            for pattern, e in evidence
        },
    }
    return replace(model, trained_on={**facts, **(trained_on or {})})


def _estimate(
    left: pd.DataFrame,
    right: pd.DataFrame,
    version: str,
    max_pairs: float,
    seed: int,
    *,
    estimated: frozenset[str],
) -> Model:
    from splink import Linker

    _api, tables = _register("duckdb", [left, right])
    settings = splink_settings("duckdb", None, link_type="link_only", prior=1e-4)
    _free_policy_levels(settings, estimated)
    linker = Linker(tables, settings)
    linker.training.estimate_probability_two_random_records_match(
        ["l.nhs = r.nhs AND l.dob = r.dob", "l.given = r.given AND l.family = r.family "
         "AND l.dob = r.dob"],
        recall=0.8,
    )  # fmt: skip
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    linker.training.estimate_parameters_using_expectation_maximisation("l.dob = r.dob")
    linker.training.estimate_parameters_using_expectation_maximisation(
        "l.family_mp = r.family_mp AND l.given_mp = r.given_mp"
    )
    linker.training.estimate_parameters_using_expectation_maximisation("l.postcode = r.postcode")
    saved = linker.misc.save_model_to_json()
    trained = model_from_splink(saved, version=version, trained_on={},
                                estimated_policies=estimated)  # fmt: skip
    return no_level_below_disagreement(trained)


@dataclass(frozen=True, slots=True)
class HouseholdEvidence:
    """Pairs of one household's pattern found inside the files, and how many independence
    (the model's u) predicts among as many pairs of different people."""

    observed: int
    expected: float

    @property
    def beyond_chance(self) -> bool:
        """More than chance would give once in a thousand trainings (Poisson). A file
        with no such pair at all never shows households; one pair beyond a tiny expectation
        does: the policy stays unless the data show it has nothing to guard against."""
        from scipy.stats import poisson

        return self.observed > 0 and float(poisson.sf(self.observed - 1, self.expected)) < 1e-3


# Every pair a household pattern can hold agrees on family name and on birthday or first name.
_HOUSEHOLD_BLOCKS = (
    "l.family = r.family AND l.dob = r.dob",
    "l.given = r.given AND l.family = r.family",
)


def household_pairs(model: Model, frames: list[pd.DataFrame]) -> dict[str, int]:
    """Per household pattern, the pairs of records within each frame that show it, by
    Splink's own comparison vectors (each frame deduplicated against itself)."""
    from splink import Linker

    counts = dict.fromkeys((pattern.policy for pattern in HOUSEHOLD_PATTERNS), 0)
    for frame in frames:
        if len(frame) < 2:
            continue
        _api, tables = _register("duckdb", [frame])
        settings = splink_settings("duckdb", model, link_type="dedupe_only")
        settings["blocking_rules_to_generate_predictions"] = [
            {"blocking_rule": rule, "sql_dialect": "duckdb"} for rule in _HOUSEHOLD_BLOCKS
        ]
        predictions = Linker(tables[0], settings).inference.predict()
        pairs = predictions.as_pandas_dataframe()  # type: ignore[no-untyped-call]  # Splink is untyped
        for pattern in HOUSEHOLD_PATTERNS:
            shows = pairs[f"gamma_{pattern.policy}"] == 0
            for field, levels in pattern.agree.items():
                shows &= pairs[f"gamma_{field}"].isin(_gammas(field, levels))
            counts[pattern.policy] += int(shows.sum())
    return counts


def expected(model: Model, pattern: HouseholdPattern, pairs: int) -> float:
    """How many of `pairs` pairs of different people show the pattern if, as the model
    assumes, the comparisons were independent: pairs x the product of the levels' u."""
    share = model.parameters[pattern.policy][-1].u
    for field, levels in pattern.agree.items():
        share *= sum(model.parameters[field][_position(field, name)].u for name in levels)
    return pairs * share


def _position(field: str, level: str) -> int:
    """Where the level stands in its comparison, first level 0."""
    comparison = next(c for c in COMPARISONS if c.field == field)
    return [lv.name for lv in comparison.levels].index(level)


def _gammas(field: str, levels: tuple[str, ...]) -> list[int]:
    """Splink's comparison vector values of these levels (the ELSE level is 0)."""
    count = len(next(c for c in COMPARISONS if c.field == field).levels)
    return [count - 1 - _position(field, name) for name in levels]


def no_level_below_disagreement(model: Model) -> Model:
    """Raise the m of any level that weighs less than its comparison's ELSE ("differs") level
    to weigh the same: agreeing a little is never worse evidence than not agreeing at all.

    EM drives the m of a level the training data rarely shows towards zero (trained on FEBRL4,
    which has few day/month swaps, "date of birth transposed" came out at -93 bits), and an
    unobserved level keeps Splink's m of 1e-6 against a sampled u; either would then outweigh
    even a valid NHS number. Policy levels (fixed m) are left as they are."""
    parameters = dict(model.parameters)
    for comparison in COMPARISONS:
        levels = parameters[comparison.field]
        floor = levels[-1].weight
        parameters[comparison.field] = tuple(
            LevelParameters(p.u * 2.0**floor, p.u)
            if p.weight < floor and model.fixed_m(comparison, level) is None
            else p
            for level, p in zip(comparison.levels, levels, strict=True)
        )
    return replace(model, parameters=parameters)


def _free_policy_levels(settings: Mapping[str, Any], estimated: frozenset[str]) -> None:
    """Drop from Splink settings the fixed m of these comparisons' household policy levels,
    so EM estimates them."""
    for comparison in settings["comparisons"]:
        if comparison["output_column_name"] in estimated:
            level = comparison["comparison_levels"][-1]
            if level.pop("fix_m_probability", False):
                level.pop("m_probability", None)


# --------------------------------------------------------------------------- linking


@dataclass(frozen=True, slots=True)
class LinkedPair:
    """A left record's accepted match, with each comparison's level and weight."""

    left_id: str
    right_id: str
    probability: float
    match_weight: float
    levels: Mapping[str, str]
    weights: Mapping[str, float]

    def row(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "left_id": self.left_id,
            "right_id": self.right_id,
            "probability": f"{self.probability:.6f}",
            "match_weight": f"{self.match_weight:.3f}",
        }
        for field in self.levels:
            out[f"{field}_level"] = self.levels[field]
            out[f"{field}_weight"] = f"{self.weights[field]:.3f}"
        evidence = [
            f"{field} {level} ({self.weights[field]:+.1f})"
            for field, level in self.levels.items()
            if level != "null"
        ]
        out["evidence"] = "; ".join(evidence)
        return out


def predict_pairs(
    model: Model,
    left: pd.DataFrame,
    right: pd.DataFrame,
    *,
    engine: Engine = "duckdb",
    threshold: float | None = 0.5,
) -> pd.DataFrame:
    """Splink's scored candidate pairs between two feature frames (every pair at or over the
    threshold; 0 or None: every candidate pair), blocked on the real-time index's keys."""
    from splink import Linker

    api, tables = _register(engine, [left, right])
    settings = splink_settings(_dialect(engine), model, link_type="link_only")
    settings["blocking_rules_to_generate_predictions"] = [
        {"blocking_rule": rule, "sql_dialect": _dialect(engine)} for rule in BLOCKING_RULES
    ]
    linker = Linker(tables, settings)
    predictions = linker.inference.predict(threshold_match_probability=threshold or None)
    frame: pd.DataFrame = predictions.as_pandas_dataframe()  # type: ignore[no-untyped-call]
    _ = api
    return frame


def best_pairs(predictions: pd.DataFrame, left_ids: set[str]) -> list[LinkedPair]:
    """One row per left record: its most probable right record (ties broken by id)."""
    if predictions.empty:
        return []
    frame = predictions.copy()
    left_is_l = frame["unique_id_l"].astype(str).isin(left_ids) & (
        frame["source_dataset_l"] == "t0"
    )
    frame["left_id"] = frame["unique_id_l"].where(left_is_l, frame["unique_id_r"]).astype(str)
    frame["right_id"] = frame["unique_id_r"].where(left_is_l, frame["unique_id_l"]).astype(str)
    frame = frame.sort_values(["left_id", "match_probability", "right_id"],
                              ascending=[True, False, True])  # fmt: skip
    frame = frame.drop_duplicates("left_id", keep="first")
    pairs = []
    for row in frame.to_dict("records"):
        levels, weights = {}, {}
        for comparison in COMPARISONS:
            index = int(row[f"gamma_{comparison.field}"])
            count = len(comparison.levels)
            levels[comparison.field] = (
                "null" if index < 0 else comparison.levels[count - 1 - index].name
            )
            weights[comparison.field] = float(row.get(f"mw_{comparison.field}", 0.0) or 0.0) + (
                float(row.get(f"mw_tf_adj_{comparison.field}", 0.0) or 0.0)
            )
        pairs.append(
            LinkedPair(
                left_id=row["left_id"],
                right_id=row["right_id"],
                probability=float(row["match_probability"]),
                match_weight=float(row["match_weight"]),
                levels=levels,
                weights=weights,
            )
        )
    return pairs


def link_frames(
    model: Model,
    left: pd.DataFrame,
    right: pd.DataFrame,
    *,
    engine: LinkEngine = "duckdb",
    threshold: float = 0.5,
    progress: LinkProgress | None = None,
) -> pd.DataFrame:
    """Every candidate pair at or over the threshold, with Splink's columns, from either
    engine: ours (`duckdb`, the default) or Splink's `predict` (`splink-duckdb`, `spark`)."""
    if engine == "duckdb":
        return predict_ours(model, left, right, threshold=threshold, progress=progress)
    splink_engine: Engine = "spark" if engine == "spark" else "duckdb"
    return predict_pairs(model, left, right, engine=splink_engine, threshold=threshold)


def link_files(
    model: Model,
    left_rows: list[dict[str, str]],
    right_rows: list[dict[str, str]],
    *,
    engine: LinkEngine = "duckdb",
    threshold: float = 0.5,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
    link_progress: LinkProgress | None = None,
) -> list[LinkedPair]:
    """Link two record lists and keep each left record's best match over the threshold."""
    left = feature_frame(left_rows, today, progress)
    right = feature_frame(right_rows, today, progress)
    predictions = link_frames(model, left, right, engine=engine, threshold=threshold,
                              progress=link_progress)  # fmt: skip
    return best_pairs(predictions, {str(r["id"]) for r in left_rows})


def write_pairs(path: Path, pairs: list[LinkedPair]) -> None:
    fields = ["left_id", "right_id", "probability", "match_weight"]
    for comparison in COMPARISONS:
        fields += [f"{comparison.field}_level", f"{comparison.field}_weight"]
    fields.append("evidence")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for pair in pairs:
            writer.writerow(pair.row())
