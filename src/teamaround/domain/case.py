"""A child's case as the rules see it: who is around the child and who is responsible."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from teamaround.domain.vocab import ConditionKind, Contact, PlanKind, RelationshipKind


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

    def adult(self, person_id: str) -> LinkedAdult | None:
        return next((a for a in self.adults if a.person_id == person_id), None)
