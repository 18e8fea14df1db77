"""Invented families other than Child O: the behaviour must not depend on one case's names."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from teamaround.scenarios.loader import load_scenario
from teamaround.scenarios.runner import replay

FAMILIES = sorted((Path(__file__).parents[1] / "data").glob("*.yaml"))


@pytest.mark.parametrize("path", FAMILIES, ids=[p.stem for p in FAMILIES])
def test_every_expectation_holds(engine: sa.Engine, path: Path) -> None:
    report = replay(load_scenario(path), engine)
    failures = {
        s.id: s.error or [f"{c.what} -> {c.happened}" for c in s.checks if not c.ok]
        for s in report.steps
        if not s.ok
    }
    assert failures == {}
