"""Backup and restore on each database: what was there comes back, and the audit still holds."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from teamaround.adapters.db.tables import AuditRow, ContributionRow, PersonRow
from teamaround.cli.main import app
from teamaround.clock import FixedClock
from teamaround.demo import CHILD_O
from teamaround.scenarios.loader import load_scenario
from teamaround.scenarios.runner import replay
from teamaround.services.audit import verify
from teamaround.services.context import UnitOfWork


def counts(engine: sa.Engine) -> tuple[int, ...]:
    with engine.connect() as c:
        return tuple(
            int(c.scalar(sa.select(sa.func.count()).select_from(t)) or 0)
            for t in (PersonRow, ContributionRow, AuditRow)
        )


def test_backup_then_restore_brings_everything_back(
    engine: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    assert replay(load_scenario(CHILD_O), engine).ok
    before = counts(engine)
    runner = CliRunner()
    target = tmp_path / "teamaround.backup"
    made = runner.invoke(app, ["db", "backup", str(target), "--database", database_url])
    assert made.exit_code == 0, made.output
    assert target.stat().st_size > 0
    with engine.begin() as c:  # a disaster: the audit log and the contributions' links are gone
        c.execute(sa.text("DELETE FROM audit_checkpoints"))
        c.execute(sa.text("DELETE FROM audit_log"))
    engine.dispose()
    done = runner.invoke(app, ["db", "restore", str(target), "--database", database_url])
    assert done.exit_code == 0, done.output
    assert counts(engine) == before
    with UnitOfWork(engine, FixedClock(datetime(2021, 4, 1, tzinfo=UTC))).transaction() as s:
        assert verify(s) is None


def test_restore_from_a_missing_file_fails_clearly(database_url: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["db", "restore", str(tmp_path / "nope"), "--database", database_url]
    )
    assert result.exit_code == 1
    assert "no backup at" in result.output
