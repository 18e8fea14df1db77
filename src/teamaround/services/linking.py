"""Linking what an agency described to the register, through the Matcher interface."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from teamaround.adapters.db.tables import AddressRow, AliasRow, PersonAddressRow, PersonRow
from teamaround.domain.identity import Identity
from teamaround.linkage import (
    LINK_THRESHOLD,
    AddressMatch,
    Matcher,
    PotentialMatch,
    RegisterAddress,
    RegisterPerson,
    ScoringMatcher,
)
from teamaround.services.commands import IdentityIn


@dataclass(frozen=True, slots=True)
class SubjectLink:
    """The best register person and household for one described subject."""

    person: PotentialMatch | None
    address: AddressMatch | None
    candidates: tuple[PotentialMatch, ...]

    @property
    def person_id(self) -> str | None:
        return self.person.person_id if self.person else None

    @property
    def address_id(self) -> str | None:
        return self.address.address_id if self.address else None

    def explanation(self) -> str:
        if self.person is not None:
            return self.person.explain()
        if self.address is not None:
            return "the address given is a registered household address"
        return "no match on the register"

    def evidence(self) -> dict[str, Any]:
        return {
            "person": _match_json(self.person),
            "address": _match_json(self.address),
            "candidates": [_match_json(c) for c in self.candidates],
        }


def identity_of(subject: IdentityIn) -> Identity:
    return Identity(**subject.model_dump())


def build_matcher(s: Session, today: date) -> Matcher:
    """A matcher over the whole register as it stands in this transaction."""
    addresses = {row.id: row.text for row in s.scalars(sa.select(AddressRow))}
    aliases: dict[str, list[str]] = defaultdict(list)
    for alias in s.scalars(sa.select(AliasRow).order_by(AliasRow.id)):
        aliases[alias.person_id].append(alias.name)
    history: dict[str, list[str]] = defaultdict(list)
    for lived in s.scalars(sa.select(PersonAddressRow).order_by(PersonAddressRow.since.desc())):
        history[lived.person_id].append(addresses[lived.address_id])
    people = [
        RegisterPerson(
            id=row.id,
            given=row.given,
            family=row.family,
            dob=row.dob,
            sex=row.sex,
            nhs=row.nhs,
            phone=row.phone,
            aliases=tuple(aliases[row.id]),
            addresses=_current_first(row, addresses, history[row.id]),
        )
        for row in s.scalars(sa.select(PersonRow).order_by(PersonRow.id))
    ]
    households = [RegisterAddress(id=key, text=text) for key, text in addresses.items()]
    return ScoringMatcher(people, households, today=today)


def link_subject(matcher: Matcher, identity: Identity) -> SubjectLink:
    candidates = tuple(matcher.match_person(identity))
    person = next((c for c in candidates if c.probability >= LINK_THRESHOLD), None)
    address = None
    if identity.address:
        address = next(
            (a for a in matcher.match_address(identity.address) if a.probability >= LINK_THRESHOLD),
            None,
        )
    return SubjectLink(person=person, address=address, candidates=candidates[:5])


def _current_first(row: PersonRow, addresses: dict[str, str], past: list[str]) -> tuple[str, ...]:
    current = [addresses[row.address_id]] if row.address_id else []
    return tuple(dict.fromkeys(current + past))


def _match_json(match: PotentialMatch | AddressMatch | None) -> dict[str, Any] | None:
    if match is None:
        return None
    key = match.person_id if isinstance(match, PotentialMatch) else match.address_id
    return {
        "id": key,
        "probability": round(match.probability, 6),
        "fields": [
            {
                "field": e.field,
                "level": e.level,
                "weight": round(e.weight, 3),
                "description": e.description,
            }
            for e in match.evidence
        ],
    }
