"""`teamaround screen`: an agency extract goes through the share path, alerts and all."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from teamaround.adapters.db.tables import AlertRow, ContributionSubjectRow
from teamaround.cli.main import app
from teamaround.clock import FixedClock
from teamaround.demo import CHILD_O
from teamaround.scenarios.loader import load_scenario
from teamaround.scenarios.runner import load_register
from teamaround.services import screening
from teamaround.services.context import UnitOfWork

ROWS = [
    {"given": "Kelly", "family": "ASHBY", "dob": "14/07/1990", "address": "12 acacia ave",
     "postcode": "TS18 1AB"},
    {"given": "Susan", "family": "Clarke", "dob": "05/05/1979", "address": "", "postcode": ""},
    {"given": "Tom", "family": "Clarke", "dob": "31/02/1979", "address": "", "postcode": ""},
]  # fmt: skip


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
    result = CliRunner().invoke(app, [*args, "--batch-size", "2"])
    assert result.exit_code == 1, result.output  # a row was refused
    assert "3 rows" in result.output
    assert "2 shared (1 linked to the register), 0 already screened, 1 refused" in result.output
    assert "Alerts raised: new-information 1." in result.output
    assert "row 4, dob: is not a date that can be read" in result.output
    assert "31/02" not in result.output  # what the agency wrote is not echoed
    with engine.connect() as c:
        linked = c.scalars(sa.select(ContributionSubjectRow.person_id)).all()
        assert sorted(linked, key=str) == [None, "mother"]
        assert c.scalars(sa.select(AlertRow.about_id)).all() == ["child-o"]

    again = CliRunner().invoke(app, args)
    assert "0 shared (0 linked to the register), 2 already screened, 1 refused" in again.output
    with engine.connect() as c:
        assert c.scalars(sa.select(AlertRow.about_id)).all() == ["child-o"]


def test_screen_refuses_a_file_without_identity_columns(
    engine: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    load_register(UnitOfWork(engine, FixedClock(datetime(2021, 2, 2, tzinfo=UTC))),
                  load_scenario(CHILD_O))  # fmt: skip
    extract = tmp_path / "extract.csv"
    extract.write_text("reference,notes\n1,two\n")
    result = CliRunner().invoke(
        app, ["screen", str(extract), "--agency", "police", "--database", database_url]
    )
    assert result.exit_code == 2
    assert "needs a header row" in result.output


def test_a_screen_that_stops_says_what_is_saved_and_a_rerun_completes(
    engine: sa.Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_register(UnitOfWork(engine, FixedClock(datetime(2021, 2, 2, tzinfo=UTC))),
                  load_scenario(CHILD_O))  # fmt: skip
    extract = tmp_path / "extract.csv"
    with extract.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(ROWS[0]))
        writer.writeheader()
        writer.writerows(ROWS[:2])
    real, calls = screening.record_share, []

    def fails_in_the_second_batch(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise sa.exc.OperationalError("INSERT", {}, Exception("disk I/O error"))
        return real(*args, **kwargs)

    monkeypatch.setattr(screening, "record_share", fails_in_the_second_batch)
    args = ["screen", str(extract), "--agency", "police", "--database", database_url]
    stopped = CliRunner().invoke(app, [*args, "--batch-size", "1"])
    assert stopped.exit_code == 2
    assert "Stopped after 1 of 2 rows (the database failed: OperationalError)" in stopped.output
    monkeypatch.undo()
    rerun = CliRunner().invoke(app, args)
    assert rerun.exit_code == 0, rerun.output
    assert "1 shared (0 linked to the register), 1 already screened, 0 refused" in rerun.output
