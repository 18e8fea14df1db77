"""What training does around Splink's EM: no level may weigh less than disagreeing outright;
the household policy levels stay fixed unless the data show no households."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from teamaround.linkage.batch import HouseholdEvidence, expected, no_level_below_disagreement
from teamaround.linkage.model import (
    COMPARISONS,
    DOB,
    GIVEN,
    HOUSEHOLD_PATTERNS,
    LevelParameters,
    Model,
    load_model,
    splink_comparisons,
)

MODEL = load_model()


def _with(field: str, level: str, params: LevelParameters) -> tuple[Model, int]:
    comparison = next(c for c in COMPARISONS if c.field == field)
    position = [lv.name for lv in comparison.levels].index(level)
    levels = list(MODEL.parameters[field])
    levels[position] = params
    return replace(MODEL, parameters={**MODEL.parameters, field: tuple(levels)}), position


def test_a_rare_level_em_drove_to_zero_weighs_as_much_as_different() -> None:
    model, position = _with("dob", "transposed", LevelParameters(1.2e-33, 9.7e-6))
    floored = no_level_below_disagreement(model)
    different = floored.parameters["dob"][-1].weight
    assert floored.parameters["dob"][position].weight == pytest.approx(different)
    assert floored.parameters["dob"][position].u == 9.7e-6


def test_levels_above_different_and_policy_levels_are_left_alone() -> None:
    assert no_level_below_disagreement(MODEL) == MODEL
    assert GIVEN.levels[-1].fixed_m is not None and DOB.levels[-1].fixed_m is not None
    model, position = _with("given", "initial", LevelParameters(1e-6, 6e-5))
    floored = no_level_below_disagreement(model)
    assert floored.parameters["given"][-1] == MODEL.parameters["given"][-1]  # the policy m
    assert floored.parameters["given"][position].weight == pytest.approx(-5.9, abs=0.1)


def test_households_beyond_chance_keep_a_policy_and_none_never_do() -> None:
    assert not HouseholdEvidence(observed=0, expected=0.0).beyond_chance
    assert not HouseholdEvidence(observed=0, expected=1e-9).beyond_chance
    assert HouseholdEvidence(observed=1, expected=1e-5).beyond_chance  # one pair, not chance
    assert not HouseholdEvidence(observed=3, expected=2.0).beyond_chance  # what chance gives
    assert HouseholdEvidence(observed=12, expected=2.0).beyond_chance
    assert HouseholdEvidence(observed=378, expected=0.005).beyond_chance


def test_only_a_household_policy_level_can_be_estimated() -> None:
    estimated = replace(MODEL, estimated_policies=frozenset({"given"}))
    assert estimated.fixed_m(GIVEN, GIVEN.levels[-1]) is None
    assert estimated.fixed_m(DOB, DOB.levels[-1]) == DOB.levels[-1].fixed_m
    assert estimated.fixed_m(GIVEN, GIVEN.levels[0]) is None  # never fixed
    assert MODEL.fixed_m(GIVEN, GIVEN.levels[-1]) == GIVEN.levels[-1].fixed_m
    with pytest.raises(ValueError, match="nhs"):
        replace(MODEL, estimated_policies=frozenset({"nhs"}))


def test_an_estimated_policy_level_survives_the_model_file_and_reaches_splink() -> None:
    levels = list(MODEL.parameters["given"])
    levels[-1] = LevelParameters(0.02, levels[-1].u)  # as EM would find it
    model = replace(MODEL, parameters={**MODEL.parameters, "given": tuple(levels)},
                    estimated_policies=frozenset({"given"}))  # fmt: skip
    data = json.loads(json.dumps(model.to_json()))
    assert data["comparisons"]["given"][-1]["fixed_m"] is False
    assert data["comparisons"]["dob"][-1]["fixed_m"] is True
    assert Model.from_json(data) == model
    assert Model.from_json(MODEL.to_json()).estimated_policies == frozenset()
    comparisons = splink_comparisons("duckdb", model)
    given = next(c for c in comparisons if c["output_column_name"] == "given")
    assert "fix_m_probability" not in given["comparison_levels"][-1]
    assert given["comparison_levels"][-1]["m_probability"] == 0.02
    # no_level_below_disagreement treats it as any trained level, not as a fixed one
    assert no_level_below_disagreement(model) == model


def test_expected_household_pairs_is_pairs_times_the_levels_u() -> None:
    pattern = next(p for p in HOUSEHOLD_PATTERNS if p.policy == "given")
    u = {field: {lv.name: p.u for lv, p in zip(c.levels, MODEL.parameters[field], strict=True)}
         for c in COMPARISONS for field in [c.field]}  # fmt: skip
    home = u["address"]["door_postcode"] + u["address"]["door"] + u["address"]["phone"]
    share = u["given"]["different"] * u["family"]["exact"] * u["dob"]["exact"] * home
    assert expected(MODEL, pattern, 1_000_000) == pytest.approx(1_000_000 * share)
