"""Replaying a scenario: every step through the same services as the HTTP API."""

from __future__ import annotations

import time as timer
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa

from teamaround.adapters.db.tables import AlertRow
from teamaround.clock import FixedClock
from teamaround.scenarios.checks import Check, check_step
from teamaround.scenarios.loader import as_instant
from teamaround.scenarios.model import Scenario, Step
from teamaround.services import (
    agendas,
    alerts,
    challenges,
    letters,
    lookups,
    meetings,
    register,
    sharing,
    timers,
)
from teamaround.services.commands import AddressCreate
from teamaround.services.context import SYSTEM, UnitOfWork
from teamaround.services.errors import ServiceError


class StepError(Exception):
    """The step cannot be carried out as written (e.g. it refers to a step that did nothing)."""


@dataclass
class StepReport:
    id: str
    at: str
    by: str
    action: str
    line: int
    error: str | None = None
    outcome: str = ""
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and all(c.ok for c in self.checks)


@dataclass
class ReplayReport:
    scenario: str
    title: str
    steps: list[StepReport]
    seconds: float

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)

    def as_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "title": self.title,
            "ok": self.ok,
            "passed": sum(s.ok for s in self.steps),
            "failed": sum(not s.ok for s in self.steps),
            "seconds": round(self.seconds, 3),
            "steps": [
                {
                    "id": s.id,
                    "at": s.at,
                    "by": s.by,
                    "action": s.action,
                    "line": s.line,
                    "ok": s.ok,
                    "error": s.error,
                    "outcome": s.outcome,
                    "checks": [c.as_json() for c in s.checks],
                }
                for s in self.steps
            ],
        }


@dataclass
class ReplayState:
    """What later steps refer to by step id, such as the challenge a step raised."""

    by_step: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[UnitOfWork, Step, ReplayState], str]


def replay(scenario: Scenario, engine: sa.Engine) -> ReplayReport:
    started = timer.perf_counter()
    clock = FixedClock(as_instant(scenario.start))
    uow = UnitOfWork(engine, clock)
    load_register(uow, scenario)
    state = ReplayState()
    reports = []
    for step in scenario.steps:
        clock.set(as_instant(step.at))
        reports.append(_run_step(uow, step, state))
    return ReplayReport(
        scenario=scenario.scenario,
        title=scenario.title,
        steps=reports,
        seconds=timer.perf_counter() - started,
    )


def load_register(uow: UnitOfWork, scenario: Scenario) -> None:
    """What Children's Social Care holds at the start, entered through the services."""
    actor = SYSTEM.id
    for agency in scenario.agencies:
        register.do_register_agency(uow, actor_id=actor, agency=agency)
    for professional in scenario.professionals:
        register.do_register_professional(uow, actor_id=actor, professional=professional)
    for key, text in scenario.addresses.items():
        register.do_register_address(uow, actor_id=actor, address=AddressCreate(id=key, text=text))
    for person in scenario.people:
        register.do_add_person(uow, actor_id=actor, person=person)
    for relationship in scenario.relationships:
        register.do_relate(uow, actor_id=actor, relationship=relationship)
    for plan in scenario.history:
        register.do_record_plan_history(uow, actor_id=actor, plan=plan)


def _run_step(uow: UnitOfWork, step: Step, state: ReplayState) -> StepReport:
    report = StepReport(
        id=step.id,
        at=as_instant(step.at).isoformat(),
        by=step.by,
        action=step.action,
        line=step.line,
    )
    before = _alert_ids(uow)
    try:
        timers.do_run_timers(uow)
        report.outcome = HANDLERS[step.action](uow, step, state)
    except StepError as exc:
        report.error = str(exc)
    except ServiceError as exc:
        report.error = f"refused: {exc}"
    except Exception as exc:  # noqa: BLE001 - a crash is reported as that step failing
        report.error = f"internal error: {type(exc).__name__}: {exc}"
    new_alerts = _alert_ids(uow) - before
    report.checks = check_step(uow, step, state, new_alerts)
    return report


def _alert_ids(uow: UnitOfWork) -> set[str]:
    with uow.transaction() as s:
        return set(s.scalars(sa.select(AlertRow.id)))


def _share(uow: UnitOfWork, step: Step, state: ReplayState) -> str:
    receipt = sharing.do_share(uow, actor_id=step.by, share=step.payload)
    state.outputs[step.id] = receipt.message
    state.by_step[step.id] = receipt.contribution_id
    return f"received {receipt.subjects} subject(s); the sharer was told: {receipt.message!r}"


def _marac(uow: UnitOfWork, step: Step, state: ReplayState) -> str:
    receipt = sharing.do_list_marac(uow, actor_id=step.by, listing=step.payload)
    state.outputs[step.id] = receipt.message
    state.by_step[step.id] = receipt.contribution_id
    return "MARAC listing received"


def _add_person(uow: UnitOfWork, step: Step, state: ReplayState) -> str:
    register.do_add_person(uow, actor_id=step.by, person=step.payload)
    return f"added {step.payload.id} to the register"


def _relate(uow: UnitOfWork, step: Step, state: ReplayState) -> str:
    register.do_relate(uow, actor_id=step.by, relationship=step.payload)
    return f"recorded {step.payload.adult} as {step.payload.kind} of {step.payload.child}"


def _set_conditions(uow: UnitOfWork, step: Step, state: ReplayState) -> str:
    register.do_set_conditions(uow, actor_id=step.by, conditions=step.payload)
    return f"recorded {len(step.payload.conditions)} condition(s) on {step.payload.person}"


def _start_plan(uow: UnitOfWork, step: Step, state: ReplayState) -> str:
    register.do_start_plan(uow, actor_id=step.by, plan=step.payload)
    return f"started a {step.payload.plan} plan for {step.payload.child}"


def _end_plan(uow: UnitOfWork, step: Step, state: ReplayState) -> str:
    register.do_end_plan(uow, actor_id=step.by, plan=step.payload)
    return f"ended the {step.payload.plan} plan for {step.payload.child}"


def _meeting(uow: UnitOfWork, step: Step, state: ReplayState) -> str:
    state.by_step[step.id] = meetings.do_hold_meeting(uow, actor_id=step.by, meeting=step.payload)
    return f"recorded a {step.payload.type} meeting"


def _core_group(uow: UnitOfWork, step: Step, state: ReplayState) -> str:
    meetings.do_change_core_group(uow, actor_id=step.by, change=step.payload)
    return "changed the core group"


def _acknowledge(uow: UnitOfWork, step: Step, state: ReplayState) -> str:
    ref = step.payload.alert
    alert_id = alerts.find_alert_for(uow, actor_id=step.by, kind=ref.kind, about=ref.about)
    alerts.do_acknowledge_alert(uow, actor_id=step.by, alert_id=alert_id)
    return f"acknowledged the {ref.kind} alert"


def _advance(uow: UnitOfWork, step: Step, state: ReplayState) -> str:
    return "moved the clock"


def _agenda(uow: UnitOfWork, step: Step, state: ReplayState) -> str:
    agenda = agendas.draft_agenda(uow, actor_id=step.by, request=step.payload)
    sources = [a.agency_id for a in agenda.other_agency_information]
    state.outputs[step.id] = {
        "agenda": {
            "sections": agenda.sections,
            "other_agency_information_from": sources,
            "suggest_invite": [i.kind for i in agenda.suggest_invite],
        },
        "child": agenda.child_name,
    }
    return (
        f"drafted a {agenda.meeting_type} agenda: information from "
        f"{', '.join(sources) or 'nobody'}; "
        f"{len(agenda.prompts)} open prompt(s); {len(agenda.questions)} question(s)"
    )


def _lookup(uow: UnitOfWork, step: Step, state: ReplayState) -> str:
    result = lookups.do_lookup(uow, actor_id=step.by, request=step.payload)
    state.outputs[step.id] = {"lookup": asdict(result)}
    return result.message


def _letter(uow: UnitOfWork, step: Step, state: ReplayState) -> str:
    report = letters.check_letter(uow, actor_id=step.by, check=step.payload)
    state.outputs[step.id] = {"flagged_terms": [t.term for t in report.terms]}
    return f"flagged {len(report.terms)} term(s); reading ease {report.reading_ease:.0f}"


def _challenge(uow: UnitOfWork, step: Step, state: ReplayState) -> str:
    state.by_step[step.id] = challenges.do_raise_challenge(
        uow, actor_id=step.by, challenge=step.payload
    )
    return (
        f"raised a challenge to {step.payload.to_agency}, to respond by {step.payload.respond_by}"
    )


def _respond(uow: UnitOfWork, step: Step, state: ReplayState) -> str:
    challenge_id = state.by_step.get(step.payload.challenge)
    if challenge_id is None:
        raise StepError(f"step {step.payload.challenge} raised no challenge")
    response = step.payload.model_copy(update={"challenge": challenge_id})
    challenges.do_respond_to_challenge(uow, actor_id=step.by, response=response)
    return "responded to the challenge"


HANDLERS: dict[str, Handler] = {
    "share": _share,
    "marac-listing": _marac,
    "add-person": _add_person,
    "relate": _relate,
    "set-conditions": _set_conditions,
    "start-plan": _start_plan,
    "end-plan": _end_plan,
    "meeting": _meeting,
    "core-group": _core_group,
    "acknowledge": _acknowledge,
    "advance": _advance,
    "agenda": _agenda,
    "lookup": _lookup,
    "letter": _letter,
    "challenge": _challenge,
    "respond": _respond,
}
