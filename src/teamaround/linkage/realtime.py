"""Real-time matching for the share path: an in-memory candidate index scored with the model.

Splink answers "who on the register is this?" in tens of milliseconds at best, because every
call builds and runs SQL; a share must be answered while the professional waits and the
register changes under it. So the index keeps every register person's features in memory,
finds candidates through several blocking keys, and scores them with the same comparison
levels and weights as Splink (tests/unit/test_linkage_model.py checks equality pair by pair).
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from threading import RLock

import numpy as np

from teamaround.domain.identity import Identity
from teamaround.linkage.blockscore import (
    ColumnStore,
    base_weights,
    comparison_levels,
    compile_bound,
    level_weights,
    match_weights,
    person_column,
    upper_bounds,
)
from teamaround.linkage.features import Features, record_features
from teamaround.linkage.matcher import (
    REVIEW_THRESHOLD,
    AddressMatch,
    FieldEvidence,
    PotentialMatch,
    RegisterAddress,
    RegisterPerson,
    ScoringMatcher,
)
from teamaround.linkage.model import (
    COMPARISONS,
    Model,
    ScoredLevel,
    load_model,
    match_weight,
    probability,
    score_levels,
)

_Key = tuple[str, str]
_TF_COLUMNS = ("given", "family", "postcode")
TF_PSEUDO_ROWS = 1000
SMALL_BLOCK = 16
"""Up to this many candidate rows are scored pair by pair; more, as one numpy block."""
PRUNE_FROM = 64
"""From this many rows, rows that cannot reach the floor are dropped before scoring: bounding
costs about as much as scoring a block of this size (numpy's per-call overhead)."""


def blocking_keys(f: Features, *, query: bool = False) -> set[_Key]:
    """The keys a record is filed under; a query also looks under its day/month swap."""
    keys: set[_Key] = set()
    if f.nhs:
        keys.add(("nhs", f.nhs))
    if f.dob:
        keys.add(("dob", f.dob))
        if query and f.dob_swapped:
            keys.add(("dob", f.dob_swapped))
    sounds = {f.family_mp, f.given_mp} - {None}
    # A register row is filed under its family name's sound and year of birth; a query looks
    # there under both its sounds (names swapped). A first name's sound and year would be a
    # block of ~1 in 80 of a register (every Jack born in 2015): the first name meets its
    # own sound under year and month, which a married name with a day's slip still shares.
    if f.dob_year is not None:
        for phonetic in sounds if query else {f.family_mp} - {None}:
            keys.add(("sound_year", f"{phonetic}|{f.dob_year}"))
    if f.dob:  # a year out ("2012" for 2013) loses the keys above: the birthday keeps it
        for phonetic in sounds:
            keys.add(("sound_month", f"{phonetic}|{f.dob[:7]}"))
            keys.add(("sound_birthday", f"{phonetic}|{f.dob[5:]}"))
    if f.family_mp and f.given_mp:
        keys.add(("sound_pair", "|".join(sorted((f.family_mp, f.given_mp)))))
    if f.postcode:
        keys.add(("postcode", f.postcode))
    if f.street and f.number:
        keys.add(("door", f"{f.number}|{f.street}"))
    if f.phone:
        keys.add(("phone", f.phone))
    return keys


@dataclass(frozen=True, slots=True)
class _Row:
    person_id: str
    features: Features
    alias: str | None


class RegisterIndex:
    """Register rows (one per name and address a person is known by) filed under their keys,
    with the term frequencies Splink would compute from the same rows."""

    def __init__(self, expected_tf: dict[str, float] | None = None) -> None:
        self._expected_tf = expected_tf or {}
        self._rows: dict[int, _Row] = {}
        self._by_person: dict[str, list[int]] = {}
        self._by_key: defaultdict[_Key, list[int]] = defaultdict(list)
        """Lists, not sets: a million people file ~3 million keys, most holding one row."""
        self._counts: dict[str, Counter[str]] = {c: Counter() for c in _TF_COLUMNS}
        self._next = 0
        self.store = ColumnStore()
        """The same rows as integer codes, for scoring a whole block at once (blockscore.py)."""
        self._person_codes: dict[str, int] = {}
        self.person_ids: list[str] = []

    def __len__(self) -> int:
        return len(self._by_person)

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def put(self, person_id: str, rows: Iterable[tuple[Features, str | None]]) -> None:
        """Replace everything filed for this person, so an update leaves no stale key behind."""
        self.remove(person_id)
        person = self._person_codes.get(person_id)
        if person is None:
            person = self._person_codes[person_id] = len(self.person_ids)
            self.person_ids.append(person_id)
        ids = []
        for features, alias in rows:
            row_id = self._next
            self._next += 1
            features = self.store.put(row_id, features, person)
            self._rows[row_id] = _Row(person_id, features, alias)
            for key in blocking_keys(features):
                self._by_key[key].append(row_id)
            self._count(features, +1)
            ids.append(row_id)
        self._by_person[person_id] = ids

    def remove(self, person_id: str) -> None:
        for row_id in self._by_person.pop(person_id, []):
            row = self._rows.pop(row_id)
            for key in blocking_keys(row.features):  # the keys it was filed under, recomputed
                bucket = self._by_key[key]
                bucket.remove(row_id)
                if not bucket:
                    del self._by_key[key]
            self._count(row.features, -1)

    def _count(self, features: Features, step: int) -> None:
        for column in _TF_COLUMNS:
            value = getattr(features, column)
            if value is not None:
                counter = self._counts[column]
                counter[value] += step
                if counter[value] <= 0:
                    del counter[value]

    def term_frequency(self, column: str, value: str | None) -> float | None:
        """Share of register rows with this value, smoothed towards the model's average.

        A local register of a few hundred people says little about how common "Dean" is: raw
        shares there would make every name look rare or common by chance. So the share is
        blended with the model's u for an exact match as if TF_PSEUDO_ROWS more rows had been
        seen. The value passed to Splink (a tf_ column) is this same number, so scores agree.
        None for a value the register lacks, as Splink's left join leaves it.
        """
        if value is None:
            return None
        count = self._counts[column].get(value, 0)
        if not count:
            return None
        expected = self._expected_tf.get(column)
        if expected is None:
            return count / len(self._rows)
        return (count + expected * TF_PSEUDO_ROWS) / (len(self._rows) + TF_PSEUDO_ROWS)

    def candidates(self, keys: Iterable[_Key]) -> set[int]:
        found: set[int] = set()
        for key in keys:
            bucket = self._by_key.get(key)
            if bucket:
                found.update(bucket)
        return found

    def row(self, row_id: int) -> _Row:
        return self._rows[row_id]

    def person_ids_for(self, keys: Iterable[_Key]) -> set[str]:
        return {self._rows[r].person_id for r in self.candidates(keys)}


def person_rows(person: RegisterPerson, today: date) -> list[tuple[Features, str | None]]:
    """One row per (name, address) the person is known by: the register's "exploded" form,
    which is also what Splink is given, so max-over-rows matches predict-then-best."""
    names: list[tuple[dict[str, str | None], str | None]] = [
        ({"given": person.given, "family": person.family}, None)
    ]
    names += [({"name": alias}, alias) for alias in person.aliases]
    addresses: list[str | None] = list(person.addresses) or [None]
    rows = []
    for name, alias in names:
        for address in addresses:
            features = record_features(
                **name,
                dob=person.dob,
                nhs=person.nhs,
                address=address,
                phone=person.phone,
                sex=person.sex,
                today=today,
            )
            rows.append((features, alias))
    return rows


_DESCRIPTION = ("given", "given2", "family", "dob", "nhs", "postcode", "street", "number", "flat",
                "town", "phone", "sex")  # fmt: skip


def description_key(identity: Identity, today: date) -> str:
    """A digest of what the record says once standardised: "Kelly ASHBY" and "kelly ashby"
    share one key, so a reviewer's decision on a pair holds for later shares alike."""
    features = query_features(identity, today)
    values = {column: getattr(features, column) for column in _DESCRIPTION}
    text = json.dumps(values, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def query_features(identity: Identity, today: date) -> Features:
    return record_features(
        given=identity.given,
        family=identity.family,
        name=identity.name,
        dob=identity.dob,
        nhs=identity.nhs,
        address=identity.address,
        phone=identity.phone,
        sex=identity.sex,
        today=today,
    )


# --------------------------------------------------------------------------- evidence

_MISSING = {
    "given": "no first name on the register to compare",
    "family": "no family name on the register to compare",
    "dob": "no date of birth on the register to compare",
    "nhs": "no NHS number on the register to compare",
    "address": "no address or phone number on the register to compare",
    "sex": "no sex on the register to compare",
}
_UNREADABLE = {
    "given": "no first name could be read from {raw!r}",
    "family": "no family name could be read from {raw!r}",
    "dob": "date of birth {raw!r} could not be read",
    "nhs": "NHS number {raw!r} is not ten digits",
    "address": "address {raw!r} has no street, postcode or usable phone number",
    "sex": "sex {raw!r} is not recorded as male or female",
}
_FULL = frozenset({"exact", "agree", "door_postcode"})


def sent_fields(identity: Identity) -> dict[str, str]:
    """The fields the agency filled in, as it wrote them: each gets evidence, even unreadable."""
    names = " ".join(x for x in (identity.given, identity.family) if x) or identity.name
    raw = {
        "given": names if identity.given or identity.name else None,
        "family": names if identity.family or identity.name else None,
        "dob": identity.dob,
        "nhs": identity.nhs,
        "address": ", ".join(x for x in (identity.address, identity.phone) if x),
        "sex": identity.sex,
    }
    return {field: text for field, text in raw.items() if text and text.strip()}


def _door(f: Features) -> str:
    flat = f"flat {f.flat}, " if f.flat else ""
    door = " ".join(x for x in (f.number, f.street) if x)
    parts = [flat + door, f.town, f.postcode, f.phone]
    return ", ".join(x for x in parts if x) or "none"


def _shown(f: Features, field: str) -> str:
    if field == "address":
        return _door(f)
    value = getattr(f, field)
    return "none" if value is None else str(value)


def _evidence(
    scored: ScoredLevel, query: Features, row: _Row, sent: dict[str, str]
) -> FieldEvidence | None:
    comparison = scored.comparison
    level = scored.level
    field = comparison.field
    if level is None:
        if field not in sent:
            return None
        words = _MISSING[field]
        if not comparison.present(query):
            words = _UNREADABLE[field].format(raw=sent[field])
        return FieldEvidence(field, "missing", 0.0, words)
    words = level.words
    if level.name not in _FULL:
        words += f" ({_shown(query, field)} vs {_shown(row.features, field)})"
    if row.alias and field in {"given", "family"}:
        words += f" (known alias {row.alias!r})"
    return FieldEvidence(field, level.name, scored.weight, words)


# --------------------------------------------------------------------------- the matcher


def _exact_u(model: Model) -> dict[str, float]:
    """u of each term-frequency level: the average frequency the adjustment starts from."""
    found = {}
    for comparison in COMPARISONS:
        for level, params in zip(
            comparison.levels, model.parameters[comparison.field], strict=True
        ):
            if level.tf_column:
                found[level.tf_column] = params.u
    return found


@contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """Building the index makes millions of long-lived objects and no reference cycles, and
    CPython's cycle collector would walk the growing index again and again as it is built:
    paused for the build, 1,000,000 people build in 86 s instead of 106 s. Reference
    counting still frees everything as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class ModelMatcher:
    """The `Matcher` for the share path, scoring with a trained model.

    Households (`match_address`) are matched by `ScoringMatcher`'s household index with the
    model's household m and u: a household is a door, not a person, and has its own model.
    """

    def __init__(
        self,
        people: Iterable[RegisterPerson] = (),
        addresses: Iterable[RegisterAddress] = (),
        *,
        model: Model | None = None,
        prior: float | None = None,
        today: date,
    ) -> None:
        base = model or load_model()
        self.model = base.with_prior(prior) if prior is not None else base
        self.today = today
        self.lock = RLock()
        """Held while the index changes or is read: the share path serves several threads."""
        self.index = RegisterIndex(_exact_u(self.model))
        self._weights = base_weights(self.model)
        compile_bound()  # now, not in the first call handler's query
        self._households = ScoringMatcher(today=today, households=self.model.households)
        with _cycle_collection_paused():
            for person in people:
                self.add_person(person)
            for address in addresses:
                self.add_address(address)

    def add_person(self, person: RegisterPerson) -> None:
        rows = person_rows(person, self.today)
        with self.lock:
            self.index.put(person.id, rows)

    def remove_person(self, person_id: str) -> None:
        """A merge folds one record into another: the folded one must stop matching."""
        with self.lock:
            self.index.remove(person_id)

    def add_address(self, address: RegisterAddress) -> None:
        with self.lock:
            self._households.add_address(address)

    def candidate_ids(self, identity: Identity) -> set[str]:
        query = query_features(identity, self.today)
        return self.index.person_ids_for(blocking_keys(query, query=True))

    def _tf(self, query: Features, row: _Row) -> dict[str, dict[str, float]]:
        tf: dict[str, dict[str, float]] = {}
        for column in _TF_COLUMNS:
            table = {}
            for f in (query, row.features):
                value = getattr(f, column)
                frequency = self.index.term_frequency(column, value)
                if value is not None and frequency is not None:
                    table[value] = frequency
            tf[column] = table
        return tf

    def score(self, query: Features, row: _Row) -> tuple[float, list[ScoredLevel]]:
        """Match weight and levels for one register row, exactly as Splink would score it."""
        scored = score_levels(self.model, query, row.features, self._tf(query, row))
        return match_weight(self.model, scored), scored

    def match_person(
        self,
        identity: Identity,
        *,
        floor: float = REVIEW_THRESHOLD,
        today: date | None = None,
    ) -> list[PotentialMatch]:
        """Register people at or above `floor`, best first, each with evidence for every field
        the agency sent; `today` reads two-digit years (default: the matcher's own date)."""
        query = query_features(identity, today or self.today)
        sent = sent_fields(identity)
        with self.lock:
            best = self._best_rows(query, floor)
        matches = []
        # by weight, not probability: above ~53 bits every probability is 1.0 in a float
        for person_id, (weight, scored, row) in sorted(
            best.items(), key=lambda item: (-item[1][0], item[0])
        ):
            chance = probability(weight)
            if chance < floor:
                continue
            found = (_evidence(s, query, row, sent) for s in scored)
            evidence = tuple(e for e in found if e is not None)
            matches.append(PotentialMatch(person_id, chance, evidence))
        return matches

    def _best_rows(
        self, query: Features, floor: float = 0.0
    ) -> dict[str, tuple[float, list[ScoredLevel], _Row]]:
        """Each candidate person's best-scoring row (a name or address they are known by),
        for the people whose best row may reach `floor`.

        The whole block is scored at once with numpy (`blockscore`, same weights to the bit);
        only the rows that will be shown are scored again pair by pair, for their evidence.
        """
        index = self.index
        found = index.candidates(blocking_keys(query, query=True))
        if len(found) <= SMALL_BLOCK:
            return self._best_rows_pairwise(query, found)
        rows = np.fromiter(found, dtype=np.int32, count=len(found))
        tables = level_weights(self.model, query, index.term_frequency, self._weights)
        # a hair below the floor's weight: the exact probability is taken below
        cut = math.log2(floor / (1.0 - floor)) - 1e-6 if 0.0 < floor < 1.0 else None
        if floor >= 1.0:
            cut = 60.0
        if cut is not None and len(rows) > PRUNE_FROM:
            keep = cut - 1e-6  # the bound's sum is not in match_weights' order
            bounds = upper_bounds(index.store, query, rows, tables, self.model.prior_weight, keep)
            rows = rows[bounds >= keep]
            if len(rows) <= SMALL_BLOCK:
                return self._best_rows_pairwise(query, set(rows.tolist()))
        levels = comparison_levels(index.store, query, rows, lambda r: index.row(r).features)
        weights = match_weights(self.model, levels, tables)
        order = np.argsort(-weights, kind="stable")
        persons = person_column(index.store, rows)[order]
        _, first = np.unique(persons, return_index=True)
        best_rows = order[first]
        if cut is not None:
            best_rows = best_rows[weights[best_rows] >= cut]
        best: dict[str, tuple[float, list[ScoredLevel], _Row]] = {}
        for position in best_rows.tolist():
            row = index.row(int(rows[position]))
            weight, scored = self.score(query, row)
            best[row.person_id] = (weight, scored, row)
        return best

    def _best_rows_pairwise(
        self, query: Features, found: set[int]
    ) -> dict[str, tuple[float, list[ScoredLevel], _Row]]:
        """A small block pair by pair: below SMALL_BLOCK rows, cheaper than numpy's overhead."""
        best: dict[str, tuple[float, list[ScoredLevel], _Row]] = {}
        for row_id in found:
            row = self.index.row(row_id)
            weight, scored = self.score(query, row)
            current = best.get(row.person_id)
            if current is None or weight > current[0]:
                best[row.person_id] = (weight, scored, row)
        return best

    def match_address(self, text: str) -> list[AddressMatch]:
        with self.lock:
            return self._households.match_address(text)


__all__ = ["COMPARISONS", "ModelMatcher", "RegisterIndex", "blocking_keys", "description_key"]
