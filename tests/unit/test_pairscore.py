"""Our batch engine (DuckDB blocking, numpy scoring) gives Splink's `predict`, pair for pair.

Same model, same files, same blocking rules: the same candidate pairs, the same comparison
vector, the match weight to 1e-9 bits, and so the same best pair for every left record.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from policy_models import estimated_policies_model

from teamaround.linkage.batch import best_pairs, feature_frame, features_of, predict_pairs
from teamaround.linkage.model import COMPARISONS, Model, load_model
from teamaround.linkage.pairscore import candidate_pairs, encode, predict
from teamaround.linkage.realtime import blocking_keys
from teamaround.linkage.synthetic import iter_rows, linkage_task

MODEL = load_model()
ESTIMATED = estimated_policies_model()
KEY = ["unique_id_l", "unique_id_r"]


@pytest.fixture(scope="module")
def rows() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    task = linkage_task(4000, 1500, seed=29, error_rate=0.5)
    return list(iter_rows(task.right)), list(iter_rows(task.left))


@pytest.fixture(scope="module")
def frames(
    rows: tuple[list[dict[str, str]], list[dict[str, str]]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    return feature_frame(rows[0]), feature_frame(rows[1])


def _merged(ours: pd.DataFrame, splink: pd.DataFrame) -> pd.DataFrame:
    merged = ours.merge(splink, on=KEY, how="outer", suffixes=("_ours", "_splink"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"][KEY].head()
    return merged


@pytest.mark.parametrize(
    ("model", "threshold"),
    [(MODEL, None), (MODEL, 0.5), (MODEL, 0.95), (ESTIMATED, None), (ESTIMATED, 0.95)],
    ids=["None", "0.5", "0.95", "policies-estimated-None", "policies-estimated-0.95"],
)
def test_pairs_levels_and_weights_equal_splinks_predict(
    frames: tuple[pd.DataFrame, pd.DataFrame], model: Model, threshold: float | None
) -> None:
    left, right = frames
    ours = predict(model, left, right, threshold=threshold)
    splink = predict_pairs(model, left, right, threshold=threshold)
    assert len(ours) == len(splink)
    merged = _merged(ours, splink)
    for comparison in COMPARISONS:
        field = comparison.field
        assert (merged[f"gamma_{field}_ours"] == merged[f"gamma_{field}_splink"]).all(), field
        assert np.allclose(merged[f"mw_{field}_ours"], merged[f"mw_{field}_splink"], atol=1e-9)
    difference = (merged["match_weight_ours"] - merged["match_weight_splink"]).abs()
    assert difference.max() <= 1e-9
    assert np.allclose(merged["match_probability_ours"], merged["match_probability_splink"],
                       rtol=0, atol=1e-12)  # fmt: skip
    if threshold is None:
        assert len(ours) >= 3000
        seen = {(c.field, int(v)) for c in COMPARISONS for v in ours[f"gamma_{c.field}"]}
        assert len(seen) >= 28  # nearly every level of every comparison was exercised


def test_best_pairs_agree_with_splinks(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    left, right = frames
    left_ids = set(left["unique_id"].astype(str))
    ours = best_pairs(predict(MODEL, left, right, threshold=0.95), left_ids)
    splink = best_pairs(predict_pairs(MODEL, left, right, threshold=0.95), left_ids)
    assert len(ours) > 500
    assert [(p.left_id, p.right_id, p.levels) for p in ours] == [
        (p.left_id, p.right_id, p.levels) for p in splink
    ]
    for a, b in zip(ours, splink, strict=True):
        assert a.match_weight == pytest.approx(b.match_weight, abs=1e-9)
        assert a.weights == pytest.approx(b.weights, abs=1e-9)


def test_candidates_are_the_real_time_index_keys(
    rows: tuple[list[dict[str, str]], list[dict[str, str]]],
    frames: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    """A pair is a candidate exactly when the real-time index would offer the right record
    for the left one: they share one of `realtime.blocking_keys` (the left as the query)."""
    filed = defaultdict(set)
    for row, record in enumerate(rows[1]):
        for key in blocking_keys(features_of(record)):
            filed[key].add(row)
    expected = set()
    for row, record in enumerate(rows[0]):
        for key in blocking_keys(features_of(record), query=True):
            expected |= {(row, other) for other in filed.get(key, ())}
    left, right = candidate_pairs(encode(*frames))
    found = set(zip(left.tolist(), right.tolist(), strict=True))
    assert len(found) == len(left)  # distinct
    assert found == expected


def test_files_with_nothing_in_common_give_no_pairs(
    frames: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    left, right = frames
    stranger = feature_frame([{"id": "x1", "given": "Qwerty", "family": "Zxcvbnm"}])
    found = predict(MODEL, stranger, right, threshold=0.5)
    assert found.empty
    assert {"unique_id_l", "match_probability", "gamma_given", "mw_tf_adj_family"} <= set(
        found.columns
    )
    assert best_pairs(found, {"x1"}) == []
    assert len(predict(MODEL, left.iloc[:50], right, threshold=None)) > 0
