"""The audit log in the database: every change is chained, and any tampering is found."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from teamaround.adapters.db.tables import AuditCheckpointRow, AuditRow
from teamaround.cli.main import app
from teamaround.clock import FixedClock
from teamaround.demo import CHILD_O
from teamaround.scenarios.loader import load_scenario
from teamaround.scenarios.runner import load_register
from teamaround.services.audit import checkpoint, checkpoint_key, verify
from teamaround.services.context import UnitOfWork

KEY = checkpoint_key("test-secret-test-secret-test-secret")
FIELDS = [
    "actor_id",
    "actor_role",
    "actor_agency",
    "action",
    "record_type",
    "record_id",
    "purpose",
    "outcome",
]


@pytest.fixture
def audited(engine: sa.Engine) -> UnitOfWork:
    uow = UnitOfWork(engine, FixedClock(datetime(2024, 1, 8, 9, tzinfo=UTC)))
    load_register(uow, load_scenario(CHILD_O))
    with uow.transaction() as s:
        checkpoint(s, KEY, uow.clock.now())
    return uow


def verdict(uow: UnitOfWork) -> tuple[int, str] | None:
    with uow.transaction() as s:
        return verify(s, KEY)


def test_the_register_load_is_chained_and_verifies(audited: UnitOfWork) -> None:
    with audited.transaction() as s:
        count = s.scalar(sa.select(sa.func.count()).select_from(AuditRow))
    assert count and count > 20
    assert verdict(audited) is None


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_mutation_of_any_entry_is_found(audited: UnitOfWork, data: st.DataObject) -> None:
    with audited.transaction() as s:
        original = [dict(r._mapping) for r in s.execute(sa.select(AuditRow.__table__))]
        points = [dict(r._mapping) for r in s.execute(sa.select(AuditCheckpointRow.__table__))]
    last = len(original)
    seq = data.draw(st.integers(1, last), label="entry")
    how = data.draw(st.sampled_from(["edit", "delete", "rehash", "truncate", "swap"]), label="how")
    field = data.draw(st.sampled_from(FIELDS), label="field")
    try:
        with audited.transaction() as s:
            row = s.get(AuditRow, seq)
            assert row is not None
            _tamper(s, row, how, field, last)
        assert verdict(audited) is not None
    finally:
        with audited.transaction() as s:  # restore the intact log for the next example
            s.execute(sa.delete(AuditCheckpointRow))
            s.execute(sa.delete(AuditRow))
            s.execute(sa.insert(AuditRow.__table__), original)
            s.execute(sa.insert(AuditCheckpointRow.__table__), points)


def _tamper(s: sa.orm.Session, row: AuditRow, how: str, field: str, last: int) -> None:
    if how == "edit":
        setattr(row, field, getattr(row, field) + "x")
    elif how == "delete":
        s.delete(row)
    elif how == "rehash":  # an editor who recomputes this entry's hash still breaks the next
        row.actor_id = "someone-else"
        row.hash = "f" * 64
    elif how == "truncate":
        s.execute(sa.delete(AuditRow).where(AuditRow.seq >= row.seq))
    else:
        other = s.get(AuditRow, row.seq % last + 1)
        assert other is not None
        row.action, other.action = other.action, row.action
        if row.action == other.action:
            row.action += "x"


def test_cli_verify_names_the_first_bad_entry(
    engine: sa.Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEAMAROUND_SECRET_KEY", "test-secret-test-secret-test-secret")
    uow = UnitOfWork(engine, FixedClock(datetime(2024, 1, 8, 9, tzinfo=UTC)))
    load_register(uow, load_scenario(CHILD_O))
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify", "--database", database_url])
    assert ok.exit_code == 0, ok.output
    with engine.begin() as c:
        c.execute(sa.update(AuditRow).where(AuditRow.seq == 7).values(record_id="forged"))
    bad = runner.invoke(app, ["audit", "verify", "--database", database_url])
    assert bad.exit_code == 1
    assert "audit entry 7" in bad.output
