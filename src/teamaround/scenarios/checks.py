"""Checking a step's expectations against what the system actually did."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from teamaround.adapters.db.tables import (
    AlertRecipientRow,
    AlertRow,
    ChallengeRow,
    ContributionSubjectRow,
    PersonRow,
    PromptRow,
    RelationshipRow,
)
from teamaround.domain.vocab import PersonKind
from teamaround.scenarios.compare import compare_output
from teamaround.scenarios.model import AlertExpectation, NoAlertExpectation, Step
from teamaround.services.context import UnitOfWork

if TYPE_CHECKING:
    from teamaround.scenarios.runner import ReplayState


@dataclass(frozen=True, slots=True)
class Check:
    what: str  # what was expected, in words
    ok: bool
    happened: str  # what the system did

    def as_json(self) -> dict[str, Any]:
        return {"expected": self.what, "ok": self.ok, "happened": self.happened}


@dataclass(frozen=True, slots=True)
class RaisedAlert:
    kind: str
    about: str
    priority: str
    recipients: frozenset[str]

    def describe(self) -> str:
        to = ", ".join(sorted(self.recipients)) or "nobody"
        return f"{self.kind} about {self.about} ({self.priority}) to {to}"


def check_step(
    uow: UnitOfWork, step: Step, state: ReplayState, new_alerts: set[str]
) -> list[Check]:
    expect = step.expect
    with uow.transaction() as s:
        raised = _raised(s, new_alerts)
        checks = [_expect_alert(e, raised) for e in expect.alerts]
        checks += [_expect_no_alert(e, raised) for e in expect.no_alerts]
        if expect.not_to:
            checks.append(_expect_not_to(s, expect.not_to, step, state, raised))
        if expect.prompts:
            checks += _expect_prompts(s, step, state, expect.prompts)
        if expect.challenge is not None:
            checks.append(
                _expect_challenge(
                    s, state, expect.challenge.step, expect.challenge.stage, expect.challenge.status
                )
            )
    if expect.lookup is not None:
        checks.append(_from_output(state, step, "lookup", expect.lookup.model_dump()))
    if expect.agenda is not None:
        checks.append(_from_output(state, step, "agenda", expect.agenda.model_dump()))
    if expect.flagged_terms:
        checks.append(_from_output(state, step, "flagged_terms", expect.flagged_terms))
    return checks


def _raised(s: Session, ids: set[str]) -> list[RaisedAlert]:
    if not ids:
        return []
    recipients: dict[str, set[str]] = defaultdict(set)
    for alert_id, professional in s.execute(
        sa.select(AlertRecipientRow.alert_id, AlertRecipientRow.professional_id).where(
            AlertRecipientRow.alert_id.in_(ids)
        )
    ):
        recipients[alert_id].add(professional)
    rows = s.scalars(sa.select(AlertRow).where(AlertRow.id.in_(ids)).order_by(AlertRow.kind))
    return [RaisedAlert(r.kind, r.about_id, r.priority, frozenset(recipients[r.id])) for r in rows]


def _expect_alert(e: AlertExpectation, raised: list[RaisedAlert]) -> Check:
    priority = f" ({e.priority})" if e.priority else ""
    what = f"{e.kind} about {e.about}{priority} to {', '.join(e.to) or 'anyone'}"
    same = [a for a in raised if a.kind == e.kind and a.about == e.about]
    ok = any(
        set(e.to) <= a.recipients and (e.priority is None or a.priority == e.priority) for a in same
    )
    return Check(
        what, ok, _describe(same) if same else f"no {e.kind} about {e.about}" + _others(raised)
    )


def _expect_no_alert(e: NoAlertExpectation, raised: list[RaisedAlert]) -> Check:
    what = "no " + (e.kind or "alert") + (f" about {e.about}" if e.about else "")
    hits = [
        a
        for a in raised
        if (e.kind is None or a.kind == e.kind) and (e.about is None or a.about == e.about)
    ]
    return Check(what, not hits, _describe(hits) if hits else "none raised")


def _expect_not_to(
    s: Session, ids: list[str], step: Step, state: ReplayState, raised: list[RaisedAlert]
) -> Check:
    what = f"nothing naming a child reaches {', '.join(ids)}"
    reached = [a for a in raised if a.recipients & set(ids)]
    problems = [a.describe() for a in reached]
    if step.by in ids:
        named = _children_named_in(s, str(state.outputs.get(step.id, "")))
        problems += [f"the answer to {step.by} names {c}" for c in named]
    return Check(what, not problems, "; ".join(problems) or "nothing naming a child was sent")


def _children_named_in(s: Session, text: str) -> list[str]:
    """Children whose name, or whose register id, appears as words in an answer."""
    children = s.scalars(sa.select(PersonRow).where(PersonRow.kind == PersonKind.CHILD))
    return [
        c.id
        for c in children
        if _mentions(text, f"{c.given} {c.family}") or (len(c.id) > 2 and _mentions(text, c.id))
    ]


def _mentions(text: str, words: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(words)}(?!\w)", text, re.IGNORECASE) is not None


def _expect_prompts(s: Session, step: Step, state: ReplayState, kinds: list[str]) -> list[Check]:
    children = _children_of_step(s, step, state)
    rows = s.scalars(
        sa.select(PromptRow).where(PromptRow.cleared_at.is_(None), PromptRow.child_id.in_(children))
    ).all()
    open_kinds = {r.kind for r in rows}
    where = ", ".join(children) or "no child"
    happened = f"open on {where}: {', '.join(sorted(open_kinds)) or 'none'}"
    return [Check(f"prompt {k} open", k in open_kinds, happened) for k in kinds]


def _children_of_step(s: Session, step: Step, state: ReplayState) -> list[str]:
    """The children a step concerns: the one it names, or those its information linked to."""
    child = getattr(step.payload, "child", None)
    if child:
        return [str(child)]
    contribution = state.by_step.get(step.id)
    linked = set(
        s.scalars(
            sa.select(ContributionSubjectRow.person_id).where(
                ContributionSubjectRow.contribution_id == contribution,
                ContributionSubjectRow.person_id.is_not(None),
            )
        )
    )
    children = set(
        s.scalars(
            sa.select(PersonRow.id).where(
                PersonRow.id.in_(linked), PersonRow.kind == PersonKind.CHILD
            )
        )
    ) | set(
        s.scalars(sa.select(RelationshipRow.child_id).where(RelationshipRow.adult_id.in_(linked)))
    )
    if not children:
        children = set(s.scalars(sa.select(PersonRow.id).where(PersonRow.kind == PersonKind.CHILD)))
    return sorted(children)


def _expect_challenge(
    s: Session, state: ReplayState, step_id: str, stage: int, status: str
) -> Check:
    what = f"the challenge of step {step_id} is at stage {stage}, {status}"
    challenge_id = state.by_step.get(step_id)
    row = s.get(ChallengeRow, challenge_id) if challenge_id else None
    if row is None:
        return Check(what, False, f"no challenge was raised by step {step_id}")
    ok = row.stage == stage and row.status == status
    return Check(what, ok, f"stage {row.stage}, {row.status}")


def _from_output(state: ReplayState, step: Step, key: str, expected: Any) -> Check:
    """Expectations on what a step answered (lookup, agenda, jargon check)."""
    answer = state.outputs.get(step.id)
    if not isinstance(answer, dict) or key not in answer:
        return Check(f"{key}: {expected}", False, f"the step gave no {key}")
    ok, happened = compare_output(key, expected, answer[key])
    return Check(f"{key}: {expected}", ok, happened)


def _describe(alerts: list[RaisedAlert]) -> str:
    return "; ".join(a.describe() for a in alerts)


def _others(raised: list[RaisedAlert]) -> str:
    return f" (raised: {_describe(raised)})" if raised else " (no alerts raised)"
