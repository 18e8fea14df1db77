"""A model whose household policy levels EM estimated (as training on files with no households
makes one), for tests that hold every engine equal to Splink on such a model too."""

from __future__ import annotations

from dataclasses import replace

from teamaround.linkage.model import LevelParameters, Model, load_model


def estimated_policies_model() -> Model:
    model = load_model()
    parameters = dict(model.parameters)
    for field, m in (("given", 0.03), ("dob", 0.02)):  # about what EM finds on FEBRL4
        levels = list(parameters[field])
        levels[-1] = LevelParameters(m, levels[-1].u)
        parameters[field] = tuple(levels)
    return replace(model, parameters=parameters, estimated_policies=frozenset({"given", "dob"}))
