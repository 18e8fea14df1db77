"""The Child O scenario replayed on each database: what the foundation must already pass."""

from __future__ import annotations

import sqlalchemy as sa

from teamaround.demo import CHILD_O
from teamaround.scenarios.loader import load_scenario
from teamaround.scenarios.runner import replay

FOUNDATION_STEPS = {"s1", "s2", "s8", "s11", "s18", "s22", "s23"}


def test_child_o_foundation_steps_pass(engine: sa.Engine) -> None:
    report = replay(load_scenario(CHILD_O), engine)
    by_id = {step.id: step for step in report.steps}
    assert len(report.steps) == 27
    failing = {
        i: (by_id[i].error, [c for c in by_id[i].checks if not c.ok])
        for i in FOUNDATION_STEPS
        if not by_id[i].ok
    }
    assert failing == {}


def test_every_step_is_reported_never_skipped(engine: sa.Engine) -> None:
    report = replay(load_scenario(CHILD_O), engine)
    for step in report.steps:
        expectations = step.checks
        assert step.ok or step.error or any(not c.ok for c in expectations)
    s13 = next(s for s in report.as_json()["steps"] if s["id"] == "s13")
    assert s13["checks"], "expectations of unsupported steps are still checked and shown"
