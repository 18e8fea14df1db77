"""The scenario contract (shared/scenarios/FORMAT.md) as validated types."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from teamaround.domain.vocab import Priority
from teamaround.services.commands import (
    AcknowledgeCreate,
    Advance,
    AgencyCreate,
    AgendaRequest,
    ChallengeCreate,
    ChallengeResponseCreate,
    ConditionsSet,
    CoreGroupChange,
    LetterCheck,
    LookupRequest,
    MaracListingCreate,
    MeetingCreate,
    PersonCreate,
    PlanEnd,
    PlanHistory,
    PlanStart,
    ProfessionalCreate,
    RelationshipCreate,
    ShareCreate,
)

Name = Annotated[str, Field(min_length=1, max_length=64)]

ACTIONS: dict[str, type[BaseModel]] = {
    "share": ShareCreate,
    "marac-listing": MaracListingCreate,
    "add-person": PersonCreate,
    "relate": RelationshipCreate,
    "set-conditions": ConditionsSet,
    "start-plan": PlanStart,
    "end-plan": PlanEnd,
    "meeting": MeetingCreate,
    "core-group": CoreGroupChange,
    "agenda": AgendaRequest,
    "lookup": LookupRequest,
    "letter": LetterCheck,
    "challenge": ChallengeCreate,
    "respond": ChallengeResponseCreate,
    "acknowledge": AcknowledgeCreate,
    "advance": Advance,
}


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AlertExpectation(Model):
    kind: str
    about: Name
    to: list[Name] = Field(default_factory=list)
    priority: Priority | None = None


class NoAlertExpectation(Model):
    about: Name | None = None
    kind: str | None = None


class LookupExpectation(Model):
    flagged: bool
    flags: list[str] | None = None
    discloses_child: bool
    contact: str | None = None


class AgendaExpectation(Model):
    sections: list[str] = Field(default_factory=list)
    other_agency_information_from: list[Name] = Field(default_factory=list)
    suggest_invite: list[str] = Field(default_factory=list)


class ChallengeExpectation(Model):
    step: Name
    stage: int
    status: str


class Expectations(Model):
    alerts: list[AlertExpectation] = Field(default_factory=list)
    no_alerts: list[NoAlertExpectation] = Field(default_factory=list)
    not_to: list[Name] = Field(default_factory=list)
    lookup: LookupExpectation | None = None
    agenda: AgendaExpectation | None = None
    prompts: list[str] = Field(default_factory=list)
    flagged_terms: list[str] = Field(default_factory=list)
    challenge: ChallengeExpectation | None = None


class Step(Model):
    id: Name
    at: datetime | date
    by: Name
    action: str
    payload: Any
    expect: Expectations = Field(default_factory=Expectations)
    line: int = 0


class Scenario(Model):
    scenario: Name
    title: str = ""
    start: datetime | date
    agencies: list[AgencyCreate] = Field(default_factory=list)
    professionals: list[ProfessionalCreate] = Field(default_factory=list)
    addresses: dict[str, str] = Field(default_factory=dict)
    people: list[PersonCreate] = Field(default_factory=list)
    relationships: list[RelationshipCreate] = Field(default_factory=list)
    history: list[PlanHistory] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
