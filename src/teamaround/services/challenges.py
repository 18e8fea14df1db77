"""Professional challenge: raise, respond, escalate through four stages (recommendation 13)."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from teamaround.adapters.db.tables import (
    AgencyRow,
    ChallengeEventRow,
    ChallengeResponseRow,
    ChallengeRow,
)
from teamaround.domain.vocab import ChallengeStatus, Purpose, Role
from teamaround.services import audit
from teamaround.services.cases import access_case_by_child_id
from teamaround.services.commands import ChallengeCreate, ChallengeResponseCreate
from teamaround.services.context import SYSTEM, UnitOfWork, load_actor
from teamaround.services.errors import Conflict, Invalid, NotFound

STAGES = {
    1: "practitioner to practitioner",
    2: "line managers",
    3: "senior managers",
    4: "the safeguarding partnership",
}
REPORT_ROLES = frozenset({Role.TEAM_MANAGER, Role.SPOC, Role.CONFERENCE_CHAIR})


@dataclass(frozen=True, slots=True)
class ChallengeView:
    id: str
    child_id: str
    raised_by: str
    to_agency: str
    nature: str
    expected_outcome: str
    respond_by: date
    stage: int
    stage_name: str
    status: str
    raised_at: datetime
    events: list[str]


@dataclass(frozen=True, slots=True)
class ChallengeReportRow:
    agency: str
    stage: int
    status: str
    count: int


def do_raise_challenge(uow: UnitOfWork, *, actor_id: str, challenge: ChallengeCreate) -> str:
    with uow.transaction() as s:
        actor = load_actor(s, actor_id)
        now = uow.clock.now()
        access_case_by_child_id(s, actor, challenge.child, now)
        if s.get(AgencyRow, challenge.to_agency) is None:
            raise Invalid("to_agency", f"no agency with id {challenge.to_agency!r}")
        if challenge.respond_by < now.date():
            raise Invalid("respond_by", "the date to respond by has already passed")
        row = ChallengeRow(
            id=uuid.uuid4().hex,
            child_id=challenge.child,
            raised_by=actor.id,
            to_agency_id=challenge.to_agency,
            nature=challenge.nature,
            expected_outcome=challenge.expected_outcome,
            respond_by=challenge.respond_by,
            stage=1,
            status=ChallengeStatus.OPEN,
            raised_at=now,
        )
        s.add(row)
        s.flush()
        log_event(s, row, now, "raised", f"raised at stage 1 ({STAGES[1]})")
        audit.action(
            s, now, actor, "raise-challenge", "challenge", row.id, Purpose.CHILD_PROTECTION
        )
        return row.id


def do_respond_to_challenge(
    uow: UnitOfWork, *, actor_id: str, response: ChallengeResponseCreate
) -> None:
    """The challenged agency answers; the challenge stops escalating."""
    with uow.transaction() as s:
        actor = load_actor(s, actor_id)
        now = uow.clock.now()
        row = s.get(ChallengeRow, response.challenge)
        if row is None or row.to_agency_id != actor.agency_id:
            raise NotFound("challenge")
        if row.status == ChallengeStatus.RESOLVED:
            raise Conflict("the challenge is resolved")
        s.add(
            ChallengeResponseRow(
                challenge_id=row.id, professional_id=actor.id, text=response.text, at=now
            )
        )
        row.status = ChallengeStatus.RESPONDED
        log_event(s, row, now, "responded", f"responded at stage {row.stage}")
        audit.action(
            s, now, actor, "respond-challenge", "challenge", row.id, Purpose.CHILD_PROTECTION
        )


def do_resolve_challenge(
    uow: UnitOfWork, *, actor_id: str, challenge_id: str, outcome: str
) -> None:
    """Only the professional who raised a challenge can say it is resolved."""
    with uow.transaction() as s:
        actor = load_actor(s, actor_id)
        now = uow.clock.now()
        row = s.get(ChallengeRow, challenge_id)
        if row is None or row.raised_by != actor.id:
            raise NotFound("challenge")
        row.status = ChallengeStatus.RESOLVED
        log_event(s, row, now, "resolved", outcome[:2000])
        audit.action(
            s, now, actor, "resolve-challenge", "challenge", row.id, Purpose.CHILD_PROTECTION
        )


def list_challenges(uow: UnitOfWork, *, actor_id: str, child_id: str) -> list[ChallengeView]:
    refused = audit.refusals_recorded(
        uow, actor_id, "read-challenges", "child", child_id, Purpose.CHILD_PROTECTION
    )
    with refused, uow.transaction() as s:
        actor = load_actor(s, actor_id)
        now = uow.clock.now()
        access_case_by_child_id(s, actor, child_id, now)
        audit.action(s, now, actor, "read-challenges", "child", child_id, Purpose.CHILD_PROTECTION)
        rows = s.scalars(
            sa.select(ChallengeRow)
            .where(ChallengeRow.child_id == child_id)
            .order_by(ChallengeRow.raised_at)
        )
        return [_view(s, row) for row in rows]


def challenge_report(uow: UnitOfWork, *, actor_id: str) -> list[ChallengeReportRow]:
    """Challenges by agency challenged, stage and outcome: counts only, no child."""
    with uow.transaction() as s:
        actor = load_actor(s, actor_id)
        if actor.role not in REPORT_ROLES:
            raise NotFound("report")
        counts = Counter(
            (row.to_agency_id, row.stage, row.status) for row in s.scalars(sa.select(ChallengeRow))
        )
        audit.action(
            s,
            uow.clock.now(),
            actor,
            "read-challenge-report",
            "report",
            "challenges",
            Purpose.AUDIT,
        )
        return [
            ChallengeReportRow(a, stage, status, n)
            for (a, stage, status), n in sorted(counts.items())
        ]


def challenges_to_my_agency(uow: UnitOfWork, *, actor_id: str) -> list[ChallengeView]:
    """Unresolved challenges to the actor's agency, oldest first, each audited as read.

    The challenged agency may have no role on the child's case, so nothing here names the
    child: `child_id` is left empty.
    """
    with uow.transaction() as s:
        actor = load_actor(s, actor_id)
        if actor is SYSTEM:
            raise NotFound("challenge")
        now = uow.clock.now()
        rows = s.scalars(
            sa.select(ChallengeRow)
            .where(
                ChallengeRow.to_agency_id == actor.agency_id,
                ChallengeRow.status != ChallengeStatus.RESOLVED,
            )
            .order_by(ChallengeRow.respond_by, ChallengeRow.raised_at)
        ).all()
        views = []
        for row in rows:
            audit.action(
                s, now, actor, "read-challenge", "challenge", row.id, Purpose.CHILD_PROTECTION
            )
            views.append(replace(_view(s, row), child_id=""))
        return views


def log_event(s: Session, row: ChallengeRow, at: datetime, event: str, note: str) -> None:
    s.add(ChallengeEventRow(challenge_id=row.id, at=at, event=event, stage=row.stage, note=note))
    s.flush()


def _view(s: Session, row: ChallengeRow) -> ChallengeView:
    events = s.scalars(
        sa.select(ChallengeEventRow)
        .where(ChallengeEventRow.challenge_id == row.id)
        .order_by(ChallengeEventRow.id)
    )
    return ChallengeView(
        id=row.id,
        child_id=row.child_id,
        raised_by=row.raised_by,
        to_agency=row.to_agency_id,
        nature=row.nature,
        expected_outcome=row.expected_outcome,
        respond_by=row.respond_by,
        stage=row.stage,
        stage_name=STAGES[row.stage],
        status=row.status,
        raised_at=row.raised_at,
        events=[f"{e.at:%d %b %Y %H:%M} {e.event}: {e.note}" for e in events],
    )
