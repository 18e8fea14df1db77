"""`teamaround screen`: an agency extract goes through the share path, alerts and all."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from teamaround.adapters.db.tables import AlertRow, ContributionSubjectRow
from teamaround.cli.main import app
from teamaround.clock import FixedClock
from teamaround.demo import CHILD_O
from teamaround.scenarios.loader import load_scenario
from teamaround.scenarios.runner import load_register
from teamaround.services.context import UnitOfWork

ROWS = [
    {"given": "Kelly", "family": "ASHBY", "dob": "14/07/1990", "address": "12 acacia ave TS18 1AB"},
    {"given": "Susan", "family": "Clarke", "dob": "05/05/1979", "address": ""},
]


def test_screen_shares_each_row_and_raises_the_same_alerts(
    engine: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    load_register(UnitOfWork(engine, FixedClock(datetime(2021, 2, 2, tzinfo=UTC))),
                  load_scenario(CHILD_O))  # fmt: skip
    extract = tmp_path / "extract.csv"
    with extract.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(ROWS[0]))
        writer.writeheader()
        writer.writerows(ROWS)
    args = ["screen", str(extract), "--agency", "police", "--database", database_url]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "2 rows shared (1 linked to the register), 0 refused" in result.output
    with engine.connect() as c:
        assert c.scalars(sa.select(ContributionSubjectRow.person_id)).all() in (
            ["mother", None],
            [None, "mother"],
        )
        assert c.scalars(sa.select(AlertRow.about_id)).all() == ["child-o"]
