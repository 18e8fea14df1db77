"""`teamaround link`: our engine (the default), Splink on DuckDB and Splink on Spark give the same
accepted pairs, with evidence columns."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from teamaround.cli.main import app
from teamaround.linkage.matcher import HOUSEHOLD_M_U
from teamaround.linkage.model import COMPARISONS, load_model
from teamaround.linkage.synthetic import COLUMNS, linkage_task


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, set[tuple[str, str]]]:
    task = linkage_task(300, 120, seed=5, error_rate=0.2)
    folder = tmp_path_factory.mktemp("link")
    _write(folder / "left.csv", [r.row() for r in task.right])
    _write(folder / "right.csv", [r.row() for r in task.left])
    truth = {(right, left) for left, right in task.truth()}
    return folder / "left.csv", folder / "right.csv", truth


def _link(left: Path, right: Path, out: Path, *extra: str) -> list[dict[str, str]]:
    result = CliRunner().invoke(app, ["link", str(left), str(right), "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    with out.open() as handle:
        return list(csv.DictReader(handle))


def test_link_on_duckdb_finds_true_pairs_with_evidence(
    files: tuple[Path, Path, set[tuple[str, str]]], tmp_path: Path
) -> None:
    left, right, truth = files
    rows = _link(left, right, tmp_path / "pairs.csv")
    pairs = {(r["left_id"], r["right_id"]) for r in rows}
    assert len({r["left_id"] for r in rows}) == len(rows)  # one row per left record
    assert len(pairs & truth) / len(pairs) >= 0.98
    assert len(pairs & truth) / len(truth) >= 0.8
    assert all(float(r["probability"]) >= 0.95 for r in rows)
    assert {"given_level", "dob_weight", "evidence"} <= rows[0].keys()


def test_our_engine_gives_splinks_own_pairs(
    files: tuple[Path, Path, set[tuple[str, str]]], tmp_path: Path
) -> None:
    left, right, _ = files
    ours = _link(left, right, tmp_path / "ours.csv")
    splink = _link(left, right, tmp_path / "splink.csv", "--engine", "splink-duckdb")
    assert ours == splink  # every column, evidence included, as written


def test_link_refuses_an_unknown_engine(
    files: tuple[Path, Path, set[tuple[str, str]]], tmp_path: Path
) -> None:
    left, right, _ = files
    args = ["link", str(left), str(right), "--out", str(tmp_path / "x.csv"), "--engine", "pandas"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code != 0
    assert "splink-duckdb" in result.output


@pytest.mark.spark
def test_link_on_spark_gives_the_same_pairs(
    files: tuple[Path, Path, set[tuple[str, str]]], tmp_path: Path
) -> None:
    left, right, _ = files
    duck = _link(left, right, tmp_path / "duck.csv")
    spark = _link(left, right, tmp_path / "spark.csv", "--engine", "spark")
    assert [(r["left_id"], r["right_id"]) for r in spark] == [
        (r["left_id"], r["right_id"]) for r in duck
    ]
    for a, b in zip(duck, spark, strict=True):
        assert float(a["match_weight"]) == pytest.approx(float(b["match_weight"]), abs=1e-3)


def test_model_train_writes_a_model_the_matcher_loads(tmp_path: Path) -> None:
    out = tmp_path / "model.json"
    args = ["model", "train", "--out", str(out), "--version", "test-v1", "--synthetic", "600",
            "--max-pairs", "20000"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "pairs within the files" in result.output  # what training counted, said
    model = load_model(out)
    assert model.version == "test-v1"
    assert model.trained_on["synthetic_seed"] == "7"
    for comparison in COMPARISONS:
        for level, params in zip(
            comparison.levels, model.parameters[comparison.field], strict=True
        ):
            assert 0 < params.m <= 1 and 0 < params.u <= 1
            fixed_m = model.fixed_m(comparison, level)
            if fixed_m is not None:
                assert params.m == pytest.approx(fixed_m)
    assert model.parameters["dob"][0].weight > 5  # exact date of birth is learnt as strong
    assert model.trained_on["household_model"] == "hand-set"  # invented streets: not England's
    assert model.households == HOUSEHOLD_M_U
    households = model.trained_on["households"]
    assert set(households) == {"given", "dob"}
    for policy, counted in households.items():
        assert counted["policy_level"] == (
            "estimated" if policy in model.estimated_policies else "fixed"
        )


def test_spark_settings_take_overrides_and_name_a_bad_one() -> None:
    from teamaround.linkage.batch import SPARK_DEFAULTS, spark_settings

    assert spark_settings("") == SPARK_DEFAULTS
    settings = spark_settings(" spark.driver.memory=8g , spark.sql.shuffle.partitions=16")
    assert settings["spark.driver.memory"] == "8g"
    assert settings["spark.sql.shuffle.partitions"] == "16"
    assert settings["spark.ui.enabled"] == "false"
    for bad in ("driver.memory=8g", "spark.driver.memory", "spark.driver.memory="):
        with pytest.raises(ValueError, match="TEAMAROUND_SPARK_CONF"):
            spark_settings(bad)


def test_model_train_on_files_trains_the_households_too(files, tmp_path: Path) -> None:
    left, right, _ = files
    out = tmp_path / "model.json"
    args = ["model", "train", "--out", str(out), "--left", str(right), "--right", str(left),
            "--max-pairs", "20000"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "household model trained on" in result.output
    model = load_model(out)
    facts = model.trained_on["household_model"]
    assert facts["left_addresses"] > 100 and facts["right_addresses"] > 50
    assert model.households["street"] != HOUSEHOLD_M_U["street"]
    assert model.households["flat"] == HOUSEHOLD_M_U["flat"]  # no flats in the files
