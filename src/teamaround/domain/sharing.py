"""What an agency shared, once its subjects have been linked to the register."""

from __future__ import annotations

from dataclasses import dataclass

from teamaround.domain.vocab import AlertKind, Fact, Priority, SubjectRole


@dataclass(frozen=True, slots=True)
class LinkedSubject:
    """One subject as the agency described it, and what the system linked it to."""

    position: int
    role: SubjectRole
    person_id: str | None
    address_id: str | None
    described_address: bool
    explanation: str


@dataclass(frozen=True, slots=True)
class SharedInformation:
    contribution_id: str
    agency_id: str
    agency_name: str
    sharer_id: str
    facts: frozenset[Fact]
    restricted: bool
    subjects: tuple[LinkedSubject, ...]

    def subjects_linked_to(self, person_id: str) -> tuple[LinkedSubject, ...]:
        return tuple(s for s in self.subjects if s.person_id == person_id)

    def subjects_at(self, address_id: str | None) -> tuple[LinkedSubject, ...]:
        if address_id is None:
            return ()
        return tuple(s for s in self.subjects if s.address_id == address_id)


@dataclass(frozen=True, slots=True)
class AlertDraft:
    """An alert a rule decided to raise; the services store and deliver it."""

    kind: AlertKind
    about: str
    recipients: frozenset[str]
    priority: Priority
    reason: str
    recommendation: str
    concerning: str | None = None  # the adult or record the alert is about, besides the child
