"""Drafted agendas with a section for other agencies' information (recommendation 1)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from teamaround.adapters.db.tables import AgencyRow, ContributionRow, PersonRow, ProfessionalRow
from teamaround.domain.case import CaseHistory, SharedFacts
from teamaround.domain.vocab import Contact, Purpose
from teamaround.rules.prompts import HEALTH, agencies_to_invite
from teamaround.services import audit
from teamaround.services.cases import access_case_by_child_id
from teamaround.services.commands import AgendaRequest
from teamaround.services.context import UnitOfWork, load_actor
from teamaround.services.errors import present
from teamaround.services.history import load_history
from teamaround.services.prompts import PromptView, open_prompts_of

OTHER_AGENCIES = "Information from other agencies"
SECTIONS = (
    "Introductions, attendance and apologies",
    OTHER_AGENCIES,
    "Agencies to consider inviting",
    "Prompts from the practice review",
    "What we do not know",
    "The child's lived experience",
    "Review of the plan, decisions and actions",
)


@dataclass(frozen=True, slots=True)
class SharedItem:
    at: datetime
    kind: str
    category: str | None
    summary: str
    facts: list[str]


@dataclass(frozen=True, slots=True)
class AgencyInformation:
    agency_id: str
    agency_name: str
    agency_kind: str
    in_core_group: bool
    items: list[SharedItem]


@dataclass(frozen=True, slots=True)
class InviteSuggestion:
    agency_id: str
    agency_name: str
    kind: str
    why: str


@dataclass(frozen=True, slots=True)
class Agenda:
    child_id: str
    child_name: str
    meeting_type: str
    drafted_at: datetime
    information_since: datetime | None
    sections: list[str]
    other_agency_information: list[AgencyInformation]
    suggest_invite: list[InviteSuggestion]
    prompts: list[PromptView]
    questions: list[str] = field(default_factory=list)


def draft_agenda(uow: UnitOfWork, *, actor_id: str, request: AgendaRequest) -> Agenda:
    refused = audit.refusals_recorded(
        uow,
        actor_id,
        f"draft-agenda:{request.type}",
        "child",
        request.child,
        Purpose.CHILD_PROTECTION,
    )
    with refused, uow.transaction() as s:
        actor = load_actor(s, actor_id)
        now = uow.clock.now()
        case = access_case_by_child_id(s, actor, request.child, now)
        history = load_history(s, request.child, now)
        since = _window_start(history, request)
        child = present(s.get(PersonRow, request.child), "child")
        audit.action(
            s,
            now,
            actor,
            f"draft-agenda:{request.type}",
            "child",
            request.child,
            Purpose.CHILD_PROTECTION,
        )
        names = {a.id: a.name for a in s.scalars(sa.select(AgencyRow))}
        lead = s.get(ProfessionalRow, case.lead_social_worker) if case.lead_social_worker else None
        own_agency = {lead.agency_id} if lead else set()
        return Agenda(
            child_id=child.id,
            child_name=f"{child.given} {child.family}",
            meeting_type=request.type,
            drafted_at=now,
            information_since=since,
            sections=list(SECTIONS),
            other_agency_information=_other_agency_information(
                s,
                history,
                since,
                names,
                own_agency,
                can_see_restricted=actor.id == case.lead_social_worker,
            ),
            suggest_invite=[
                InviteSuggestion(
                    i.agency_id, names.get(i.agency_id, i.agency_id), str(i.kind), i.why
                )
                for i in agencies_to_invite(history, now)
            ],
            prompts=open_prompts_of(s, request.child),
            questions=_questions(s, history, since),
        )


def _window_start(history: CaseHistory, request: AgendaRequest) -> datetime | None:
    """Since the last meeting of this type; for a first meeting, since the plan began."""
    last = history.last_meeting(request.type)
    return last.at if last else history.plan_started


def _other_agency_information(
    s: Session,
    history: CaseHistory,
    since: datetime | None,
    names: dict[str, str],
    own_agencies: set[str],
    *,
    can_see_restricted: bool,
) -> list[AgencyInformation]:
    grouped: dict[str, list[SharedItem]] = defaultdict(list)
    for shared in history.contributions:
        if shared.agency_id in own_agencies or (since is not None and shared.at < since):
            continue
        grouped[shared.agency_id].append(_item(s, shared, can_see_restricted))
    return [
        AgencyInformation(
            agency_id=agency_id,
            agency_name=names.get(agency_id, agency_id),
            agency_kind=history.agency_kind(agency_id),
            in_core_group=agency_id in history.core_group_agencies,
            items=items,
        )
        for agency_id, items in grouped.items()
    ]


def _item(s: Session, shared: SharedFacts, can_see_restricted: bool) -> SharedItem:
    row = present(s.get(ContributionRow, shared.contribution_id), "contribution")
    hidden = shared.restricted and not can_see_restricted
    summary = "Restricted information: ask the lead social worker." if hidden else row.summary
    return SharedItem(
        at=row.received_at,
        kind=row.kind,
        category=row.category,
        summary=summary,
        facts=[] if hidden else sorted(row.facts),
    )


def _questions(s: Session, history: CaseHistory, since: datetime | None) -> list[str]:
    """What is not known: prompts for the meeting to find out, and from whom."""
    questions = []
    recent = [c for c in history.contributions if since is None or c.at >= since]
    for adult in history.case.adults:
        person = s.get(PersonRow, adult.person_id)
        name = f"{person.given} {person.family}" if person else adult.person_id
        if adult.contact != Contact.PERMITTED or adult.risk:
            questions.append(
                f"What do agencies know of where {name} is living and of any contact with the "
                "child? Which agency could tell us more?"
            )
        if not any(adult.person_id in c.adults and c.agency_kind in HEALTH for c in recent):
            questions.append(f"Has health (for example {name}'s GP) been asked what it knows?")
    if not any(c.concerns_child for c in recent):
        questions.append(
            "No agency has shared information about the child since the last meeting: why?"
        )
    questions.append("What has the child said, and what do we know of a day in their life?")
    return questions
