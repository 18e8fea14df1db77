"""The Fellegi-Sunter person model: comparison levels, their m/u, and the versioned model file.

Each comparison level is written twice, as a SQL condition for Splink (DuckDB or Spark) and
as a Python test over `Features`, and the two must agree on every pair: that is what makes a
real-time score equal to Splink's score for the same pair. The tests in
tests/unit/test_linkage_model.py hold them to it.

Weights follow Splink 5 exactly: a level weighs log2(m / u); a level with a term-frequency
adjustment adds w * (log2(u_exact) - log2(max(tf_l, tf_r, tf_min))); the match weight is
log2(lambda / (1 - lambda)) plus the sum over comparisons.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from rapidfuzz.distance import Levenshtein

from teamaround.linkage.features import Features
from teamaround.linkage.matcher import HOUSEHOLD_M_U, HouseholdMU

Dialect = Literal["duckdb", "spark"]

LONG = 6
"""From this many letters a name may carry two slips (edits) and still be one name mistyped.

Edit distance rather than Jaro-Winkler because it is an exact integer in Python, DuckDB and
Spark alike (Splink's Spark Jaro-Winkler UDF rounds differently from rapidfuzz and DuckDB,
which moved a pair across the threshold in testing)."""

_FUNCTIONS: dict[str, dict[str, str]] = {
    "duckdb": {"lev": "levenshtein", "overlap": "list_has_any"},
    "spark": {"lev": "levenshtein", "overlap": "arrays_overlap"},
}

Test = Callable[[Features, Features], bool]


@dataclass(frozen=True, slots=True)
class Level:
    """One comparison level: how to recognise it in SQL and in Python, and how to say it."""

    name: str
    words: str
    sql: str
    test: Test
    tf_column: str | None = None
    fixed_m: float | None = None
    """A policy m that training leaves alone (see ADR 0003: dependence the model cannot see)."""
    fixed_u: float | None = None
    """A policy u that training leaves alone (ADR 0003: a unique identifier's u cannot be
    estimated by random sampling, whose sample contains the true matches)."""


@dataclass(frozen=True, slots=True)
class Comparison:
    """A field compared at several levels; `present` says whether one side has it at all."""

    field: str
    label: str
    present: Callable[[Features], bool]
    null_sql: str
    levels: tuple[Level, ...]


# --------------------------------------------------------------------------- Python tests


def _close(a: str | None, b: str | None) -> bool:
    """One slip, or two in a long word: the typing errors that keep a word recognisable."""
    if a is None or b is None:
        return False
    distance = Levenshtein.distance(a, b)
    return distance <= 1 or (distance <= 2 and len(a) >= LONG and len(b) >= LONG)


def _close_sql(column: str, other: str | None = None) -> str:
    """`_close` in SQL, between `column` on the left and `other` (default: itself) on the right."""
    a, b = f"{column}_l", f"{other or column}_r"
    return (
        f"({{lev}}({a}, {b}) <= 1 OR ({{lev}}({a}, {b}) <= 2 "
        f"AND length({a}) >= {LONG} AND length({b}) >= {LONG}))"
    )


def _lev(a: str | None, b: str | None) -> int:
    return Levenshtein.distance(a, b) if a is not None and b is not None else 99


def _eq(a: object, b: object) -> bool:
    """SQL equality: NULL is equal to nothing, not even NULL."""
    return a is not None and b is not None and a == b


def _prefix(a: str | None, b: str | None) -> bool:
    """ "Kel" and "Kelly": a clipped form the nickname list does not hold."""
    if a is None or b is None:
        return False
    return len(a) >= 3 and len(a) < len(b) and b[: len(a)] == a


def _nickname(l: Features, r: Features) -> bool:
    overlap = bool(set(l.given_variants) & set(r.given_variants))
    return overlap or _prefix(l.given, r.given) or _prefix(r.given, l.given)


def _initial(l: Features, r: Features) -> bool:
    a, b = l.given or "", r.given or ""
    return (len(a) == 1 or len(b) == 1) and a[:1] == b[:1]


def _not_both_known(l: Features, r: Features) -> bool:
    return not (l.given_known and r.given_known)


def _middle_name(l: Features, r: Features) -> bool:
    """ "Stacey" (or "Sacey") for "Evie Stacey": known by a middle name, perhaps mistyped."""
    exact = _eq(l.given, r.given2) or _eq(l.given2, r.given)
    return exact or _close(l.given, r.given2) or _close(l.given2, r.given)


def _unrecognised(l: Features, r: Features) -> bool:
    """Not two real names, and close enough to be one mistyped ("Wyane", "Liqia")."""
    if not _not_both_known(l, r) or l.given is None or r.given is None:
        return False
    return l.given[:1] == r.given[:1] or _lev(l.given, r.given) <= 2


def _year_slip(l: Features, r: Features) -> bool:
    """ "2009-09-14" for "2010-09-14": the day and month agree, the year is one out."""
    if l.dob is None or r.dob is None or l.dob_year is None or r.dob_year is None:
        return False
    return l.dob[5:] == r.dob[5:] and abs(l.dob_year - r.dob_year) == 1


def _alike(a: str | None, b: str | None) -> bool:
    """One name written for another: equal, a slip or two (`_close`), or clipped to an
    initial or to three letters or more ("Z" or "Zar" for "Zara")."""
    if a is None or b is None:
        return False
    if a == b or _close(a, b):
        return True
    short, whole = (a, b) if len(a) < len(b) else (b, a)
    return (
        (len(short) == 1 or len(short) >= 3)
        and len(short) < len(whole)
        and (whole.startswith(short))
    )


def _swapped(l: Features, r: Features) -> bool:
    """Each side's first name is like the other's family name (or a part of it): "Nwak, Ronnie"
    for Ronnie Nowak, "Riley Z" for Zara Riley."""
    return any(_alike(l.given, f) for f in (r.family, r.family1, r.family2)) and any(
        _alike(r.given, f) for f in (l.family, l.family1, l.family2)
    )


def _same_street(l: Features, r: Features) -> bool:
    return _close(l.street, r.street)


def _same_town(l: Features, r: Features) -> bool:
    return _eq(l.town, r.town) or _eq(l.pc_district, r.pc_district)


def _no_place(l: Features, r: Features) -> bool:
    """Neither town nor postcode district is known on both sides, so neither can disagree."""
    towns = l.town is not None and r.town is not None
    return not towns and not (l.pc_district is not None and r.pc_district is not None)


def _flats_agree(l: Features, r: Features) -> bool:
    return l.flat is None or r.flat is None or l.flat == r.flat


def _same_door(l: Features, r: Features) -> bool:
    return _same_street(l, r) and _eq(l.number, r.number) and _flats_agree(l, r)


def _other_door(l: Features, r: Features) -> bool:
    numbers = l.number is not None and r.number is not None
    return _same_street(l, r) and numbers and not _same_door(l, r)


def _both(name: str) -> str:
    return f"{name}_l IS NOT NULL AND {name}_r IS NOT NULL"


_SAME_STREET = _close_sql("street")
_FLATS_AGREE = "(flat_l IS NULL OR flat_r IS NULL OR flat_l = flat_r)"
_SAME_DOOR = f"{_SAME_STREET} AND number_l = number_r AND {_FLATS_AGREE}"
_PREFIX = (
    "(length({a}_l) >= 3 AND length({a}_l) < length({a}_r) "
    "AND substr({a}_r, 1, length({a}_l)) = {a}_l)"
)


def _alike_sql(a: str, b: str) -> str:
    """`_alike` between two column references."""
    lev = f"{{lev}}({a}, {b})"
    clipped = (
        "((length({s}) = 1 OR length({s}) >= 3) AND length({s}) < length({w}) "
        "AND substr({w}, 1, length({s})) = {s})"
    )
    return (
        f"({a} = {b} OR {lev} <= 1 OR ({lev} <= 2 AND length({a}) >= {LONG} "
        f"AND length({b}) >= {LONG}) OR {clipped.format(s=a, w=b)} OR {clipped.format(s=b, w=a)})"
    )


def _swapped_sql() -> str:
    def any_family(given: str, side: str) -> str:
        parts = (f"family_{side}", f"family1_{side}", f"family2_{side}")
        return "(" + " OR ".join(_alike_sql(given, p) for p in parts) + ")"

    return f"{any_family('given_l', 'r')} AND {any_family('given_r', 'l')}"


_SWAPPED_SQL = _swapped_sql()


def _prefix_sql(column: str) -> str:
    left = _PREFIX.format(a=column)
    right = left.replace("_l", "_X").replace("_r", "_l").replace("_X", "_r")
    return f"({left} OR {right})"


GIVEN = Comparison(
    field="given",
    label="first name",
    present=lambda f: f.given is not None,
    null_sql="given_l IS NULL OR given_r IS NULL",
    levels=(
        Level("exact", "first name agrees", "given_l = given_r", lambda l, r: l.given == r.given,
              tf_column="given"),
        Level("nickname", "first name is a known short or alternative form",
              "{overlap}(given_variants_l, given_variants_r) OR " + _prefix_sql("given"),
              _nickname),
        Level("middle_name", "first name matches, or nearly matches, another given name",
              "given_l = given2_r OR given2_l = given_r OR "
              + _close_sql("given", "given2") + " OR " + _close_sql("given2", "given"),
              _middle_name),
        Level("initial", "only the first initial can be compared and it agrees",
              "(length(given_l) = 1 OR length(given_r) = 1) "
              "AND substr(given_l, 1, 1) = substr(given_r, 1, 1)", _initial),
        Level("fuzzy", "first name is spelt slightly differently",
              _close_sql("given") + " AND NOT (given_known_l AND given_known_r)",
              lambda l, r: _close(l.given, r.given) and _not_both_known(l, r)),
        Level("phonetic", "first name sounds the same but is spelt differently",
              "given_mp_l = given_mp_r AND length(given_mp_l) >= 2 "
              "AND NOT (given_known_l AND given_known_r)",
              lambda l, r: _eq(l.given_mp, r.given_mp) and len(l.given_mp or "") >= 2
              and _not_both_known(l, r)),
        # A first name that is not a name ("Wyane", "Cno", "Nxa") is a slip of the keyboard
        # more often than another person; two real, different names are two people (twins).
        Level("unrecognised", "first name is not one we recognise but is close (same first "
              "letter, or two letters out): perhaps mistyped",
              "NOT (given_known_l AND given_known_r) AND (substr(given_l, 1, 1) = "
              "substr(given_r, 1, 1) OR {lev}(given_l, given_r) <= 2)",
              _unrecognised),
        Level("swapped", "first and family names are swapped", _SWAPPED_SQL, _swapped),
        # Twins and siblings share family name, birthday, home and phone, all of which the
        # model counts as independent evidence; a different first name must outweigh them.
        Level("different", "first name differs", "ELSE", lambda l, r: True, fixed_m=1e-7),
    ),
)  # fmt: skip

FAMILY = Comparison(
    field="family",
    label="family name",
    present=lambda f: f.family is not None,
    null_sql="family_l IS NULL OR family_r IS NULL",
    levels=(
        Level("exact", "family name agrees", "family_l = family_r",
              lambda l, r: l.family == r.family, tf_column="family"),
        Level("partial", "family name matches part of a double-barrelled name",
              "family1_l = family1_r OR family1_l = family2_r "
              "OR family2_l = family1_r OR family2_l = family2_r",
              lambda l, r: bool({l.family1, l.family2} & {r.family1, r.family2} - {None})),
        Level("fuzzy", "family name is spelt slightly differently",
              _close_sql("family"), lambda l, r: _close(l.family, r.family)),
        Level("phonetic", "family name sounds the same but is spelt differently",
              "family_mp_l = family_mp_r AND length(family_mp_l) >= 2",
              lambda l, r: _eq(l.family_mp, r.family_mp) and len(l.family_mp or "") >= 2),
        Level("swapped", "first and family names are swapped", _SWAPPED_SQL, _swapped),
        Level("different", "family name differs", "ELSE", lambda l, r: True),
    ),
)  # fmt: skip

DOB = Comparison(
    field="dob",
    label="date of birth",
    present=lambda f: f.dob is not None,
    null_sql="dob_l IS NULL OR dob_r IS NULL",
    levels=(
        Level("exact", "date of birth agrees", "dob_l = dob_r", lambda l, r: l.dob == r.dob),
        Level("transposed", "date of birth has day and month swapped",
              "dob_l = dob_swapped_r", lambda l, r: _eq(l.dob, r.dob_swapped)),
        Level("off_by_one", "date of birth is a day or a digit out",
              "abs(dob_days_l - dob_days_r) <= 1 OR {lev}(dob_l, dob_r) = 1",
              lambda l, r: abs((l.dob_days or 0) - (r.dob_days or 0)) <= 1
              or _lev(l.dob, r.dob) == 1),
        Level("year_slip", "day and month agree; the year is one out",
              "substr(dob_l, 6, 5) = substr(dob_r, 6, 5) AND abs(dob_year_l - dob_year_r) = 1",
              _year_slip),
        Level("year_only", "only the year of birth agrees", "dob_year_l = dob_year_r",
              lambda l, r: l.dob_year == r.dob_year),
        # A father and son of one name at one address differ only here; see ADR 0003.
        Level("different", "date of birth differs", "ELSE", lambda l, r: True, fixed_m=1e-5),
    ),
)  # fmt: skip

NHS = Comparison(
    field="nhs",
    label="NHS number",
    present=lambda f: f.nhs is not None,
    null_sql="nhs_l IS NULL OR nhs_r IS NULL",
    levels=(
        # Decisive by design: two people share a valid NHS number only by a keying error, so
        # it must outweigh a wholly different first name ("Olly" at school, "Oliver" on the
        # register); random sampling would set u near lambda. See ADR 0003.
        Level("exact", "NHS number agrees", "nhs_l = nhs_r AND nhs_valid_l AND nhs_valid_r",
              lambda l, r: l.nhs == r.nhs and l.nhs_valid and r.nhs_valid, fixed_u=1e-12),
        Level("exact_unverified", "NHS number agrees but fails its check digit",
              "nhs_l = nhs_r", lambda l, r: l.nhs == r.nhs),
        Level("near", "NHS number is one or two digits out and fails its check digit",
              "{lev}(nhs_l, nhs_r) <= 2 AND NOT (nhs_valid_l AND nhs_valid_r)",
              lambda l, r: _lev(l.nhs, r.nhs) <= 2 and not (l.nhs_valid and r.nhs_valid)),
        # Two valid, different NHS numbers: another person, or another person's number keyed
        # in. Either way not a link without a person looking (ADR 0003).
        Level("different", "NHS number differs", "ELSE", lambda l, r: True, fixed_m=1e-4),
    ),
)  # fmt: skip


def _has_household(f: Features) -> bool:
    return f.street is not None or f.postcode is not None or f.phone is not None


HOUSEHOLD = Comparison(
    field="address",
    label="address",
    present=_has_household,
    null_sql=(
        "NOT ((street_l IS NOT NULL AND street_r IS NOT NULL) "
        "OR (postcode_l IS NOT NULL AND postcode_r IS NOT NULL) "
        "OR (phone_l IS NOT NULL AND phone_r IS NOT NULL))"
    ),
    levels=(
        Level("door_postcode", "house number, street and postcode agree",
              f"{_SAME_DOOR} AND postcode_l = postcode_r",
              lambda l, r: _same_door(l, r) and _eq(l.postcode, r.postcode)),
        Level("door", "house number and street agree", _SAME_DOOR, _same_door),
        Level("phone", "phone number agrees", "phone_l = phone_r",
              lambda l, r: _eq(l.phone, r.phone)),
        # Before "postcode": a neighbour shares the postcode, and a different door on the
        # same street is evidence against, not for.
        Level("other_door", "same street but a different house or flat",
              f"{_SAME_STREET} AND number_l IS NOT NULL AND number_r IS NOT NULL",
              _other_door),
        Level("postcode", "postcode agrees", "postcode_l = postcode_r",
              lambda l, r: _eq(l.postcode, r.postcode), tf_column="postcode"),
        Level("street_in_town", "street and town agree; no house number to compare",
              f"{_SAME_STREET} AND (town_l = town_r OR pc_district_l = pc_district_r)",
              lambda l, r: _same_street(l, r) and _same_town(l, r)),
        Level("street", "street agrees; no house number, town or postcode to compare",
              f"{_SAME_STREET} AND NOT (town_l IS NOT NULL AND town_r IS NOT NULL) "
              "AND NOT (pc_district_l IS NOT NULL AND pc_district_r IS NOT NULL)",
              lambda l, r: _same_street(l, r) and _no_place(l, r)),
        Level("sector", "only the postcode sector agrees", "pc_sector_l = pc_sector_r",
              lambda l, r: _eq(l.pc_sector, r.pc_sector)),
        Level("different", "address differs", "ELSE", lambda l, r: True),
    ),
)  # fmt: skip

SEX = Comparison(
    field="sex",
    label="sex",
    present=lambda f: f.sex is not None,
    null_sql="sex_l IS NULL OR sex_r IS NULL",
    levels=(
        Level("agree", "sex agrees", "sex_l = sex_r", lambda l, r: l.sex == r.sex),
        Level("different", "sex differs", "ELSE", lambda l, r: True),
    ),
)

COMPARISONS: tuple[Comparison, ...] = (GIVEN, FAMILY, DOB, NHS, HOUSEHOLD, SEX)


@dataclass(frozen=True, slots=True)
class HouseholdPattern:
    """Two people of one household as the levels see them, which a policy level guards
    against (ADR 0003 point 5): the policy comparison at "different", the others agreeing.

    Independence counts each agreement as separate evidence; in a household they come
    together. Training counts such pairs inside each file (people a file lists twice are one
    agency's mistake, two people are the rule) against what independence predicts; only data
    showing none beyond chance let EM estimate the policy level (`linkage.batch.train`)."""

    policy: str
    """The comparison whose "different" (ELSE) level is the policy level."""
    who: str
    agree: Mapping[str, tuple[str, ...]]
    """The other comparisons and the levels at which they count as agreeing."""


_HOME = ("door_postcode", "door", "phone")
HOUSEHOLD_PATTERNS: tuple[HouseholdPattern, ...] = (
    HouseholdPattern("given", "twins: one family name, birthday and home, two first names",
                     {"family": ("exact",), "dob": ("exact",), "address": _HOME}),
    HouseholdPattern("dob", "a father and son: one name and home, two birthdays",
                     {"given": ("exact",), "family": ("exact",), "address": _HOME}),
)  # fmt: skip
HOUSEHOLD_POLICIES = frozenset(pattern.policy for pattern in HOUSEHOLD_PATTERNS)


def _household_null(l: Features, r: Features) -> bool:
    return not (
        (l.street is not None and r.street is not None)
        or (l.postcode is not None and r.postcode is not None)
        or (l.phone is not None and r.phone is not None)
    )


def level_index(comparison: Comparison, l: Features, r: Features) -> int:
    """Splink's comparison vector value: -1 for the null level, else levels counted from the
    last (the ELSE level is 0), exactly as Splink numbers them."""
    if comparison is HOUSEHOLD:
        if _household_null(l, r):
            return -1
    elif not (comparison.present(l) and comparison.present(r)):
        return -1
    count = len(comparison.levels)
    for position, level in enumerate(comparison.levels):
        if level.test(l, r):
            return count - 1 - position
    return 0


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True, slots=True)
class LevelParameters:
    """Trained m and u for one level; `u_exact` is the u a term-frequency adjustment starts from."""

    m: float
    u: float

    @property
    def weight(self) -> float:
        return math.log2(self.m / self.u)


@dataclass(frozen=True, slots=True)
class Model:
    """A versioned, trained model: what the JSON file holds and both engines read."""

    version: str
    prior: float
    parameters: Mapping[str, tuple[LevelParameters, ...]]
    tf_minimum_u: float = 1e-6
    trained_on: Mapping[str, Any] = field(default_factory=dict)
    estimated_policies: frozenset[str] = frozenset()
    """Comparisons whose household policy level EM estimated, because the data it was trained
    on hold no such households beyond chance (HOUSEHOLD_PATTERNS); the rest stay fixed."""
    households: HouseholdMU = field(default_factory=lambda: HOUSEHOLD_M_U)
    """m and u for "is this described address this register household" (`match_address`):
    trained by `linkage.household_model`, or the hand-set `HOUSEHOLD_M_U` of a model file
    that has none."""

    def __post_init__(self) -> None:
        if not self.estimated_policies <= HOUSEHOLD_POLICIES:
            unknown = ", ".join(sorted(self.estimated_policies - HOUSEHOLD_POLICIES))
            raise ValueError(f"only a household policy level can be estimated, not {unknown}")

    def fixed_m(self, comparison: Comparison, level: Level) -> float | None:
        """The policy m this model holds the level to, or None when it is trained."""
        if level is comparison.levels[-1] and comparison.field in self.estimated_policies:
            return None
        return level.fixed_m

    def level_parameters(self, comparison: Comparison, index: int) -> LevelParameters:
        """Parameters by Splink's comparison vector value (ELSE is 0)."""
        levels = self.parameters[comparison.field]
        return levels[len(levels) - 1 - index]

    def with_prior(self, prior: float) -> Model:
        """The same weights for a register of another size (prior about 1 / N)."""
        if not 0.0 < prior < 1.0:
            raise ValueError(f"prior must be strictly between 0 and 1, not {prior}")
        return replace(self, prior=prior)

    @property
    def prior_weight(self) -> float:
        return math.log2(self.prior / (1.0 - self.prior))

    def to_json(self) -> dict[str, Any]:
        return {
            "format": "teamaround-linkage-model",
            "version": self.version,
            "probability_two_random_records_match": self.prior,
            "tf_minimum_u_value": self.tf_minimum_u,
            "trained_on": dict(self.trained_on),
            "comparisons": {
                c.field: [
                    {
                        "level": level.name,
                        "m": p.m,
                        "u": p.u,
                        "fixed_m": self.fixed_m(c, level) is not None,
                        "fixed_u": level.fixed_u is not None,
                    }
                    for level, p in zip(c.levels, self.parameters[c.field], strict=True)
                ]
                for c in COMPARISONS
            },
            "households": {
                name: [{"level": level, "m": m, "u": u} for level, (m, u) in levels.items()]
                for name, levels in self.households.items()
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Model:
        if data.get("format") != "teamaround-linkage-model":
            raise ValueError("not a TeamAround linkage model file")
        parameters: dict[str, tuple[LevelParameters, ...]] = {}
        estimated: set[str] = set()
        for comparison in COMPARISONS:
            stored = data["comparisons"][comparison.field]
            names = [entry["level"] for entry in stored]
            if names != [level.name for level in comparison.levels]:
                raise ValueError(f"model levels for {comparison.field} do not match this code")
            parameters[comparison.field] = tuple(
                LevelParameters(float(e["m"]), float(e["u"])) for e in stored
            )
            estimated.update(
                comparison.field
                for level, entry in zip(comparison.levels, stored, strict=True)
                if level.fixed_m is not None and entry.get("fixed_m") is False
            )
        return cls(
            version=str(data["version"]),
            prior=float(data["probability_two_random_records_match"]),
            parameters=parameters,
            tf_minimum_u=float(data.get("tf_minimum_u_value", 1e-6)),
            trained_on=dict(data.get("trained_on", {})),
            estimated_policies=frozenset(estimated),
            households=_households_from_json(data.get("households")),
        )

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")


def _households_from_json(stored: Mapping[str, Any] | None) -> HouseholdMU:
    if stored is None:
        return HOUSEHOLD_M_U
    households: dict[str, dict[str, tuple[float, float]]] = {}
    for name, levels in HOUSEHOLD_M_U.items():
        entries = stored.get(name, [])
        if [entry["level"] for entry in entries] != list(levels):
            raise ValueError(f"model household levels for {name} do not match this code")
        households[name] = {e["level"]: (float(e["m"]), float(e["u"])) for e in entries}
    return households


DEFAULT_MODEL = "default-v3.json"


def load_model(path: Path | None = None) -> Model:
    """The model in `path`, or the one shipped in the package."""
    if path is not None:
        return Model.from_json(json.loads(path.read_text(encoding="utf-8")))
    text = resources.files("teamaround.linkage").joinpath("models", DEFAULT_MODEL).read_text()
    return Model.from_json(json.loads(text))


# --------------------------------------------------------------------------- scoring


TermFrequencies = Mapping[str, Mapping[str, float]]
"""Column -> value -> share of records with that value (Splink's tf_ columns)."""


@dataclass(frozen=True, slots=True)
class ScoredLevel:
    """One comparison's outcome for a pair: which level and how much it weighed, in bits."""

    comparison: Comparison
    index: int
    weight: float

    @property
    def level(self) -> Level | None:
        if self.index < 0:
            return None
        return self.comparison.levels[len(self.comparison.levels) - 1 - self.index]


def _tf_adjustment(
    model: Model,
    comparison: Comparison,
    level: Level,
    l: Features,
    r: Features,
    tf: TermFrequencies,
) -> float:
    if level.tf_column is None:
        return 0.0
    table = tf.get(level.tf_column, {})
    values = [table.get(getattr(f, level.tf_column)) for f in (l, r)]
    known = [v for v in values if v is not None]
    if not known:
        return 0.0
    exact = next(
        p
        for lv, p in zip(comparison.levels, model.parameters[comparison.field], strict=True)
        if lv.tf_column == level.tf_column
    )
    return math.log2(exact.u) - math.log2(max(*known, model.tf_minimum_u))


def score_levels(
    model: Model,
    l: Features,
    r: Features,
    tf: TermFrequencies | None = None,
) -> list[ScoredLevel]:
    """Every comparison's level and weight for one pair, term frequencies included."""
    scored = []
    for comparison in COMPARISONS:
        index = level_index(comparison, l, r)
        if index < 0:
            scored.append(ScoredLevel(comparison, index, 0.0))
            continue
        params = model.level_parameters(comparison, index)
        level = comparison.levels[len(comparison.levels) - 1 - index]
        weight = params.weight + _tf_adjustment(model, comparison, level, l, r, tf or {})
        scored.append(ScoredLevel(comparison, index, weight))
    return scored


def match_weight(model: Model, scored: list[ScoredLevel]) -> float:
    return model.prior_weight + sum(s.weight for s in scored)


def probability(weight: float) -> float:
    """Splink's match probability from a match weight, without overflow."""
    if weight > 60:
        return 1.0
    if weight < -60:
        return 0.0
    odds = math.pow(2.0, weight)
    return odds / (1.0 + odds)


# --------------------------------------------------------------------------- Splink settings


def level_sql(comparison: Comparison, level: Level, dialect: Dialect) -> str:
    return level.sql.format(**_FUNCTIONS[dialect])


def splink_comparisons(dialect: Dialect, model: Model | None = None) -> list[dict[str, Any]]:
    """The comparisons as Splink settings, with the model's m/u when one is given."""
    comparisons = []
    for comparison in COMPARISONS:
        levels: list[dict[str, Any]] = [
            {
                "sql_condition": comparison.null_sql,
                "label_for_charts": "null",
                "is_null_level": True,
            }
        ]
        params = model.parameters[comparison.field] if model else (None,) * len(comparison.levels)
        for level, p in zip(comparison.levels, params, strict=True):
            entry: dict[str, Any] = {
                "sql_condition": level_sql(comparison, level, dialect),
                "label_for_charts": level.name,
            }
            if level.tf_column:
                entry |= {"tf_adjustment_column": level.tf_column, "tf_adjustment_weight": 1.0}
                entry["tf_minimum_u_value"] = model.tf_minimum_u if model else 1e-6
            if p is not None:
                entry |= {"m_probability": p.m, "u_probability": p.u}
            fixed_m = model.fixed_m(comparison, level) if model else level.fixed_m
            if fixed_m is not None:
                entry |= {"m_probability": fixed_m, "fix_m_probability": True}
            if level.fixed_u is not None:
                entry |= {"u_probability": level.fixed_u, "fix_u_probability": True}
            levels.append(entry)
        comparisons.append(
            {
                "output_column_name": comparison.field,
                "comparison_description": comparison.label,
                "comparison_levels": levels,
            }
        )
    return comparisons


BLOCKING_RULES: tuple[str, ...] = (
    "l.nhs = r.nhs",
    "l.dob = r.dob",
    "l.dob_swapped = r.dob",
    "l.family_mp = r.family_mp AND l.dob_year = r.dob_year",
    "l.given_mp = r.family_mp AND l.dob_year = r.dob_year",
    "l.family_mp = r.family_mp AND substr(l.dob, 1, 7) = substr(r.dob, 1, 7)",
    "l.given_mp = r.given_mp AND substr(l.dob, 1, 7) = substr(r.dob, 1, 7)",
    "l.family_mp = r.given_mp AND substr(l.dob, 1, 7) = substr(r.dob, 1, 7)",
    "l.given_mp = r.family_mp AND substr(l.dob, 1, 7) = substr(r.dob, 1, 7)",
    "l.family_mp = r.family_mp AND substr(l.dob, 6, 5) = substr(r.dob, 6, 5)",
    "l.given_mp = r.given_mp AND substr(l.dob, 6, 5) = substr(r.dob, 6, 5)",
    "l.family_mp = r.given_mp AND substr(l.dob, 6, 5) = substr(r.dob, 6, 5)",
    "l.given_mp = r.family_mp AND substr(l.dob, 6, 5) = substr(r.dob, 6, 5)",
    "l.family_mp = r.family_mp AND l.given_mp = r.given_mp",
    "l.family_mp = r.given_mp AND l.given_mp = r.family_mp",
    "l.postcode = r.postcode",
    "l.street = r.street AND l.number = r.number",
    "l.phone = r.phone",
)
"""`realtime.blocking_keys` as Splink blocking rules (left is the query: its day/month swap is
looked up too). A pair meets one of these rules exactly when the two records share a key."""


def splink_settings(
    dialect: Dialect,
    model: Model | None = None,
    *,
    link_type: str = "link_only",
    prior: float | None = None,
) -> dict[str, Any]:
    """A Splink settings dictionary for this model."""
    settings: dict[str, Any] = {
        "link_type": link_type,
        "unique_id_column_name": "unique_id",
        "comparisons": splink_comparisons(dialect, model),
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": rule, "sql_dialect": dialect} for rule in BLOCKING_RULES
        ],
        "retain_intermediate_calculation_columns": True,
        "retain_matching_columns": True,
    }
    chosen = prior if prior is not None else (model.prior if model else None)
    if chosen is not None:
        settings["probability_two_random_records_match"] = chosen
    return settings


def model_from_splink(
    settings: Mapping[str, Any],
    *,
    version: str,
    trained_on: Mapping[str, Any],
    estimated_policies: frozenset[str] = frozenset(),
) -> Model:
    """Read trained m/u back from Splink's saved settings, by level position."""
    parameters: dict[str, tuple[LevelParameters, ...]] = {}
    by_name = {c["output_column_name"]: c for c in settings["comparisons"]}
    for comparison in COMPARISONS:
        stored = list(by_name[comparison.field]["comparison_levels"])
        stored = [lv for lv in stored if not lv.get("is_null_level")]
        parameters[comparison.field] = tuple(
            LevelParameters(_probability(lv, "m_probability"), _probability(lv, "u_probability"))
            for lv in stored
        )
    return Model(
        version=version,
        prior=float(settings["probability_two_random_records_match"]),
        parameters=parameters,
        trained_on=dict(trained_on),
        estimated_policies=estimated_policies,
    )


def _probability(level: Mapping[str, Any], key: str) -> float:
    """Splink leaves an unobserved level untrained and scores it at 1e-6; so do we, explicitly."""
    value = level.get(key)
    return float(value) if isinstance(value, int | float) and value > 0 else 1e-6
