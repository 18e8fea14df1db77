"""`teamaround replay`: the report, --json, --database and the exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from teamaround.cli.main import app
from teamaround.demo import CHILD_O

runner = CliRunner()

PASSING = """\
scenario: passing
start: 2024-01-08T09:00:00Z
agencies:
  - {id: csc, kind: childrens-social-care, name: "Children's Services"}
  - {id: cops, kind: police, name: "Police"}
professionals:
  - {id: sw, agency: csc, role: social-worker, name: "A Worker"}
  - {id: pc, agency: cops, role: police-officer, name: "An Officer"}
addresses:
  home: "7 Elm Grove, Darlington, DL1 4QA"
people:
  - {id: c, kind: child, given: Ada, family: Lee, dob: 2015-01-02, address: home}
  - {id: m, kind: adult, given: Ruth, family: Lee, dob: 1988-06-20, address: home}
relationships:
  - {child: c, adult: m, kind: mother, lives_with: true}
history:
  - {child: c, plan: child-in-need, from: 2023-05-01, lead: sw}
steps:
  - id: s1
    at: 2024-01-09T10:00:00Z
    by: pc
    share:
      category: concern
      summary: "Neighbour reports shouting."
      subjects: [{name: "LEE, Ruth", dob: "20/06/1988", address: "7 elm gr darlington dl14qa"}]
    expect:
      alerts: [{kind: new-information, about: c, to: [sw]}]
      not_to: [pc]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(text)
    return path


def test_passing_scenario_exits_0(tmp_path: Path) -> None:
    result = runner.invoke(app, ["replay", str(write(tmp_path, PASSING))])
    assert result.exit_code == 0, result.output
    assert "PASS s1" in result.output
    assert "1 passed, 0 failed" in result.output


def test_failing_expectation_exits_1_and_says_what_happened(tmp_path: Path) -> None:
    text = PASSING.replace("to: [sw]}]", "to: [sw], priority: urgent}]")
    result = runner.invoke(app, ["replay", str(write(tmp_path, text)), "--json"])
    assert result.exit_code == 1
    outcome = json.loads(result.output)
    [check] = [c for c in outcome["steps"][0]["checks"] if not c["ok"]]
    assert "urgent" in check["expected"]
    assert "normal" in check["happened"]


def test_invalid_file_exits_2_naming_the_line(tmp_path: Path) -> None:
    text = PASSING.replace("category: concern", "category: rumour")
    result = runner.invoke(app, ["replay", str(write(tmp_path, text))])
    assert result.exit_code == 2
    assert "line 23" in result.output
    assert "category" in result.output


def test_database_option_leaves_the_replay_for_inspection(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kept.db'}"
    result = runner.invoke(app, ["replay", str(write(tmp_path, PASSING)), "--database", url])
    assert result.exit_code == 0, result.output
    engine = sa.create_engine(url)
    with engine.connect() as c:
        assert c.scalar(sa.text("SELECT count(*) FROM alerts")) == 1
    engine.dispose()
    again = runner.invoke(app, ["replay", str(write(tmp_path, PASSING)), "--database", url])
    assert again.exit_code == 2
    assert "not empty" in again.output


def test_child_o_reports_all_27_steps_and_fails_honestly() -> None:
    result = runner.invoke(app, ["replay", str(CHILD_O), "--json"])
    outcome = json.loads(result.output)
    assert len(outcome["steps"]) == 27
    assert result.exit_code == (0 if outcome["ok"] else 1)
