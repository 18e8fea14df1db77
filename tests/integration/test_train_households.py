"""Training keeps the household policy levels (ADR 0003 point 5) where the files hold
households, and lets EM estimate them where the files show none."""

from __future__ import annotations

import pandas as pd

from teamaround.linkage.batch import feature_frame, household_pairs, train
from teamaround.linkage.model import DOB, GIVEN, Model, load_model
from teamaround.linkage.synthetic import iter_rows, linkage_task


def _frames(*, households: bool) -> list[pd.DataFrame]:
    task = linkage_task(1500, 750, seed=5)
    frames = [feature_frame(iter_rows(records)) for records in (task.left, task.right)]
    if households:
        return frames
    # one person per family name in each file: no twins, no father and son
    return [frame.drop_duplicates("family").reset_index(drop=True) for frame in frames]


def test_invented_families_are_counted_and_keep_the_policy() -> None:
    frames = _frames(households=True)
    counted = household_pairs(load_model(), frames)
    assert counted["given"] > 0 and counted["dob"] > 0
    model = train(*frames, version="families", max_pairs=50_000, seed=3)
    assert model.estimated_policies == frozenset()
    assert model.parameters["given"][-1].m == GIVEN.levels[-1].fixed_m
    assert model.parameters["dob"][-1].m == DOB.levels[-1].fixed_m
    for policy in ("given", "dob"):
        facts = model.trained_on["households"][policy]
        assert facts["policy_level"] == "fixed"
        assert facts["pairs_within_files"] == counted[policy]
        assert facts["expected_by_chance"] < 1


def test_files_without_households_let_em_estimate_the_policy_levels() -> None:
    frames = _frames(households=False)
    assert household_pairs(load_model(), frames) == {"given": 0, "dob": 0}
    model = train(*frames, version="no-families", max_pairs=50_000, seed=3)
    assert model.estimated_policies == frozenset({"given", "dob"})
    assert model.parameters["given"][-1].m != GIVEN.levels[-1].fixed_m
    assert model.parameters["dob"][-1].m != DOB.levels[-1].fixed_m
    assert model.trained_on["households"]["given"] == {
        "pattern": "twins: one family name, birthday and home, two first names",
        "pairs_within_files": 0,
        "expected_by_chance": model.trained_on["households"]["given"]["expected_by_chance"],
        "policy_level": "estimated",
    }
    assert Model.from_json(model.to_json()) == model  # the file says which were estimated
