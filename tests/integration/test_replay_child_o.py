"""The Child O scenario replayed on each database: every expectation must hold."""

from __future__ import annotations

import sqlalchemy as sa

from teamaround.demo import CHILD_O
from teamaround.scenarios.loader import load_scenario
from teamaround.scenarios.runner import replay


def test_child_o_passes_every_step(engine: sa.Engine) -> None:
    report = replay(load_scenario(CHILD_O), engine)
    assert len(report.steps) == 27
    failing = {
        s.id: s.error or [f"{c.what} -> {c.happened}" for c in s.checks if not c.ok]
        for s in report.steps
        if not s.ok
    }
    assert failing == {}


def test_every_expectation_is_checked_and_shown(engine: sa.Engine) -> None:
    outcome = replay(load_scenario(CHILD_O), engine).as_json()
    checks = {s["id"]: len(s["checks"]) for s in outcome["steps"]}
    assert checks["s13"] == 4  # three prompts and the agenda
    assert checks["s18"] == 2  # the urgent alert and nothing to the call handler
    assert checks["s26"] == 2
