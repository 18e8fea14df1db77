"""Score one query against a whole candidate block at once, with numpy.

The real-time index (`linkage/realtime.py`) used to score candidates one pair at a time through
`model.score_levels`, about 70 us a pair: fine for a block of ten, 20-80 ms for a common
surname's sound and year of birth on a register of a million. Here every register row is also
kept as a row of integer codes (one shared vocabulary, so "given = family" is a code compare),
and each comparison's levels become boolean masks over the block, chosen in Splink's order by
`np.select`. What needs a string (edit distance, nicknames, prefixes, initials, metaphone
length) is computed once per *distinct* register value in the block, by the very `Level.test`
functions of `linkage/model.py` on a representative row, or by rapidfuzz's Levenshtein (the
function `_close` uses). Term-frequency adjustments only ever apply to an exact match, so for
one query they are one number per comparison.

The result is the same comparison vector and, to the last bit, the same match weight as
`score_levels` (tests/unit/test_linkage_model.py checks both on thousands of pairs, and that
`score_levels` equals Splink's `score_pairs`).

Before scoring, `upper_bounds` drops the rows that cannot reach the share path's floor. Its
cheap facts (code compares, the family name's edit distance, a date a digit out) become one
small integer per row and comparison in a single pass compiled by numba (`_patterns_of_rows`:
about 150 numpy calls on small arrays cost more than the rows), and a table per comparison,
built at import from the level logic, gives the best weight each pattern leaves possible.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numba
import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import Levenshtein, Prefix
from rapidfuzz.process import cdist

from teamaround.linkage.features import Features
from teamaround.linkage.model import (
    COMPARISONS,
    DOB,
    FAMILY,
    GIVEN,
    HOUSEHOLD,
    LONG,
    NHS,
    SEX,
    Comparison,
    Model,
    _tf_adjustment,
)

IntArray = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]

CODED = ("given", "given2", "given_mp", "family", "family1", "family2", "family_mp", "dob",
         "dob_swapped", "nhs", "postcode", "pc_sector", "pc_district", "street", "town",
         "number", "flat", "phone", "sex")  # fmt: skip
"""String columns held as codes (-1 for None)."""
_INTS = ("dob_days", "dob_year", "nhs_valid", "given_known", "dob_digits")
COLUMNS = CODED + _INTS + ("person",)
_C = {name: i for i, name in enumerate(COLUMNS)}

_ABSENT = -3
"""The query's code for None: equal to nothing, not even a register None (-1), as in SQL."""
_UNSEEN = -2
"""The query's code for a value no register row holds."""


def _digits(dob: str | None) -> int:
    """An ISO date's eight digits as one number (20150327), 0 for none: two dates are a digit
    out (Levenshtein 1 between equal-length ISO strings) when one decimal digit differs."""
    return int(dob[:4] + dob[5:7] + dob[8:10]) if dob else 0


class ColumnStore:
    """Register rows as a matrix of int32 codes, indexed by the index's row id."""

    def __init__(self, capacity: int = 1024) -> None:
        self.vocabulary: dict[str, int] = {}
        self.strings: list[str] = []
        self._array: npt.NDArray[np.object_] = np.empty(capacity, dtype=object)
        """The same strings as a numpy array, so a block's are picked in C (`pick`)."""
        self.lengths: IntArray = np.zeros(capacity, dtype=np.int32)
        """Each code's string length, for the "two slips in two long words" rule."""
        self.matrix: IntArray = np.full((capacity, len(COLUMNS)), -1, dtype=np.int32)
        self._variants: dict[tuple[str, ...], tuple[str, ...]] = {}
        self.given_levels: dict[tuple[object, ...], dict[int, int]] = {}
        """blockscore's memory of given-name-only levels: query's name columns -> code ->
        level."""

    def _code(self, value: str | None) -> int:
        if value is None:
            return -1
        code = self.vocabulary.get(value)
        if code is None:
            code = self.vocabulary[value] = len(self.strings)
            self.strings.append(value)
            if code >= len(self._array):
                grown = np.empty(2 * len(self._array), dtype=object)
                grown[: len(self._array)] = self._array
                self._array = grown
                self.lengths = np.concatenate([self.lengths, np.zeros_like(self.lengths)])
            self._array[code] = value
            self.lengths[code] = len(value)
        return code

    def pick(self, codes: IntArray) -> npt.NDArray[np.object_]:
        """The strings of these (non-negative) codes."""
        picked: npt.NDArray[np.object_] = self._array[codes]
        return picked

    def put(self, row_id: int, features: Features, person: int) -> Features:
        """File the row's codes; returns its Features with every string shared with the rows
        already filed (one "smith" for the whole register, not one per row)."""
        if row_id >= len(self.matrix):
            grown = np.full((max(row_id + 1, 2 * len(self.matrix)), len(COLUMNS)), -1, np.int32)
            grown[: len(self.matrix)] = self.matrix
            self.matrix = grown
        values = [self._code(getattr(features, c)) for c in CODED]
        values += [features.dob_days if features.dob_days is not None else 0,
                   features.dob_year if features.dob_year is not None else 0,
                   int(features.nhs_valid), int(features.given_known),
                   _digits(features.dob), person]  # fmt: skip
        self.matrix[row_id] = values
        shared: dict[str, Any] = {
            c: self.strings[code] for c, code in zip(CODED, values, strict=False) if code >= 0
        }
        variants = self._variants.setdefault(features.given_variants, features.given_variants)
        return replace(features, given_variants=variants, **shared)

    def query_code(self, value: str | None) -> int:
        if value is None:
            return _ABSENT
        return self.vocabulary.get(value, _UNSEEN)

    def string(self, code: int) -> str:
        return self.strings[code]


class _Block:
    """The candidate rows' codes, one column at a time."""

    def __init__(self, store: ColumnStore, rows: IntArray) -> None:
        self.store = store
        self.rows = rows
        self.codes = store.matrix[rows]

    def __getitem__(self, column: str) -> IntArray:
        return self.codes[:, _C[column]]


def _per_value(codes: IntArray, mask: BoolArray, fn: Callable[[int], bool]) -> BoolArray:
    """fn over each distinct code where mask holds, spread back over the block."""
    out = np.zeros(len(codes), dtype=np.bool_)
    if not mask.any():
        return out
    wanted = codes[mask]
    distinct, inverse = np.unique(wanted, return_inverse=True)
    results = np.fromiter((fn(int(c)) for c in distinct), dtype=np.bool_, count=len(distinct))
    out[mask] = results[inverse]
    return out


def _distances(query: str, codes: IntArray, mask: BoolArray, store: ColumnStore) -> IntArray:
    """Levenshtein distance from `query` to each masked row's string (99 elsewhere)."""
    out = np.full(len(codes), 99, dtype=np.int32)
    if not mask.any():
        return out
    distinct, inverse = np.unique(codes[mask], return_inverse=True)
    choices = store.pick(distinct)
    found = cdist([query], choices, scorer=Levenshtein.distance, dtype=np.int32, workers=1)[0]
    out[mask] = found[inverse]
    return out


def _close_mask(query: str | None, codes: IntArray, store: ColumnStore) -> BoolArray:
    """model._close(query, row value) for every row: one slip, or two in two long words."""
    if query is None:
        return np.zeros(len(codes), dtype=np.bool_)
    present = codes >= 0
    distance = _distances(query, codes, present, store)
    if len(query) < LONG:
        return present & (distance <= 1)
    long_words = store.lengths[codes] >= LONG  # codes < 0 read the last length: not present
    close: BoolArray = present & ((distance <= 1) | ((distance == 2) & long_words))
    return close


def _alike_mask(
    query: str | None, codes: IntArray, store: ColumnStore, mask: BoolArray | None = None
) -> BoolArray:
    """model._alike(query, row value) for every (masked) row, in C: equal or a slip or two
    (Levenshtein), or clipped (the common prefix is the whole of the shorter, of 1 or 3+)."""
    out = np.zeros(len(codes), dtype=np.bool_)
    present = codes >= 0 if mask is None else mask & (codes >= 0)
    if query is None or not present.any():
        return out
    distinct, inverse = np.unique(codes[present], return_inverse=True)
    choices = store.pick(distinct)
    lev = cdist([query], choices, scorer=Levenshtein.distance, dtype=np.int32, workers=1)[0]
    common = cdist([query], choices, scorer=Prefix.similarity, dtype=np.int32, workers=1)[0]
    lengths = np.fromiter(map(len, choices), dtype=np.int32, count=len(choices))
    n = len(query)
    close = (lev <= 1) | ((lev <= 2) & (n >= LONG) & (lengths >= LONG))
    query_clipped = (n < lengths) & (common == n) & ((n == 1) | (n >= 3))
    value_clipped = (lengths < n) & (common == lengths) & ((lengths == 1) | (lengths >= 3))
    out[present] = (close | query_clipped | value_clipped)[inverse]
    return out


def _swapped_mask(b: _Block, query: Features, store: ColumnStore) -> BoolArray:
    """model._swapped for every row: the query's first name is like a register family name
    (or part), and the register's first name like one of the query's."""
    n = len(b.rows)
    families = np.concatenate([b["family"], b["family1"], b["family2"]])
    mine: BoolArray = np.any(_alike_mask(query.given, families, store).reshape(3, n), axis=0)
    if not mine.any():
        return mine
    g = b["given"]
    theirs = np.zeros(len(b.rows), dtype=np.bool_)
    wanted = mine & (g >= 0)
    for name in {query.family, query.family1, query.family2} - {None}:
        theirs |= _alike_mask(name, g, store, wanted & ~theirs)
    return mine & theirs


def _level(comparison: Comparison, null: BoolArray, tests: Sequence[BoolArray]) -> IntArray:
    """Splink's comparison vector value: first true test in level order, ELSE 0, null -1."""
    count = len(comparison.levels)
    values = np.zeros(len(null), dtype=np.int32)
    for position in range(len(tests) - 1, -1, -1):  # the first level that holds wins
        values[tests[position]] = count - 1 - position
    values[null] = -1
    return values


def _representatives(block: _Block, column: str, row_features: Callable[[int], Features]
                     ) -> Callable[[int], Features]:  # fmt: skip
    """A register row's Features for each code of `column` (first row holding it)."""
    first: dict[int, int] = {}
    for position, code in enumerate(block[column].tolist()):
        first.setdefault(code, position)
    rows = block.rows
    return lambda code: row_features(int(rows[first[code]]))


_GIVEN_ONLY = (1, 3, 4, 5, 6)
"""GIVEN's nickname, initial, fuzzy, phonetic and unrecognised levels: they read only
given-name columns, which record_features derives from the name alone."""
_CACHE_LIMIT = 5_000
"""Query names remembered (each with the levels of the register names its blocks held)."""


def _given_only(
    store: ColumnStore, query: Features, rep: Callable[[int], Features]
) -> Callable[[int], int]:
    """For a register given name's code, the first of _GIVEN_ONLY that holds (-1: none),
    remembered per (query's given-name columns, code): common names meet again and again."""
    mine = (query.given, query.given_variants, query.given_known, query.given_mp)
    if len(store.given_levels) > _CACHE_LIMIT:
        store.given_levels.clear()
    cache = store.given_levels.setdefault(mine, {})  # one hash of the query's names per block

    def first(code: int) -> int:
        found = cache.get(code)
        if found is None:
            row = rep(code)
            found = next((p for p in _GIVEN_ONLY if GIVEN.levels[p].test(query, row)), -1)
            cache[code] = found
        return found

    return first


def _per_value_int(codes: IntArray, mask: BoolArray, fn: Callable[[int], int]) -> IntArray:
    """fn over each distinct code where mask holds, spread back over the block (-1 elsewhere)."""
    out = np.full(len(codes), -1, dtype=np.int32)
    if not mask.any():
        return out
    distinct, inverse = np.unique(codes[mask], return_inverse=True)
    results = np.fromiter((fn(int(c)) for c in distinct), dtype=np.int32, count=len(distinct))
    out[mask] = results[inverse]
    return out


def _address_facts(
    b: _Block, query: Features, q: dict[str, int]
) -> tuple[BoolArray, BoolArray, BoolArray, BoolArray]:
    """What the address levels and their bounds both read: the same door number (and flat,
    where both give one), the same postcode, no town or district on both sides, and null
    (no street, postcode or phone on both sides)."""
    number = (b["number"] == q["number"]) & (
        (query.flat is None) | (b["flat"] < 0) | (b["flat"] == q["flat"])
    )
    postcode = b["postcode"] == q["postcode"]
    both_towns = (query.town is not None) & (b["town"] >= 0)
    both_districts = (query.pc_district is not None) & (b["pc_district"] >= 0)
    household_null = ~(
        ((query.street is not None) & (b["street"] >= 0))
        | ((query.postcode is not None) & (b["postcode"] >= 0))
        | ((query.phone is not None) & (b["phone"] >= 0))
    )
    return number, postcode, ~both_towns & ~both_districts, household_null


def comparison_levels(
    store: ColumnStore,
    query: Features,
    rows: IntArray,
    row_features: Callable[[int], Features],
) -> dict[str, IntArray]:
    """Each comparison's level (Splink numbering) for the query against every row."""
    b = _Block(store, rows)
    q = {c: store.query_code(getattr(query, c)) for c in CODED}

    # given: exact / nickname / middle / initial / fuzzy / phonetic / unrecognised / swapped /
    # different
    g = b["given"]
    present = g >= 0
    rep = _representatives(b, "given", row_features)
    only = np.full(len(rows), -1, dtype=np.int32)
    if query.given is not None:
        only = _per_value_int(g, present & (g != q["given"]), _given_only(store, query, rep))
    swapped = _swapped_mask(b, query, store)
    given = _level(GIVEN, ~present | (query.given is None), [
        g == q["given"],
        only == 1,
        (b["given2"] == q["given"]) | (g == q["given2"])
        | _close_mask(query.given, b["given2"], store) | _close_mask(query.given2, g, store),
        only == 3,
        only == 4,
        only == 5,
        only == 6,
        swapped,
    ])  # fmt: skip

    # family: exact / partial / fuzzy / phonetic / swapped / different
    f = b["family"]
    f1, f2 = b["family1"], b["family2"]
    partial = np.zeros(len(rows), dtype=np.bool_)
    for mine in (q["family1"], q["family2"]):
        partial |= (f1 == mine) | (f2 == mine)
    family = _level(FAMILY, (f < 0) | (query.family is None), [
        f == q["family"],
        partial,
        _close_mask(query.family, f, store),
        (b["family_mp"] == q["family_mp"]) & (len(query.family_mp or "") >= 2),
        swapped,
    ])  # fmt: skip

    # dob: exact / transposed / off by one / year slip / year only / different
    d = b["dob"]
    dob_present = d >= 0
    if query.dob is not None:
        days = np.abs(b["dob_days"] - (query.dob_days or 0)) <= 1
        one_edit = _distances(query.dob, d, dob_present & ~days, store) == 1
        year = b["dob_year"] == (query.dob_year or 0)
        slip = _per_value(d, dob_present & (np.abs(b["dob_year"] - (query.dob_year or 0)) == 1),
                          lambda c: store.strings[c][5:] == (query.dob or "")[5:])  # fmt: skip
    else:
        days = one_edit = year = slip = np.zeros(len(rows), dtype=np.bool_)
    dob = _level(DOB, ~dob_present | (query.dob is None), [
        d == q["dob"], b["dob_swapped"] == q["dob"], days | one_edit, slip, year,
    ])  # fmt: skip

    # nhs: exact (both valid) / exact unverified / near, not both valid / different
    n = b["nhs"]
    nhs_present = n >= 0
    same = n == q["nhs"]
    both_valid = (b["nhs_valid"] == 1) & query.nhs_valid
    if query.nhs is not None:
        near = _distances(query.nhs, n, nhs_present & ~same & ~both_valid, store) <= 2
    else:
        near = np.zeros(len(rows), dtype=np.bool_)
    nhs = _level(NHS, ~nhs_present | (query.nhs is None), [
        same & both_valid, same, near & ~both_valid,
    ])  # fmt: skip

    # address: door+postcode / door / phone / other door / postcode (TF) / street in town /
    # street, no place on one side / sector / different
    street = _close_mask(query.street, b["street"], store)
    number, postcode, unplaced, household_null = _address_facts(b, query, q)
    door = street & number
    address = _level(HOUSEHOLD, household_null, [
        door & postcode,
        door,
        b["phone"] == q["phone"],
        street & (query.number is not None) & (b["number"] >= 0) & ~door,
        postcode,
        street & ((b["town"] == q["town"]) | (b["pc_district"] == q["pc_district"])),
        street & unplaced,
        b["pc_sector"] == q["pc_sector"],
    ])  # fmt: skip

    s = b["sex"]
    sex = _level(SEX, (s < 0) | (query.sex is None), [s == q["sex"]])
    return {"given": given, "family": family, "dob": dob, "nhs": nhs, "address": address,
            "sex": sex}  # fmt: skip


_WEIGHT_INDEX = {
    (c.field, level.name): len(c.levels) - position
    for c in COMPARISONS
    for position, level in enumerate(c.levels)
}
"""Where each level's weight sits in its comparison's table (`level_weights`)."""


def _patterns(bits: int, possible: Callable[[tuple[bool, ...]], Sequence[str]],
              comparison: Comparison) -> BoolArray:  # fmt: skip
    """For each pattern of `bits` facts (bit i is fact i), which of the comparison's weights
    (indexed as `level_weights` holds them: 0 null, then by `_WEIGHT_INDEX`) may apply."""
    table = np.zeros((1 << bits, len(comparison.levels) + 1), dtype=np.bool_)
    for pattern in range(1 << bits):
        facts = tuple(bool(pattern >> i & 1) for i in range(bits))
        for name in possible(facts):
            table[pattern, 0 if name == "null" else _WEIGHT_INDEX[comparison.field, name]] = True
    return table


def _given_possible(f: tuple[bool, ...]) -> Sequence[str]:
    null, exact, swapped = f
    if null:
        return ("null",)
    if exact:
        return ("exact",)
    return (*_LOOSE_GIVEN, "swapped") if swapped else _LOOSE_GIVEN


def _family_possible(f: tuple[bool, ...]) -> Sequence[str]:
    null, exact, partial, fuzzy, phonetic, swapped = f
    if null:
        return ("null",)
    for holds, name in ((exact, "exact"), (partial, "partial"), (fuzzy, "fuzzy"),
                        (phonetic, "phonetic")):  # fmt: skip
        if holds:
            return (name,)
    return ("different", "swapped") if swapped else ("different",)


def _dob_possible(f: tuple[bool, ...]) -> Sequence[str]:
    null, exact, transposed, near, year_out, same_year = f
    if null:
        return ("null",)
    for holds, name in ((exact, "exact"), (transposed, "transposed"), (near, "off_by_one")):
        if holds:
            return (name,)
    if year_out:
        return ("year_slip", "different")
    return ("year_only", "different") if same_year else ("different",)


def _nhs_possible(f: tuple[bool, ...]) -> Sequence[str]:
    null, same, both_valid = f
    if null:
        return ("null",)
    if same:
        return ("exact",) if both_valid else ("exact_unverified",)
    return ("different",) if both_valid else ("near", "different")


def _address_possible(f: tuple[bool, ...]) -> Sequence[str]:
    null, street, number, postcode, phone, numbers, town, unplaced, sector = f
    if null:
        return ("null",)
    found = [name for holds, name in (
        (street and number and postcode, "door_postcode"), (street and number, "door"),
        (phone, "phone"), (street and numbers, "other_door"), (postcode, "postcode"),
        (street and town, "street_in_town"), (street and unplaced, "street"),
        (sector, "sector"),
    ) if holds]  # fmt: skip
    return (*found, "different")


def _sex_possible(f: tuple[bool, ...]) -> Sequence[str]:
    null, same = f
    return ("null",) if null else ("agree",) if same else ("different",)


_LOOSE_GIVEN = ("nickname", "middle_name", "initial", "fuzzy", "phonetic", "unrecognised",
                "different")  # fmt: skip
_POSSIBLE = {
    comparison.field: _patterns(bits, possible, comparison)
    for comparison, bits, possible in (
        (GIVEN, 3, _given_possible), (FAMILY, 6, _family_possible), (DOB, 6, _dob_possible),
        (NHS, 3, _nhs_possible), (HOUSEHOLD, 9, _address_possible), (SEX, 2, _sex_possible),
    )
}  # fmt: skip
"""Per comparison, which levels each pattern of cheap facts leaves possible."""
_UNCHANGING = {c.field for c in COMPARISONS if not any(level.tf_column for level in c.levels)}
"""Comparisons without a term-frequency level: one query's weights are every query's."""


_TABLES: dict[int, tuple[FloatArray, FloatArray]] = {}
"""Bound tables of the weight tables no query changes (no term frequency), by identity."""


def _bound_table(field: str, weights: dict[str, FloatArray]) -> FloatArray:
    """Per pattern, the best weight among the levels it leaves possible (0 where null)."""
    table = weights[field]
    known = _TABLES.get(id(table))
    if known is not None and known[0] is table:
        return known[1]
    best: FloatArray = np.where(_POSSIBLE[field], table, -np.inf).max(axis=1)
    if field in _UNCHANGING:
        if len(_TABLES) > 64:
            _TABLES.clear()
        _TABLES[id(table)] = (table, best)
    return best


# column positions, as constants the compiled pass can read
_GIVEN, _FAMILY, _FAMILY1, _FAMILY2, _FAMILY_MP = (_C[c] for c in (
    "given", "family", "family1", "family2", "family_mp"))  # fmt: skip
_DOB, _DOB_SWAPPED, _NHS, _POSTCODE, _PC_SECTOR, _PC_DISTRICT = (_C[c] for c in (
    "dob", "dob_swapped", "nhs", "postcode", "pc_sector", "pc_district"))  # fmt: skip
_STREET, _TOWN, _NUMBER, _FLAT, _PHONE, _SEX = (_C[c] for c in (
    "street", "town", "number", "flat", "phone", "sex"))  # fmt: skip
_DOB_DAYS, _DOB_YEAR, _NHS_VALID, _DOB_DIGITS = (_C[c] for c in (
    "dob_days", "dob_year", "nhs_valid", "dob_digits"))  # fmt: skip


@numba.njit(cache=True, nogil=True)
def _one_digit_out(a: int, b: int) -> bool:
    """Exactly one of the eight decimal digits differs."""
    differ = 0
    for _ in range(8):
        differ += a % 10 != b % 10
        a //= 10
        b //= 10
    return differ == 1


@numba.njit(cache=True, nogil=True)
def _patterns_of_rows(codes: IntArray, q: IntArray, family_close: BoolArray,
                      query_digits: int, query_days: int, query_year: int,
                      query_valid: bool, query_mp_long: bool,
                      out: npt.NDArray[np.int64]) -> None:  # fmt: skip
    """Each row's pattern of cheap facts for each comparison (the bits of `_POSSIBLE`), in
    one compiled pass: out[c, i] for c in GIVEN, FAMILY, DOB, NHS, HOUSEHOLD, SEX order.
    `q` holds the query's code per CODED column (_ABSENT where it has none)."""
    absent = _ABSENT
    for i in range(codes.shape[0]):
        row = codes[i]
        g = row[_GIVEN]
        out[0, i] = int(g < 0 or q[_GIVEN] == absent) | int(g == q[_GIVEN]) << 1
        f = row[_FAMILY]
        partial = (row[_FAMILY1] == q[_FAMILY1] or row[_FAMILY2] == q[_FAMILY1]
                   or row[_FAMILY1] == q[_FAMILY2] or row[_FAMILY2] == q[_FAMILY2])  # fmt: skip
        out[1, i] = (int(f < 0 or q[_FAMILY] == absent) | int(f == q[_FAMILY]) << 1
                     | int(partial) << 2 | int(family_close[i]) << 3
                     | int(row[_FAMILY_MP] == q[_FAMILY_MP] and query_mp_long) << 4)  # fmt: skip
        d = row[_DOB]
        exact = d == q[_DOB]
        transposed = row[_DOB_SWAPPED] == q[_DOB]
        near = abs(row[_DOB_DAYS] - query_days) <= 1 or _one_digit_out(
            row[_DOB_DIGITS], query_digits
        )
        years = abs(row[_DOB_YEAR] - query_year)
        out[2, i] = (int(d < 0 or q[_DOB] == absent) | int(exact) << 1 | int(transposed) << 2
                     | int(near) << 3 | int(years == 1) << 4 | int(years == 0) << 5)  # fmt: skip
        n = row[_NHS]
        out[3, i] = (int(n < 0 or q[_NHS] == absent) | int(n == q[_NHS]) << 1
                     | int(row[_NHS_VALID] == 1 and query_valid) << 2)  # fmt: skip
        number = row[_NUMBER] == q[_NUMBER] and (
            q[_FLAT] == absent or row[_FLAT] < 0 or row[_FLAT] == q[_FLAT]
        )
        street = q[_STREET] != absent and row[_STREET] >= 0
        unplaced = not (q[_TOWN] != absent and row[_TOWN] >= 0) and not (
            q[_PC_DISTRICT] != absent and row[_PC_DISTRICT] >= 0
        )
        null = not (street or (q[_POSTCODE] != absent and row[_POSTCODE] >= 0)
                    or (q[_PHONE] != absent and row[_PHONE] >= 0))  # fmt: skip
        out[4, i] = (int(null) | int(street) << 1 | int(number) << 2
                     | int(row[_POSTCODE] == q[_POSTCODE]) << 3
                     | int(row[_PHONE] == q[_PHONE]) << 4
                     | int(q[_NUMBER] != absent and row[_NUMBER] >= 0) << 5
                     | int(row[_TOWN] == q[_TOWN] or row[_PC_DISTRICT] == q[_PC_DISTRICT]) << 6
                     | int(unplaced) << 7 | int(row[_PC_SECTOR] == q[_PC_SECTOR]) << 8)  # fmt: skip
        s = row[_SEX]
        out[5, i] = int(s < 0 or q[_SEX] == absent) | int(s == q[_SEX]) << 1


def compile_bound() -> None:
    """Compile `_patterns_of_rows` for the types `upper_bounds` passes (or load it from
    numba's cache: ~1 s the first time after an install, ~0.3 s after), on an empty block."""
    _patterns_of_rows(np.zeros((0, len(COLUMNS)), np.int32), np.zeros(len(CODED), np.int32),
                      np.zeros(0, np.bool_), 0, 0, 0, False, False,
                      np.empty((6, 0), np.int64))  # fmt: skip


def upper_bounds(
    store: ColumnStore,
    query: Features,
    rows: IntArray,
    weights: dict[str, FloatArray],
    prior_weight: float,
    cut: float | None = None,
) -> FloatArray:
    """For each row, a match weight its full scoring cannot exceed, from integer compares
    alone (and two string tests): each comparison counts the best level that these cheap
    facts leave possible. A row below the share path's floor here is below it for
    `comparison_levels` too, so it is never scored (most of a common surname's block).

    The facts of each comparison make a small integer per row (a bit per fact, one compiled
    pass over the block); a table per comparison, the best weight each pattern of facts leaves
    possible, turns it into the bound (the tables of possible levels are built at import).

    Names swapped (a string test) is only tested on the rows whose fate it decides at `cut`:
    rows below it even if swapped, and rows above it even if not, keep the looser bound."""
    codes = store.matrix[rows]
    q = np.array([store.query_code(getattr(query, c)) for c in CODED], dtype=np.int32)
    n = len(rows)
    family_close = _close_mask(query.family, codes[:, _FAMILY], store)
    patterns = np.empty((6, n), dtype=np.int64)
    _patterns_of_rows(codes, q, family_close, _digits(query.dob), query.dob_days or 0,
                      query.dob_year or 0, bool(query.nhs_valid),
                      len(query.family_mp or "") >= 2, patterns)  # fmt: skip
    given_code, family_code, dob_code, nhs_code, address_code, sex_code = patterns
    rest = (prior_weight + _bound_table(DOB.field, weights)[dob_code]
            + _bound_table(NHS.field, weights)[nhs_code]
            + _bound_table(HOUSEHOLD.field, weights)[address_code]
            + _bound_table(SEX.field, weights)[sex_code])  # fmt: skip
    given_table = _bound_table(GIVEN.field, weights)
    family_table = _bound_table(FAMILY.field, weights)

    def with_names(swapped: npt.NDArray[np.int64] | int) -> FloatArray:
        """`rest` and both names' bounds, where names may be swapped (given's bit 2, family's
        bit 5). Not `match_weights`' order of sums: the share path's cut allows for that."""
        total: FloatArray = (
            rest + given_table[given_code | swapped * 4] + family_table[family_code | swapped * 32]
        )
        return total

    can_swap = bool(query.given and query.family)
    total = with_names(int(can_swap))
    if not can_swap:
        return total
    open_rows = np.ones(n, dtype=np.bool_)
    if cut is not None:
        open_rows = (total >= cut) & (with_names(0) < cut)  # swapped or not decides these
    if open_rows.any():
        swapped = np.zeros(n, dtype=np.int64)
        swapped[open_rows] = _swapped_mask(_Block(store, rows[open_rows]), query, store)
        total = np.where(open_rows, with_names(swapped), total)
    return total


def base_weights(model: Model) -> dict[str, FloatArray]:
    """For each comparison, each level's weight indexed by Splink value + 1 (null first)."""
    tables = {}
    for comparison in COMPARISONS:
        count = len(comparison.levels)
        weights = [0.0] + [model.level_parameters(comparison, i).weight for i in range(count)]
        tables[comparison.field] = np.array(weights, dtype=np.float64)
    return tables


def level_weights(
    model: Model,
    query: Features,
    term_frequency: Callable[[str, str | None], float | None],
    base: dict[str, FloatArray] | None = None,
) -> dict[str, FloatArray]:
    """`base_weights` with this query's term-frequency adjustment added to each TF level,
    exactly as `score_levels` adds it (a TF level is an exact match, so both sides' value,
    and so the adjustment, is the query's)."""
    tables = dict(base or base_weights(model))
    for comparison in COMPARISONS:
        count = len(comparison.levels)
        for position, level in enumerate(comparison.levels):
            if not level.tf_column:
                continue
            value = getattr(query, level.tf_column)
            frequency = term_frequency(level.tf_column, value)
            tf = {level.tf_column: {value: frequency}} if value and frequency else {}
            index = count - 1 - position
            table = tables[comparison.field].copy()
            table[index + 1] = model.level_parameters(comparison, index).weight + _tf_adjustment(
                model, comparison, level, query, query, tf
            )
            tables[comparison.field] = table
    return tables


def match_weights(
    model: Model, levels: dict[str, IntArray], weights: dict[str, FloatArray]
) -> FloatArray:
    """Prior plus the comparisons' weights, summed in the order `match_weight` sums them."""
    first = levels[COMPARISONS[0].field]
    total: FloatArray = np.zeros(len(first), dtype=np.float64)  # sum() starts at 0 too
    for comparison in COMPARISONS:
        total = total + weights[comparison.field][levels[comparison.field] + 1]
    weight: FloatArray = model.prior_weight + total
    return weight


def person_column(store: ColumnStore, rows: IntArray) -> IntArray:
    """The person code of each row (the index's `person_ids` reads it back)."""
    persons: IntArray = store.matrix[rows, _C["person"]]
    return persons


__all__ = [
    "ColumnStore",
    "base_weights",
    "comparison_levels",
    "compile_bound",
    "level_weights",
    "match_weights",
    "person_column",
    "upper_bounds",
]
