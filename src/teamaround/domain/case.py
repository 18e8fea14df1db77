"""A child's case as the rules see it: who is around the child and who is responsible."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from teamaround.domain.vocab import (
    AgencyKind,
    ConditionKind,
    Contact,
    ContributionKind,
    Fact,
    MeetingType,
    PlanKind,
    RelationshipKind,
)


@dataclass(frozen=True, slots=True)
class Condition:
    kind: ConditionKind
    detail: str
    until: date | None = None

    def in_force(self, today: date) -> bool:
        return self.until is None or today <= self.until


@dataclass(frozen=True, slots=True)
class LinkedAdult:
    """An adult with a relationship to the child, and what is known of the risk they pose."""

    person_id: str
    kind: RelationshipKind
    lives_with: bool = False
    contact: Contact = Contact.PERMITTED
    risk: str | None = None
    conditions: tuple[Condition, ...] = ()
    offender_managers: frozenset[str] = frozenset()

    def poses_recorded_risk(self, today: date) -> bool:
        """Why an adult at the child's home is urgent: a contact rule, a recorded risk or MAPPA."""
        if self.contact in (Contact.PROHIBITED, Contact.SUPERVISED):
            return True
        if self.risk:
            return True
        return any(c.kind == ConditionKind.MAPPA and c.in_force(today) for c in self.conditions)


@dataclass(frozen=True, slots=True)
class CaseSnapshot:
    """Everything the rules need about one child, resolved to professional ids."""

    child_id: str
    open_plans: frozenset[PlanKind]
    home_address_id: str | None
    lead_social_worker: str | None
    core_group: frozenset[str]
    school_dsls: frozenset[str]
    spocs: frozenset[str]
    team_managers: frozenset[str]
    adults: tuple[LinkedAdult, ...] = field(default=())

    @property
    def has_open_plan(self) -> bool:
        return bool(self.open_plans)

    professional_agencies: dict[str, str] = field(default_factory=dict)

    def manager_agencies(self, professional_ids: frozenset[str]) -> set[str]:
        """The agencies of the given professionals, as far as the snapshot knows them."""
        return {
            self.professional_agencies[p]
            for p in professional_ids
            if p in self.professional_agencies
        }

    def adult(self, person_id: str) -> LinkedAdult | None:
        return next((a for a in self.adults if a.person_id == person_id), None)


@dataclass(frozen=True, slots=True)
class SharedFacts:
    """One contribution as it bears on a child: who shared it, when, and its structured facts."""

    contribution_id: str
    agency_id: str
    agency_kind: AgencyKind
    kind: ContributionKind
    at: datetime
    facts: frozenset[Fact]
    concerns_child: bool
    adults: frozenset[str]
    restricted: bool = False


@dataclass(frozen=True, slots=True)
class HeldMeeting:
    type: MeetingType
    at: datetime


@dataclass(frozen=True, slots=True)
class CaseHistory:
    """A case with what agencies have shared and what meetings have been held, oldest first."""

    case: CaseSnapshot
    agencies: dict[str, AgencyKind]  # every agency in the partnership, by id
    core_group_agencies: frozenset[str]
    contributions: tuple[SharedFacts, ...]
    meetings: tuple[HeldMeeting, ...]
    urgent_alerts: tuple[datetime, ...]  # when urgent alerts about the child were raised
    plan_started: datetime | None  # when the oldest open plan began

    def agency_kind(self, agency_id: str) -> AgencyKind:
        return self.agencies.get(agency_id, AgencyKind.OTHER)

    def last_meeting(self, *types: MeetingType) -> HeldMeeting | None:
        held = [m for m in self.meetings if not types or m.type in types]
        return held[-1] if held else None
