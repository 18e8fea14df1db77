"""What training does after Splink's EM: no level may weigh less than disagreeing outright."""

from __future__ import annotations

from dataclasses import replace

import pytest

from teamaround.linkage.batch import no_level_below_disagreement
from teamaround.linkage.model import (
    COMPARISONS,
    DOB,
    GIVEN,
    LevelParameters,
    Model,
    load_model,
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
