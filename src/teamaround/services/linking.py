"""Linking what an agency described to the register, through one kept-current matcher per database.

Building the index costs seconds for a large register (minutes at a million), so each process
keeps one matcher per database. Every register change is numbered and journalled in its own
transaction (`register_state`, `register_changes`); a matcher is reused while the change it
was built or last updated at is still the database's last. Changes made in this process
update the cached matcher in place (`register_changed`); another process's changes are
replayed from the journal by the next share (`matcher_for`); only what the journal cannot
account for (a restored backup, a rolled-back change, a process too far behind) rebuilds.
A SPOC's review decisions are applied on top.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import uuid
import weakref
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from teamaround.adapters.db.tables import (
    AddressRow,
    AliasRow,
    MatchReviewRow,
    PersonAddressRow,
    PersonRow,
    RegisterChangeRow,
    RegisterStateRow,
)
from teamaround.domain.identity import Identity
from teamaround.linkage import (
    AddressMatch,
    FieldEvidence,
    PotentialMatch,
    RegisterAddress,
    RegisterPerson,
    confirmed_door,
    standard_address,
)
from teamaround.linkage.realtime import ModelMatcher, description_key
from teamaround.services.commands import IdentityIn
from teamaround.services.on_register import ON_REGISTER
from teamaround.services.partnership import Setting, setting


class ReviewStatus:
    """Where a possible match stands with the SPOC (stored as text)."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    """Left the queue undecided because it went stale; it governs nothing later."""

    DECIDED = (CONFIRMED, REJECTED)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Link at or above `link`; between `review` and `link` a SPOC decides."""

    link: float
    review: float


def thresholds(s: Session) -> Thresholds:
    """The partnership's thresholds (settings in percent), review never above link."""
    link = setting(s, Setting.MATCH_LINK_PERCENT) / 100
    review = setting(s, Setting.MATCH_REVIEW_PERCENT) / 100
    return Thresholds(link=link, review=min(review, link))


@dataclass(frozen=True, slots=True)
class SubjectLink:
    """The best register person and household for one described subject."""

    person: PotentialMatch | None
    address: AddressMatch | None
    candidates: tuple[PotentialMatch, ...]
    review: PotentialMatch | None = None
    described_key: str = ""
    address_review: AddressMatch | None = None
    address_key: str = ""

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
            "person": match_json(self.person),
            "address": match_json(self.address),
            "candidates": [match_json(c) for c in self.candidates],
        }


def identity_of(subject: IdentityIn) -> Identity:
    return Identity(**subject.model_dump())


# --------------------------------------------------------------------------- the register


def _register_people(s: Session, where: Any = None) -> list[RegisterPerson]:
    """Register people (all, or those `where` selects) as the matcher needs them."""
    addresses = {row.id: row.text for row in s.scalars(sa.select(AddressRow))}
    people_query = sa.select(PersonRow).where(ON_REGISTER).order_by(PersonRow.id)
    alias_query = sa.select(AliasRow).order_by(AliasRow.id)
    lived_query = sa.select(PersonAddressRow).order_by(PersonAddressRow.since.desc())
    if where is not None:
        people_query = people_query.where(PersonRow.id == where)
        alias_query = alias_query.where(AliasRow.person_id == where)
        lived_query = lived_query.where(PersonAddressRow.person_id == where)
    aliases: dict[str, list[str]] = defaultdict(list)
    for alias in s.scalars(alias_query):
        aliases[alias.person_id].append(alias.name)
    history: dict[str, list[str]] = defaultdict(list)
    for lived in s.scalars(lived_query):
        history[lived.person_id].append(addresses[lived.address_id])
    return [
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
        for row in s.scalars(people_query)
    ]


def build_matcher(s: Session, today: date) -> ModelMatcher:
    """A matcher over the whole register as it stands in this transaction."""
    households = [
        RegisterAddress(id=row.id, text=row.text) for row in s.scalars(sa.select(AddressRow))
    ]
    return ModelMatcher(_register_people(s), households, today=today)


@dataclass(slots=True)
class _Cached:
    token: str
    seq: int
    matcher: ModelMatcher = field(repr=False)


_CACHE: weakref.WeakKeyDictionary[sa.Engine, _Cached] = weakref.WeakKeyDictionary()
_GUARD = threading.Lock()
JOURNAL_KEPT = 10_000
"""Register changes kept in the journal; a process further behind than this rebuilds."""
JOURNAL_PRUNED_EVERY = 1_000


def _engine(s: Session) -> sa.Engine:
    return s.get_bind().engine


@dataclass(frozen=True, slots=True)
class RegisterState:
    """The register's last change: its number and the token it wrote."""

    token: str
    seq: int


def register_state(s: Session, *, lock: bool = False) -> RegisterState | None:
    """Where the register stands; None before its first change (or after a wipe). `lock`
    takes its row lock (PostgreSQL), which a concurrent change then waits on till commit."""
    query = sa.select(RegisterStateRow.token, RegisterStateRow.seq).where(RegisterStateRow.id == 1)
    row = s.execute(query.with_for_update() if lock else query).one_or_none()
    return None if row is None else RegisterState(row.token, row.seq)


def matcher_for(s: Session, today: date) -> ModelMatcher:
    """This database's matcher: reused while the register is as it was built or last updated
    at; caught up from the journal when other processes changed it; rebuilt only when the
    journal cannot say what changed (a restored backup, a rolled-back change, too far
    behind)."""
    state = register_state(s)  # read before the register, so a race only over-includes
    if state is None:  # a register loaded or restored without the services: start a token
        register_changed(s)
        state = register_state(s)
    engine = _engine(s)
    with _GUARD:
        cached = _CACHE.get(engine)
        if state is not None and cached is not None:
            if (cached.token, cached.seq) == (state.token, state.seq):
                return cached.matcher
            if _catch_up(s, cached, state):
                return cached.matcher
    matcher = build_matcher(s, today)
    if state is not None:
        with _GUARD:
            _CACHE[engine] = _Cached(state.token, state.seq, matcher)
    return matcher


def _catch_up(s: Session, cached: _Cached, state: RegisterState) -> bool:
    """Replay the journal's changes after the cached matcher's onto it; False (nothing
    applied) unless the journal holds the cached change itself, with the token it saw, and
    every change since, up to the current one."""
    if cached.seq >= state.seq:
        return False
    changes = s.scalars(
        sa.select(RegisterChangeRow)
        .where(RegisterChangeRow.seq >= cached.seq, RegisterChangeRow.seq <= state.seq)
        .order_by(RegisterChangeRow.seq)
    ).all()
    if (
        len(changes) != state.seq - cached.seq + 1
        or changes[0].token != cached.token
        or changes[-1].token != state.token
    ):
        return False
    for change in changes[1:]:
        _apply(s, cached.matcher, change.person_id, change.address_id, change.removed_id)
    cached.token, cached.seq = state.token, state.seq
    return True


def _apply(
    s: Session,
    matcher: ModelMatcher,
    person_id: str | None,
    address_id: str | None,
    removed_id: str | None,
) -> None:
    """Bring the matcher's copy of these records to how they stand in this transaction."""
    if removed_id is not None:
        matcher.remove_person(removed_id)
    if person_id is not None:
        people = _register_people(s, person_id)
        if not people:  # no longer on the register
            matcher.remove_person(person_id)
        for person in people:
            matcher.add_person(person)
    if address_id is not None and (row := s.get(AddressRow, address_id)) is not None:
        matcher.add_address(RegisterAddress(id=row.id, text=row.text))


def register_changed(
    s: Session,
    *,
    person_id: str | None = None,
    address_id: str | None = None,
    removed_id: str | None = None,
) -> None:
    """Call in the transaction that changed the register: numbers the change and journals it,
    rewrites the token, and brings this process's matcher up to date: `person_id` added or
    changed (its rows are replaced), `removed_id` gone from the register (merged into
    another). The number is taken by updating `register_state`'s one row, whose lock
    concurrent changes wait on, so numbers follow commit order without gaps. Should the
    transaction roll back, the database's token is no longer the cached one, and the next
    share rebuilds."""
    s.flush()
    old = register_state(s, lock=True)
    state = RegisterState(uuid.uuid4().hex, old.seq + 1 if old else 1)
    if old is None:
        s.add(RegisterStateRow(id=1, token=state.token, seq=state.seq))
    else:
        s.execute(
            sa.update(RegisterStateRow)
            .where(RegisterStateRow.id == 1)
            .values(token=state.token, seq=state.seq)
        )
    s.add(RegisterChangeRow(seq=state.seq, token=state.token, person_id=person_id,
                            address_id=address_id, removed_id=removed_id))  # fmt: skip
    if state.seq % JOURNAL_PRUNED_EVERY == 0:
        forgotten = RegisterChangeRow.seq <= state.seq - JOURNAL_KEPT
        s.execute(sa.delete(RegisterChangeRow).where(forgotten))
    s.flush()
    engine = _engine(s)
    with _GUARD:
        cached = _CACHE.get(engine)
        if cached is None:
            return
        if old is None or (cached.token, cached.seq) != (old.token, old.seq):
            return  # behind (or ahead, after a rollback): the next share catches up or rebuilds
        _apply(s, cached.matcher, person_id, address_id, removed_id)
        cached.token, cached.seq = state.token, state.seq


# --------------------------------------------------------------------------- linking


Decisions = Mapping[str, str]
"""Person (or household) id -> the SPOC's decision (confirmed or rejected) on one description."""


def decisions_for(s: Session, key: str) -> dict[str, str]:
    """What SPOCs decided about this description; the latest decision on a candidate counts."""
    rows = s.scalars(
        sa.select(MatchReviewRow)
        .where(
            MatchReviewRow.described_key == key,
            MatchReviewRow.status.in_(ReviewStatus.DECIDED),
        )
        .order_by(MatchReviewRow.decided_at)
    )
    return {row.person_id or row.address_id or "": row.status for row in rows}


def address_key(text: str) -> str:
    """A digest of an address once standardised, so a decision on "Acacia Avenue, TS18 1AB"
    holds for "ACACIA AVE TS181AB" alike. Never equal to a person's description key."""
    parts = json.dumps(asdict(standard_address(text)), sort_keys=True, default=str)
    return hashlib.sha256(f"address:{parts}".encode()).hexdigest()


class LinkReads:
    """What linking reads from the database: the matcher, the thresholds and SPOCs' decisions,
    each read once for however many descriptions are linked with it (one share's, or a batch
    of an extract's), all in one transaction."""

    def __init__(self, s: Session, today: date) -> None:
        self._s = s
        self._today = today
        self._decided: frozenset[str] | None = None

    @cached_property
    def matcher(self) -> ModelMatcher:
        return matcher_for(self._s, self._today)

    @cached_property
    def limits(self) -> Thresholds:
        return thresholds(self._s)

    def read_decided_keys(self) -> None:
        """For a batch: learn once which descriptions a SPOC decided on (few), so the others
        need no query each. Decisions are not made by the share path, so the set holds."""
        self._decided = frozenset(
            self._s.scalars(
                sa.select(MatchReviewRow.described_key)
                .where(MatchReviewRow.status.in_(ReviewStatus.DECIDED))
                .distinct()
            )
        )

    def decisions(self, key: str) -> dict[str, str]:
        if self._decided is not None and key not in self._decided:
            return {}
        return decisions_for(self._s, key)


def waiting_descriptions(s: Session) -> frozenset[str]:
    """The descriptions (and addresses) that possible matches are waiting on."""
    return frozenset(
        s.scalars(
            sa.select(MatchReviewRow.described_key)
            .where(MatchReviewRow.status == ReviewStatus.PENDING)
            .distinct()
        )
    )


def link_identity(
    s: Session, identity: Identity, now: datetime, *, reads: LinkReads | None = None
) -> SubjectLink:
    """Link one description using this database's matcher, thresholds and review decisions."""
    today = now.date()
    reads = reads or LinkReads(s, today)
    key = description_key(identity, today)
    home = address_key(identity.address) if identity.address else ""
    return link_subject(
        reads.matcher,
        identity,
        limits=reads.limits,
        decisions=reads.decisions(key),
        today=today,
        key=key,
        address_decisions=reads.decisions(home) if home else None,
        home_key=home,
    )


_DEFAULT = Thresholds(link=0.95, review=0.5)


def link_subject(
    matcher: ModelMatcher,
    identity: Identity,
    *,
    limits: Thresholds = _DEFAULT,
    decisions: Decisions | None = None,
    today: date | None = None,
    key: str = "",
    address_decisions: Decisions | None = None,
    home_key: str = "",
) -> SubjectLink:
    """Best person at or above the link threshold, unless a SPOC rejected that pair; a pair
    a SPOC confirmed links whatever its score. A best candidate between the thresholds,
    undecided, is offered for review. The household for the address given likewise."""
    decided = decisions or {}
    found = matcher.match_person(identity, floor=limits.review, today=today)
    candidates = tuple(c for c in found if decided.get(c.person_id) != ReviewStatus.REJECTED)
    confirmed = [p for p, d in decided.items() if d == ReviewStatus.CONFIRMED]
    person = _confirmed_match(confirmed, candidates) or unambiguous(candidates, limits.link)
    review = None
    if person is None and candidates and candidates[0].person_id not in decided:
        review = candidates[0]
    address = address_review = None
    if identity.address:
        households = matcher.match_address(identity.address)
        address, address_review = _household(households, limits, address_decisions or {})
    return SubjectLink(
        person=person,
        address=address,
        candidates=candidates[:5],
        review=review,
        described_key=key,
        address_review=address_review,
        address_key=home_key,
    )


def _household(
    found: list[AddressMatch], limits: Thresholds, decided: Decisions
) -> tuple[AddressMatch | None, AddressMatch | None]:
    """(linked, for review) among households, best first, as for people."""
    candidates = [
        a
        for a in found
        if a.probability >= limits.review and decided.get(a.address_id) != ReviewStatus.REJECTED
    ]
    confirmed = next((a for a, d in decided.items() if d == ReviewStatus.CONFIRMED), None)
    if confirmed is not None:
        scored = next((a.evidence for a in candidates if a.address_id == confirmed), ())
        return AddressMatch(confirmed, 1.0, (*scored, _CONFIRMED)), None
    linked = unambiguous(tuple(candidates), limits.link)  # two doors alike: a person decides
    if linked is not None and confirmed_door(linked):  # no door or no place: a person decides
        return linked, None
    if candidates and candidates[0].address_id not in decided:
        return None, candidates[0]
    return None, None


Match = TypeVar("Match", PotentialMatch, AddressMatch)

MIN_MARGIN_BITS = 1.0
"""However low the link threshold, the best must be twice as likely as the runner-up: two
people scored alike (a father and son with one name and no date of birth) are a question."""


def unambiguous(candidates: tuple[Match, ...], link: float) -> Match | None:
    """The best candidate (person or household) at or above `link`, unless a second one there
    is nearly as likely: the best must be `link` likely against the runner-up too (about 4.2
    bits at 95%, and never under `MIN_MARGIN_BITS`), or a person must choose (twins with a
    mistyped first name, one person entered twice; two doors of one number and street). The
    margin is read from the match weights, which the
    probabilities round away: above ~53 bits every probability is 1.0."""
    above = sorted(((_bits(c), c) for c in candidates if c.probability >= link),
                   key=lambda scored: -scored[0])  # fmt: skip
    if not above:
        return None
    (best_bits, best), runner_up = above[0], above[1:2]
    if runner_up and best_bits - runner_up[0][0] < max(_log_odds(link), MIN_MARGIN_BITS):
        return None
    return best


def _bits(match: PotentialMatch | AddressMatch) -> float:
    """The match weight less the prior (the same for every candidate): its fields' say."""
    return math.fsum(e.weight for e in match.evidence)


def _log_odds(probability: float) -> float:
    p = min(max(probability, 1e-15), 1.0 - 1e-15)
    return math.log2(p / (1.0 - p))


_CONFIRMED = FieldEvidence(
    "review", "confirmed", 0.0, "a single point of contact confirmed this match on review"
)


def _confirmed_match(
    confirmed: list[str], candidates: tuple[PotentialMatch, ...]
) -> PotentialMatch | None:
    if not confirmed:
        return None
    scored = {c.person_id: c for c in candidates}
    best = max(confirmed, key=lambda p: scored[p].probability if p in scored else 0.0)
    evidence = scored[best].evidence if best in scored else ()
    return PotentialMatch(best, 1.0, (*evidence, _CONFIRMED))


def _current_first(row: PersonRow, addresses: dict[str, str], past: list[str]) -> tuple[str, ...]:
    current = [addresses[row.address_id]] if row.address_id else []
    return tuple(dict.fromkeys(current + past))


def match_json(match: PotentialMatch | AddressMatch | None) -> dict[str, Any] | None:
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
