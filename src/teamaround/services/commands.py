"""The shapes of every request, shared by the HTTP API and scenario replay.

Field names follow the scenario contract (shared/scenarios/FORMAT.md), so that a step in a
scenario file and a JSON body to the API are the same thing, validated the same way.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    field_validator,
    model_validator,
)

from teamaround.domain.vocab import (
    AgencyKind,
    ConditionKind,
    Contact,
    Fact,
    MeetingType,
    PersonKind,
    PlanCategory,
    PlanKind,
    RelationshipKind,
    Role,
    ShareCategory,
)


def _as_text(value: Any) -> Any:
    """Agencies type dates and numbers as text; YAML may have read them as values."""
    if isinstance(value, date | int):
        return value.isoformat() if isinstance(value, date) else str(value)
    return value


Text = Annotated[str, BeforeValidator(_as_text), Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(min_length=1, max_length=20_000)]
Id = Annotated[str, BeforeValidator(_as_text), Field(min_length=1, max_length=64)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        """No database stores a NUL character in text (PostgreSQL refuses it): say so."""
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(t, str) and "\x00" in t for t in texts):
            raise ValueError("text must not contain NUL characters")
        return value


_NEEDS_A_NAME: dict[str, JsonValue] = {
    "anyOf": [
        {"required": [field], "properties": {field: {"type": "string", "minLength": 1}}}
        for field in ("given", "family", "name")
    ]
}


class IdentityIn(Strict):
    """A person described as the sharing agency knows them; any field may be missing."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, frozen=True, json_schema_extra=_NEEDS_A_NAME
    )

    given: Text | None = None
    family: Text | None = None
    name: Text | None = None
    dob: Text | None = None
    nhs: Text | None = None
    address: Text | None = Field(default=None, max_length=400)
    phone: Text | None = None
    sex: Text | None = None

    @model_validator(mode="after")
    def _needs_a_name(self) -> IdentityIn:
        if not (self.given or self.family or self.name):
            raise ValueError("a subject needs at least one of given, family or name")
        return self


class AgencyCreate(Strict):
    id: Id
    name: Text
    kind: AgencyKind


class ProfessionalCreate(Strict):
    id: Id
    agency: Id
    role: Role
    name: Text


class AddressCreate(Strict):
    id: Id
    text: Annotated[str, Field(min_length=1, max_length=400)]


class PersonCreate(Strict):
    id: Id
    kind: PersonKind
    given: Annotated[Text, Field(max_length=100)]
    family: Annotated[Text, Field(max_length=100)]
    dob: date | None = None
    sex: Annotated[Text, Field(max_length=10)] | None = None
    nhs: Annotated[str | None, BeforeValidator(_as_text)] = None
    address: Id | None = None
    school: Id | None = None
    aliases: list[Text] = Field(default_factory=list, max_length=20)
    phone: Annotated[Text, Field(max_length=40)] | None = None


class PersonUpdate(Strict):
    """A correction to a person's identity: only the fields given change. A kind cannot
    change (a child recorded as an adult is a different record, with different rules), and
    nothing is cleared: a correction replaces a wrong value, it does not forget one."""

    given: Annotated[Text, Field(max_length=100)] | None = None
    family: Annotated[Text, Field(max_length=100)] | None = None
    dob: date | None = None
    sex: Annotated[Text, Field(max_length=10)] | None = None
    nhs: Annotated[str | None, BeforeValidator(_as_text)] = None
    phone: Annotated[Text, Field(max_length=40)] | None = None
    address: Id | None = None
    school: Id | None = None
    aliases_add: list[Text] = Field(default_factory=list, max_length=20)
    version: int | None = Field(default=None, ge=1)
    """The record's version the correction was made against (`PersonView.version`): if the
    record has changed since, the correction is refused rather than undo that change."""

    @model_validator(mode="after")
    def _changes_something(self) -> PersonUpdate:
        changes = self.model_dump(exclude={"version"})
        if all(value in (None, []) for value in changes.values()):
            raise ValueError("a correction needs at least one field to change")
        return self


class PeopleMerge(Strict):
    """Two records of one person: `duplicate` is folded into `into`, which survives."""

    duplicate: Id
    into: Id


class MergeInto(Strict):
    """The body of a merge through the API; the duplicate is the record in the path."""

    into: Id


class RelationshipCreate(Strict):
    child: Id
    adult: Id
    kind: RelationshipKind
    lives_with: bool | None = None
    contact: Contact | None = None
    risk: Annotated[str, Field(max_length=2000)] | None = None


class ConditionIn(Strict):
    kind: ConditionKind
    detail: Annotated[str, Field(min_length=1, max_length=2000)]
    until: date | None = None


class ConditionsSet(Strict):
    person: Id
    conditions: list[ConditionIn] = Field(min_length=1, max_length=20)


class PlanStart(Strict):
    child: Id
    plan: PlanKind
    category: PlanCategory | None = None
    lead: Id | None = None


class PlanEnd(Strict):
    child: Id
    plan: PlanKind
    category: PlanCategory | None = None
    lead: Id | None = None


class PlanHistory(PlanStart):
    """A plan already on record when a register is loaded."""

    from_: date = Field(alias="from")
    to: date | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class ShareCreate(Strict):
    subjects: list[IdentityIn] = Field(min_length=1, max_length=50)
    category: ShareCategory
    summary: LongText
    facts: list[Fact] = Field(default_factory=list, max_length=20)
    restriction: Text | None = None


class MaracListingCreate(Strict):
    victim: IdentityIn
    perpetrator: IdentityIn
    meeting_date: date


class MeetingCreate(Strict):
    child: Id
    type: MeetingType
    attendees: list[Id] = Field(default_factory=list, max_length=100)
    core_group: list[Id] | None = Field(default=None, max_length=100)
    decisions: list[LongText] = Field(default_factory=list, max_length=100)


class CoreGroupChange(Strict):
    child: Id
    add: list[Id] = Field(default_factory=list, max_length=100)
    remove: list[Id] = Field(default_factory=list, max_length=100)


class AlertRef(Strict):
    kind: Text
    about: Id


class AcknowledgeCreate(Strict):
    alert: AlertRef


class Moment(Strict):
    """An instant with its zone; a bare date is the start of that day in UTC."""

    at: datetime


class AgendaRequest(Strict):
    child: Id
    type: MeetingType


class LookupRequest(Strict):
    subject: IdentityIn


class LetterCheck(Strict):
    to: Text
    text: LongText


class ChallengeCreate(Strict):
    child: Id
    to_agency: Id
    nature: LongText
    expected_outcome: LongText
    respond_by: date


class ChallengeResponseCreate(Strict):
    challenge: Id
    text: LongText


class Advance(Strict):
    """Only moves the clock, so that timers can fire."""
