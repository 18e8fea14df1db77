"""Reading a scenario file, with every error naming the line and the problem."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ValidationError

from teamaround.scenarios.model import ACTIONS, Expectations, Scenario, Step

M = TypeVar("M", bound=BaseModel)
LONDON = ZoneInfo("Europe/London")
STEP_KEYS = frozenset({"id", "at", "by", "expect"})


class ScenarioError(Exception):
    """The file is not a valid scenario; `line` points at the problem."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


class _LineDict(dict[str, Any]):
    line: int = 0
    key_lines: dict[Any, int]


class _LineLoader(yaml.SafeLoader):
    pass


def _mapping_with_lines(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    mapping = _LineDict({str(k): v for k, v in loader.construct_mapping(node, deep=True).items()})
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value}
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_lines)


def load_scenario(path: Path) -> Scenario:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(0, f"cannot read {path}: {exc}") from exc
    return parse_scenario(text)


def parse_scenario(text: str) -> Scenario:
    try:
        raw = yaml.load(text, Loader=_LineLoader)  # noqa: S506  # nosec B506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ScenarioError(mark.line + 1 if mark else 0, f"not valid YAML: {exc}") from exc
    if not isinstance(raw, _LineDict):
        raise ScenarioError(1, "a scenario is a mapping with scenario, start, ... and steps")
    head = {k: v for k, v in raw.items() if k != "steps"}
    scenario = _validate(Scenario, head, raw, ())
    steps_raw = raw.get("steps") or []
    if not isinstance(steps_raw, list):
        raise ScenarioError(raw.key_lines.get("steps", raw.line), "steps must be a list")
    steps = [_step(item, raw, i) for i, item in enumerate(steps_raw)]
    scenario = scenario.model_copy(update={"steps": steps})
    _check_references(scenario)
    return scenario


def _step(item: Any, root: _LineDict, index: int) -> Step:
    if not isinstance(item, _LineDict):
        raise ScenarioError(_line(root, ("steps", index)), f"step {index + 1} is not a mapping")
    actions = [k for k in item if k not in STEP_KEYS]
    if len(actions) != 1 or actions[0] not in ACTIONS:
        raise ScenarioError(
            item.line,
            f"step {item.get('id', index + 1)} needs exactly one action from "
            f"{', '.join(ACTIONS)}; found {', '.join(map(str, actions)) or 'none'}",
        )
    action = actions[0]
    payload = _validate(ACTIONS[action], item[action] or {}, root, ("steps", index, action))
    expect = _validate(Expectations, item.get("expect") or {}, root, ("steps", index, "expect"))
    fields = {k: item.get(k) for k in ("id", "at", "by")}
    for key, value in fields.items():
        if value is None:
            raise ScenarioError(item.line, f"step {index + 1} has no {key}")
    try:
        return Step(
            id=str(fields["id"]),
            at=fields["at"],
            by=str(fields["by"]),
            action=action,
            payload=payload,
            expect=expect,
            line=item.line,
        )
    except ValidationError as exc:
        raise ScenarioError(item.key_lines.get("at", item.line), _first(exc)) from exc


def _validate(model: type[M], data: Any, root: _LineDict, prefix: tuple[Any, ...]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = prefix + tuple(error["loc"])
        raise ScenarioError(_line(root, loc), f"{_path(loc)}: {error['msg']}") from exc


def _first(exc: ValidationError) -> str:
    error = exc.errors()[0]
    return f"{_path(tuple(error['loc']))}: {error['msg']}"


def _path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part + 1) if isinstance(part, int) else str(part) for part in loc)


def _line(root: _LineDict, loc: tuple[Any, ...]) -> int:
    """The line of the deepest mapping key along the error's path."""
    node: Any = root
    line = root.line
    for part in loc:
        if isinstance(node, _LineDict) and part in node:
            line = node.key_lines.get(part, node.line)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            line = node.line if isinstance(node, _LineDict) else line
        else:
            break
    return line


def as_instant(value: datetime | date) -> datetime:
    """A scenario time: a date is the start of that day, a bare time is UK local time."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    return value if value.tzinfo else value.replace(tzinfo=LONDON)


def _check_references(scenario: Scenario) -> None:
    professionals = {p.id for p in scenario.professionals}
    people = {p.id for p in scenario.people} | {
        s.payload.id for s in scenario.steps if s.action == "add-person"
    }
    seen: set[str] = set()
    clock = as_instant(scenario.start)
    for step in scenario.steps:
        if step.id in seen:
            raise ScenarioError(step.line, f"step id {step.id} is used twice")
        seen.add(step.id)
        if step.by not in professionals:
            raise ScenarioError(step.line, f"step {step.id}: by: no professional {step.by!r}")
        at = as_instant(step.at)
        if at < clock:
            raise ScenarioError(step.line, f"step {step.id}: at: the clock cannot go back")
        clock = at
        _check_expectation_ids(step, people, professionals)


def _check_expectation_ids(step: Step, people: set[str], professionals: set[str]) -> None:
    named = [("about", a.about, people) for a in step.expect.alerts]
    named += [("about", n.about, people) for n in step.expect.no_alerts if n.about]
    named += [("to", p, professionals) for a in step.expect.alerts for p in a.to]
    named += [("not_to", p, professionals) for p in step.expect.not_to]
    for field, value, known in named:
        if value not in known:
            raise ScenarioError(step.line, f"step {step.id}: expect.{field}: unknown id {value!r}")
