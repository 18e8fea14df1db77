"""Invalid scenario files are refused with the line and the problem."""

from __future__ import annotations

import pytest

from teamaround.demo import CHILD_O
from teamaround.scenarios.loader import ScenarioError, load_scenario, parse_scenario

HEAD = """\
scenario: tiny
start: 2024-01-08T09:00:00Z
agencies:
  - {id: csc, kind: childrens-social-care, name: "Children's Services"}
professionals:
  - {id: sw, agency: csc, role: social-worker, name: "A Worker"}
people:
  - {id: c, kind: child, given: Ada, family: Lee, dob: 2015-01-02}
"""


def error_of(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text)
    return caught.value


def test_child_o_loads_with_every_step() -> None:
    scenario = load_scenario(CHILD_O)
    assert [s.id for s in scenario.steps][:3] == ["s1", "s2", "s3"]
    assert len(scenario.steps) == 27
    assert scenario.steps[0].line == 53


def test_unknown_vocabulary_names_its_line_and_field() -> None:
    text = HEAD.replace("role: social-worker", "role: wizard")
    error = error_of(text)
    assert error.line == 6
    assert "professionals.1.role" in error.message


def test_bad_step_field_names_the_line_of_that_field() -> None:
    text = (
        HEAD
        + """steps:
  - id: s1
    at: 2024-01-09
    by: sw
    share:
      category: incident
      summary: "x"
      subjects:
        - {name: "Someone", colour: blue}
"""
    )
    error = error_of(text)
    assert error.line == 17
    assert "steps.1.share.subjects.1.colour" in error.message


def test_a_step_needs_exactly_one_known_action() -> None:
    text = HEAD + "steps:\n  - {id: s1, at: 2024-01-09, by: sw, dance: {}}\n"
    error = error_of(text)
    assert error.line == 10
    assert "exactly one action" in error.message


def test_unknown_professional_and_backwards_clock_are_refused() -> None:
    unknown = HEAD + "steps:\n  - {id: s1, at: 2024-01-09, by: ghost, advance: {}}\n"
    assert "no professional 'ghost'" in error_of(unknown).message
    backwards = HEAD + "steps:\n  - {id: s1, at: 2023-01-09, by: sw, advance: {}}\n"
    assert "clock cannot go back" in error_of(backwards).message


def test_expectations_must_name_known_people() -> None:
    text = HEAD + (
        "steps:\n  - id: s1\n    at: 2024-01-09\n    by: sw\n    advance: {}\n"
        "    expect: {alerts: [{kind: new-information, about: nobody, to: [sw]}]}\n"
    )
    error = error_of(text)
    assert "unknown id 'nobody'" in error.message
    assert error.line == 10


def test_broken_yaml_names_its_line() -> None:
    error = error_of(HEAD + "steps: [\n  - {id: s1\n")
    assert error.line >= 10
    assert "not valid YAML" in error.message
