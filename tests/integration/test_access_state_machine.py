"""A Hypothesis state machine: what the services disclose is exactly what the policy allows.

Professionals, children, plans, core groups, restricted and open information are created in
random orders; after every step, every professional's view of every child and of every
contribution is compared with a plain model of the need-to-know policy.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from teamaround.adapters.db.tables import Base
from teamaround.clock import FixedClock
from teamaround.services.children import view_child
from teamaround.services.commands import (
    AgencyCreate,
    MeetingCreate,
    PersonCreate,
    PlanStart,
    ProfessionalCreate,
    ShareCreate,
)
from teamaround.services.context import SYSTEM, UnitOfWork
from teamaround.services.contributions import view_contribution
from teamaround.services.errors import NotFound
from teamaround.services.meetings import do_hold_meeting
from teamaround.services.register import (
    do_add_person,
    do_register_agency,
    do_register_professional,
    do_start_plan,
)
from teamaround.services.sharing import do_share

ROLES = ["social-worker", "team-manager", "spoc", "dsl", "gp", "call-handler", "police-officer"]
KINDS = {"csc": "childrens-social-care", "school": "school", "health": "gp", "police": "police"}
AGENCY_FOR_ROLE = {
    "social-worker": "csc",
    "team-manager": "csc",
    "spoc": "csc",
    "dsl": "school",
    "gp": "health",
    "call-handler": "health",
    "police-officer": "police",
}
GIVEN = ["Ada", "Bryn", "Cara", "Dev", "Esme", "Finn", "Gwen", "Hari"]


@dataclass
class Model:
    """The policy, written as plainly as possible, over what the machine has created."""

    agency_of: dict[str, str] = field(default_factory=dict)  # professional -> agency
    role_of: dict[str, str] = field(default_factory=dict)
    school_of: dict[str, str] = field(default_factory=dict)  # child -> school agency
    lead_of: dict[str, str] = field(default_factory=dict)
    core_of: dict[str, set[str]] = field(default_factory=dict)
    shared: dict[str, tuple[str, str, bool]] = field(
        default_factory=dict
    )  # id -> (agency, child, restricted)

    def may_see_child(self, who: str, child: str) -> bool:
        if self.role_of[who] == "dsl" and self.agency_of[who] == self.school_of[child]:
            return True  # a school's DSL sees its own pupils, plan or not
        lead = self.lead_of.get(child)
        if lead is None:
            return False
        return (
            who == lead
            or who in self.core_of.get(child, set())
            or (
                self.role_of[who] in ("spoc", "team-manager")
                and self.agency_of[who] == self.agency_of[lead]
            )
        )

    def may_see_contribution(self, who: str, contribution: str) -> bool:
        agency, child, restricted = self.shared[contribution]
        if self.agency_of[who] == agency:
            return True
        if restricted:
            return who == self.lead_of.get(child)
        return self.may_see_child(who, child)


class AccessMachine(RuleBasedStateMachine):
    engine: sa.Engine

    def __init__(self) -> None:
        super().__init__()
        with self.engine.begin() as c:
            for table in reversed(Base.metadata.sorted_tables):
                c.execute(table.delete())
        self.clock = FixedClock(datetime(2024, 1, 8, 9, tzinfo=UTC))
        self.uow = UnitOfWork(self.engine, self.clock)
        self.model = Model()
        self.ids = itertools.count(1)

    @initialize()
    def agencies(self) -> None:
        for key, kind in KINDS.items():
            do_register_agency(
                self.uow,
                actor_id=SYSTEM.id,
                agency=AgencyCreate(id=key, name=key.title(), kind=kind),
            )
        do_register_agency(
            self.uow,
            actor_id=SYSTEM.id,
            agency=AgencyCreate(id="school2", name="Other", kind="school"),
        )

    def _tick(self) -> None:
        self.clock.set(self.clock.now() + timedelta(minutes=5))

    @rule(role=st.sampled_from(ROLES), other_school=st.booleans())
    def add_professional(self, role: str, other_school: bool) -> None:
        agency = "school2" if role == "dsl" and other_school else AGENCY_FOR_ROLE[role]
        who = f"p{next(self.ids)}"
        do_register_professional(
            self.uow,
            actor_id=SYSTEM.id,
            professional=ProfessionalCreate(id=who, agency=agency, role=role, name=who),
        )
        self.model.agency_of[who] = agency
        self.model.role_of[who] = role

    @rule(school=st.sampled_from(["school", "school2"]))
    def add_child(self, school: str) -> None:
        n = next(self.ids)
        child = f"c{n}"
        do_add_person(
            self.uow,
            actor_id=SYSTEM.id,
            person=PersonCreate(
                id=child,
                kind="child",
                given=GIVEN[n % len(GIVEN)],
                family=f"Family{n}",
                dob=date(2010, 1, 1) + timedelta(days=37 * n),
                school=school,
            ),
        )
        self.model.school_of[child] = school

    @precondition(lambda self: self._children() and self._with_role("social-worker"))
    @rule(data=st.data())
    def start_plan(self, data: st.DataObject) -> None:
        child = data.draw(st.sampled_from(self._children()))
        lead = data.draw(st.sampled_from(self._with_role("social-worker")))
        self._tick()
        do_start_plan(
            self.uow,
            actor_id=SYSTEM.id,
            plan=PlanStart(child=child, plan="child-protection", category="neglect", lead=lead),
        )
        self.model.lead_of[child] = lead

    @precondition(lambda self: bool(self.model.lead_of))
    @rule(data=st.data())
    def conference_sets_core_group(self, data: st.DataObject) -> None:
        child = data.draw(st.sampled_from(sorted(self.model.lead_of)))
        members = data.draw(st.sets(st.sampled_from(sorted(self.model.role_of)), max_size=3))
        lead = self.model.lead_of[child]
        self._tick()
        do_hold_meeting(
            self.uow,
            actor_id=lead,
            meeting=MeetingCreate(
                child=child, type="icpc", attendees=[lead], core_group=sorted(members | {lead})
            ),
        )
        self.model.core_of[child] = members | {lead}

    @precondition(lambda self: self._children() and self.model.role_of)
    @rule(data=st.data(), restricted=st.booleans())
    def share(self, data: st.DataObject, restricted: bool) -> None:
        child = data.draw(st.sampled_from(self._children()))
        sharer = data.draw(st.sampled_from(sorted(self.model.role_of)))
        n = int(child[1:])
        self._tick()
        receipt = do_share(
            self.uow,
            actor_id=sharer,
            share=ShareCreate.model_validate(
                {
                    "category": "concern",
                    "summary": "Something was seen.",
                    "restriction": "police only" if restricted else None,
                    "subjects": [
                        {
                            "given": GIVEN[n % len(GIVEN)],
                            "family": f"Family{n}",
                            "dob": (date(2010, 1, 1) + timedelta(days=37 * n)).isoformat(),
                        }
                    ],
                }
            ),
        )
        self.model.shared[receipt.contribution_id] = (
            self.model.agency_of[sharer],
            child,
            restricted,
        )

    @invariant()
    def children_are_seen_exactly_as_allowed(self) -> None:
        for who in self.model.role_of:
            for child in self._children():
                assert self._can(
                    view_child, actor_id=who, child_id=child
                ) == self.model.may_see_child(who, child), (who, child)

    @invariant()
    def contributions_are_seen_exactly_as_allowed(self) -> None:
        for who in self.model.role_of:
            for contribution in self.model.shared:
                seen = self._can(view_contribution, actor_id=who, contribution_id=contribution)
                assert seen == self.model.may_see_contribution(who, contribution), (
                    who,
                    contribution,
                    self.model.shared[contribution],
                )

    def _can(self, read: Callable[..., object], **where: str) -> bool:
        try:
            read(self.uow, **where)
        except NotFound:
            return False
        return True

    def _children(self) -> list[str]:
        return sorted(self.model.school_of)

    def _with_role(self, role: str) -> list[str]:
        return sorted(p for p, r in self.model.role_of.items() if r == role)


def test_disclosure_matches_the_policy(engine: sa.Engine) -> None:
    AccessMachine.engine = engine
    run = AccessMachine.TestCase
    run.settings = settings(
        max_examples=12,
        stateful_step_count=12,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    run().runTest()


pytestmark = pytest.mark.slow
