"""Decide which register people and households an agency's record describes, and say why.

The first implementation is Fellegi-Sunter scoring with hand-set m/u probabilities (the
tables just below). A later issue estimates m and u from real data with Splink and replaces
the internals of `ScoringMatcher`; the `Matcher` protocol and the result types stay.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Protocol

import jellyfish

from teamaround.domain.identity import Identity
from teamaround.linkage.standardise import (
    STREET_TYPES,
    DateLevel,
    NhsNumber,
    PersonName,
    StandardAddress,
    compare_dates,
    is_known_name,
    name_variants,
    parse_date,
    phonetic_key,
    standard_address,
    standard_name,
    standard_nhs,
    standard_phone,
    transposed,
)

LINK_THRESHOLD = 0.95
"""At or above this a record may be linked without a person looking at it."""

REVIEW_THRESHOLD = 0.5
"""At or above this a candidate is worth a practitioner's review; below it is not shown."""

DEFAULT_PRIOR = 1e-4
"""Chance two records picked at random are the same person: about 1/N for a register of N.
1e-4 suits a local authority register of ~10,000 people; pass `prior` for another size."""

ADDRESS_PRIOR = 3e-3
"""Chance a random address text names a given household: a street's worth of doors (~1/300)."""

HOUSEHOLD_CAP_BITS = 8.0
"""Most evidence (in bits) address, postcode and phone may add together. They describe a
household, not a person, and are strongly correlated with each other and with the family name:
uncapped, a father's shared address would outvote the son's own date of birth."""

# (m, u) per field and level: m = P(level | same person), u = P(level | different people).
# The weight of a level is log2(m / u). A missing value weighs nothing and is not listed.
M_U: dict[str, dict[str, tuple[float, float]]] = {
    "name": {
        "exact": (0.85, 2e-5),
        "nickname": (0.04, 2e-5),
        "middle_name": (0.02, 2e-5),
        "swapped": (0.005, 1e-6),
        "fuzzy": (0.05, 5e-5),
        "partial_family": (0.02, 5e-5),
        "phonetic": (0.02, 1e-4),
        "initial": (0.02, 5e-4),
        "family_only": (0.05, 0.005),
        "given_only": (0.05, 0.02),
        "family_differs": (0.05, 0.01),
        # m is set far below its observed rate on purpose: twins and siblings share family
        # name, date of birth, address and phone, which Fellegi-Sunter treats as independent.
        "given_differs": (2e-6, 0.005),
        "different": (1e-3, 0.99),
    },
    "dob": {
        "exact": (0.93, 1e-4),
        "transposed": (0.01, 1e-4),
        "off_by_one": (0.03, 2e-3),
        "year_only": (0.01, 0.015),
        "different": (0.002, 0.97),
    },
    "nhs": {
        # Decisive by design: it must outweigh a wholly different first name ("Olly" on a
        # school record, "Oliver" on the register) and the prior together.
        "exact": (0.98, 1e-9),
        "exact_unverified": (0.02, 1e-7),
        "different": (1e-4, 0.9999),
        "different_unverified": (0.02, 0.9999),
    },
    "postcode": {
        "unit": (0.7, 0.005),
        "sector": (0.08, 0.03),
        "district": (0.05, 0.08),
        "different": (0.17, 0.885),
    },
    "address": {
        "exact": (0.6, 1e-3),
        "street": (0.1, 0.01),
        "number_differs": (0.001, 0.01),
        "different": (0.3, 0.98),
    },
    "phone": {"exact": (0.3, 0.01), "different": (0.4, 0.99)},
    "sex": {"agree": (0.97, 0.5), "differ": (0.03, 0.5)},
}

# The same idea for "is this text this household's address": a household is one door.
HOUSEHOLD_M_U: dict[str, dict[str, tuple[float, float]]] = {
    "street": {
        "street_postcode": (0.9, 5e-5),
        "street_town": (0.9, 2e-4),
        "street_only": (0.9, 2e-3),
        "postcode_only": (0.05, 0.005),
        "different": (0.02, 0.99),
    },
    "number": {"agree": (0.95, 0.12), "missing": (0.05, 0.4), "differs": (0.001, 0.5)},
    "flat": {"agree": (0.9, 0.3), "differs": (0.001, 0.7)},
}

_HOUSEHOLD_FIELDS = frozenset({"address", "postcode", "phone"})
_FUZZY_NAME = 0.92
_FUZZY_STREET = 0.92


# --------------------------------------------------------------------------- public types


@dataclass(frozen=True, slots=True)
class RegisterPerson:
    """A person on the register, as the matcher needs them."""

    id: str
    given: str
    family: str
    dob: date | None = None
    sex: str | None = None
    nhs: str | None = None
    phone: str | None = None
    aliases: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RegisterAddress:
    """A household address on the register."""

    id: str
    text: str


@dataclass(frozen=True, slots=True)
class FieldEvidence:
    """One field's say in a match, in bits, with words a social worker can check."""

    field: str
    level: str
    weight: float
    description: str


_LABELS = {
    "name": "name",
    "given": "first name",
    "family": "family name",
    "dob": "date of birth",
    "nhs": "NHS number",
    "address": "address",
    "postcode": "postcode",
    "phone": "phone number",
    "sex": "sex",
    "street": "street",
    "number": "house number",
    "flat": "flat",
}
_FULL_AGREEMENT = frozenset(
    {"exact", "unit", "agree", "street_postcode", "street_town", "door_postcode", "door"}
)


def _whole_name(labels: list[str]) -> list[str]:
    """First and family name in one group read as "name", as a person would say it."""
    if "first name" in labels and "family name" in labels:
        labels = [x for x in labels if x != "family name"]
        return ["name" if x == "first name" else x for x in labels]
    return labels


def _join(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _clause(labels: list[str], singular: str, plural: str) -> str | None:
    if not labels:
        return None
    return f"{_join(labels)} {singular if len(labels) == 1 else plural}"


def explain_evidence(evidence: Iterable[FieldEvidence]) -> str:
    """One plain sentence, so the reason for a suggested match is readable at a glance."""
    groups: dict[str, list[str]] = {"agree": [], "close": [], "differ": [], "unknown": []}
    for item in evidence:
        label = _LABELS.get(item.field, item.field)
        if item.weight > 0:
            groups["agree" if item.level in _FULL_AGREEMENT else "close"].append(label)
        elif item.weight < 0:
            groups["unknown" if item.level == "missing" else "differ"].append(label)
    groups = {key: _whole_name(labels) for key, labels in groups.items()}
    clauses = [
        _clause(groups["agree"], "agrees", "agree"),
        _clause(groups["close"], "nearly agrees", "nearly agree"),
        _clause(groups["differ"], "differs", "differ"),
        _clause(groups["unknown"], "is not given", "are not given"),
    ]
    sentence = "; ".join(clause for clause in clauses if clause)
    return sentence or "nothing could be compared"


@dataclass(frozen=True, slots=True)
class PotentialMatch:
    """A register person this record may describe, with the evidence for and against."""

    person_id: str
    probability: float
    evidence: tuple[FieldEvidence, ...]

    def explain(self) -> str:
        return explain_evidence(self.evidence)


@dataclass(frozen=True, slots=True)
class AddressMatch:
    """A register household this address text may name, with the evidence."""

    address_id: str
    probability: float
    evidence: tuple[FieldEvidence, ...]

    def explain(self) -> str:
        return explain_evidence(self.evidence)


_PLACED_STREET = frozenset({"street_postcode", "street_town"})


def confirmed_door(match: AddressMatch) -> bool:
    """Whether a household match names a door on both sides: the same street within its place
    (postcode or town), and the house number or the flat agreeing. Only such a match may link
    by itself; a street with no door, a door with no place ("91 West Street": which town?) or
    a door on another street of the postcode is for a person to confirm, whatever weights the
    household model was trained to (ADR 0003 point 20)."""
    levels = {e.field: e.level for e in match.evidence}
    door = levels.get("number") == "agree" or levels.get("flat") == "agree"
    return door and levels.get("street") in _PLACED_STREET


class Matcher(Protocol):
    """What the services need from record linkage, whatever model sits behind it."""

    def match_person(self, identity: Identity) -> list[PotentialMatch]: ...

    def match_address(self, text: str) -> list[AddressMatch]: ...

    def add_person(self, person: RegisterPerson) -> None: ...

    def add_address(self, address: RegisterAddress) -> None: ...


# --------------------------------------------------------------------------- weights


def _weight(
    table: Mapping[str, Mapping[str, tuple[float, float]]], field_name: str, level: str
) -> float:
    m, u = table.get(field_name, {}).get(level, (1.0, 1.0))
    return math.log2(m / u)


def _evidence(field_name: str, level: str, description: str) -> FieldEvidence:
    return FieldEvidence(field_name, level, _weight(M_U, field_name, level), description)


def _probability(prior: float, bits: float) -> float:
    """Prior odds times the Bayes factors, back to a probability, without overflow."""
    log_odds = math.log2(prior / (1.0 - prior)) + bits
    if log_odds > 60:
        return 1.0
    if log_odds < -60:
        return 0.0
    odds = math.pow(2.0, log_odds)
    return odds / (1.0 + odds)


def _cap_household(evidence: list[FieldEvidence]) -> list[FieldEvidence]:
    """Scale down address, postcode and phone agreement so a household cannot outvote a person."""
    positive = sum(e.weight for e in evidence if e.field in _HOUSEHOLD_FIELDS and e.weight > 0)
    if positive <= HOUSEHOLD_CAP_BITS:
        return evidence
    scale = HOUSEHOLD_CAP_BITS / positive
    return [
        FieldEvidence(e.field, e.level, e.weight * scale, e.description)
        if e.field in _HOUSEHOLD_FIELDS and e.weight > 0
        else e
        for e in evidence
    ]


# --------------------------------------------------------------------------- names


def _is_prefix_form(a: str, b: str) -> bool:
    """ "Kel"/"Kelly", "Dean"/"Deano": a clipped form the nickname list does not hold."""
    short, long = sorted((a, b), key=len)
    return len(short) >= 3 and short != long and long.startswith(short)


def _similar_spelling(a: str, b: str) -> str | None:
    """Typos, unless both are real, unrelated names: Jack and Jake are twins, not a typo."""
    if is_known_name(a) and is_known_name(b):
        return None
    if jellyfish.jaro_winkler_similarity(a, b) >= _FUZZY_NAME:
        return "fuzzy"
    keys = phonetic_key(a), phonetic_key(b)
    if min(len(a), len(b)) >= 4 and len(keys[0]) >= 2 and keys[0] == keys[1]:
        return "phonetic"
    return None


def _given_level(query: PersonName, register: PersonName) -> str:
    a, b = query.first_given, register.first_given
    if not a or not b:
        return "missing"
    if a == b:
        return "exact"
    if name_variants(a) & name_variants(b) or _is_prefix_form(a, b):
        return "nickname"
    if len(a) == 1 or len(b) == 1:
        return "initial" if a[0] == b[0] else "different"
    if set(query.given) & set(register.given):
        return "middle_name"
    return _similar_spelling(a, b) or "different"


def _family_level(query: PersonName, register: PersonName) -> str:
    a, b = query.family_key, register.family_key
    if not a or not b:
        return "missing"
    if a == b:
        return "exact"
    if set(query.family) & set(register.family):
        return "partial"
    if jellyfish.jaro_winkler_similarity(a, b) >= _FUZZY_NAME:
        return "fuzzy"
    key = phonetic_key(a)
    return "phonetic" if len(key) >= 2 and key == phonetic_key(b) else "different"


_AGREEING_GIVEN = {"exact", "nickname", "middle_name"}
_BY_FAMILY_LEVEL: dict[str, dict[str, str]] = {
    "exact": {
        "exact": "exact", "nickname": "nickname", "middle_name": "middle_name",
        "fuzzy": "fuzzy", "phonetic": "phonetic", "initial": "initial",
        "missing": "family_only", "different": "given_differs",
    },
    "partial": {
        "exact": "partial_family", "nickname": "partial_family", "middle_name": "partial_family",
        "fuzzy": "phonetic", "phonetic": "phonetic", "initial": "initial",
        "missing": "family_only", "different": "given_differs",
    },
    "fuzzy": {
        "exact": "fuzzy", "nickname": "fuzzy", "middle_name": "fuzzy", "fuzzy": "fuzzy",
        "phonetic": "phonetic", "initial": "initial",
        "missing": "family_only", "different": "given_differs",
    },
    "phonetic": {
        "exact": "phonetic", "nickname": "phonetic", "middle_name": "phonetic",
        "fuzzy": "phonetic", "phonetic": "phonetic", "initial": "initial",
        "missing": "family_only", "different": "given_differs",
    },
}  # fmt: skip


def _is_swapped(query: PersonName, register: PersonName) -> bool:
    a_given, a_family = query.first_given, query.family_key
    return bool(a_given and a_family) and (a_given, a_family) == (
        register.family_key,
        register.first_given,
    )


def name_level(query: PersonName, register: PersonName) -> str:
    """Grade a pair of names from "exact" down to "different"; "missing" when either is empty."""
    if not query.full or not register.full:
        return "missing"
    family = _family_level(query, register)
    given = _given_level(query, register)
    if family in _BY_FAMILY_LEVEL:
        return _BY_FAMILY_LEVEL[family][given]
    if _is_swapped(query, register):
        return "swapped"
    if family == "missing":
        return "given_only" if given in _AGREEING_GIVEN else "different"
    return "family_differs" if given in _AGREEING_GIVEN else "different"


def _shown(name: PersonName) -> str:
    return " ".join(token.capitalize() for token in name.full.split()) or "(no name)"


_NAME_WORDS = {
    "exact": "name agrees",
    "nickname": "first name is a known short or alternative form",
    "middle_name": "first name matches another given name",
    "swapped": "first and family names are swapped",
    "fuzzy": "name is spelt slightly differently",
    "partial_family": "family name matches part of a double-barrelled name",
    "phonetic": "name sounds the same but is spelt differently",
    "initial": "only the first initial can be compared and it agrees",
    "family_only": "family name agrees; no first name to compare",
    "given_only": "first name agrees; no family name to compare",
    "family_differs": "first name agrees but family name differs",
    "given_differs": "family name agrees but first name differs",
    "different": "name differs",
}


_Names = tuple[tuple[PersonName, str | None], ...]


def _name_evidence(query: PersonName, names: _Names) -> FieldEvidence:
    """Best agreement over the register name and every alias."""
    best: FieldEvidence | None = None
    for register_name, alias in names:
        level = name_level(query, register_name)
        where = f" (known alias {alias!r})" if alias else ""
        shown = f"{_shown(query)} vs {_shown(register_name)}{where}"
        words = f"{_NAME_WORDS.get(level, level)}: {shown}"
        candidate = _evidence("name", level, words)
        if best is None or candidate.weight > best.weight:
            best = candidate
    return best or _evidence("name", "missing", "no name on the register to compare")


# --------------------------------------------------------------------------- other fields


def _uk(d: date) -> str:
    return d.strftime("%d/%m/%Y")


_DOB_WORDS = {
    DateLevel.EXACT: "date of birth agrees",
    DateLevel.TRANSPOSED: "date of birth has day and month swapped",
    DateLevel.OFF_BY_ONE: "date of birth is one day, month, year or digit out",
    DateLevel.YEAR_ONLY: "only the year of birth agrees",
    DateLevel.DIFFERENT: "date of birth differs",
}


def _dob_evidence(raw: str, query: date | None, register: date | None) -> FieldEvidence:
    if query is None:
        return _evidence("dob", "missing", f"date of birth {raw!r} could not be read")
    if register is None:
        return _evidence("dob", "missing", "no date of birth on the register to compare")
    level = compare_dates(query, register)
    words = _DOB_WORDS[level]
    if level is not DateLevel.EXACT:
        words = f"{words} ({_uk(query)} vs {_uk(register)})"
    return _evidence("dob", level.value, words)


def _nhs_evidence(raw: str, query: NhsNumber | None, register: NhsNumber | None) -> FieldEvidence:
    if query is None:
        return _evidence("nhs", "missing", f"NHS number {raw!r} is not ten digits")
    if register is None:
        return _evidence("nhs", "missing", "no NHS number on the register to compare")
    both_valid = query.valid and register.valid
    if query.digits == register.digits:
        if both_valid:
            return _evidence("nhs", "exact", "NHS number agrees")
        return _evidence("nhs", "exact_unverified", "NHS number agrees but fails its check digit")
    level = "different" if both_valid else "different_unverified"
    return _evidence("nhs", level, f"NHS number differs ({query} vs {register})")


def _phone_evidence(raw: str, query: str | None, register: str | None) -> FieldEvidence:
    if query is None:
        return _evidence("phone", "missing", f"phone number {raw!r} is not a usable UK number")
    if register is None:
        return _evidence("phone", "missing", "no phone number on the register to compare")
    if query == register:
        return _evidence("phone", "exact", "phone number agrees")
    return _evidence("phone", "different", f"phone number differs ({query} vs {register})")


_SEXES = {
    "m": "m", "male": "m", "man": "m", "boy": "m",
    "f": "f", "female": "f", "woman": "f", "girl": "f",
}  # fmt: skip


def standard_sex(text: str | None) -> str | None:
    """ "m" or "f" when the text says so plainly; anything else is not compared."""
    return _SEXES.get(text.strip().lower()) if text else None


def _sex_evidence(raw: str, query: str | None, register: str | None) -> FieldEvidence:
    if query is None:
        return _evidence("sex", "missing", f"sex {raw!r} is not recorded as male or female")
    if register is None:
        return _evidence("sex", "missing", "no sex on the register to compare")
    if query == register:
        return _evidence("sex", "agree", "sex agrees")
    return _evidence("sex", "differ", "sex differs")


# --------------------------------------------------------------------------- addresses


def _street_type(street: str) -> str | None:
    name, _, last = street.rpartition(" ")
    return last if name and last in STREET_TYPES else None


def _same_street_name(a: StandardAddress, b: StandardAddress) -> bool:
    """One street, spelt alike or with a slip; never two streets of one name and two types
    ("Sandringham Court" and "Sandringham Road" are neighbours, not a typing error)."""
    if not a.street or not b.street:
        return False
    if a.street == b.street:
        return True
    types = _street_type(a.street), _street_type(b.street)
    if None not in types and types[0] != types[1]:
        return False
    if types.count(None) == 1:  # one type word not a known one: a slip of the other's?
        known = types[0] or types[1] or ""
        last = (b.street if types[0] else a.street).rpartition(" ")[2]
        slip = jellyfish.damerau_levenshtein_distance
        if slip(last, known) > 2 and any(slip(last, other) <= 1 for other in STREET_TYPES):
            return False  # "Woodland Rod" is a Road, so not "Woodland Grove"
    return bool(jellyfish.jaro_winkler_similarity(a.street, b.street) >= _FUZZY_STREET)


def _place_relation(a: StandardAddress, b: StandardAddress) -> str:
    """ "postcode", "town", "contradicts" or "unknown": is the street in the same place?"""
    if a.postcode and b.postcode:
        if a.postcode.unit == b.postcode.unit:
            return "postcode"
        if a.postcode.district != b.postcode.district:
            return "contradicts"
    if a.place_keys and b.place_keys:
        return "town" if a.place_keys & b.place_keys else "contradicts"
    if a.postcode and b.postcode:
        return "town"  # same district, different unit: the street may run across units
    return "unknown"


def _door(address: StandardAddress) -> str:
    flat = f"flat {address.flat}, " if address.flat else ""
    return f"{flat}{address.number}" if address.number else "no number"


def _door_level(a: StandardAddress, b: StandardAddress) -> str:
    """ "agree", "differs" or "missing" for the house number, then flat, on the same street."""
    if not a.number or not b.number:
        return "missing"
    if a.number != b.number:
        return "differs"
    if a.flat and b.flat and a.flat != b.flat:
        return "differs"
    return "agree"


def _address_evidence(query: StandardAddress, register: StandardAddress) -> FieldEvidence:
    if not query.street or not register.street:
        return _evidence("address", "missing", "no street to compare")
    same_place = _place_relation(query, register) != "contradicts"
    if not (_same_street_name(query, register) and same_place):
        words = f"address differs ({query.street} vs {register.street})"
        return _evidence("address", "different", words)
    door = _door_level(query, register)
    if door == "agree":
        return _evidence("address", "exact", f"house number and street agree ({register.street})")
    if door == "differs":
        words = f"same street but house number differs ({_door(query)} vs {_door(register)})"
        return _evidence("address", "number_differs", words)
    words = f"street agrees ({register.street}); no house number to compare"
    return _evidence("address", "street", words)


def _postcode_evidence(query: StandardAddress, register: StandardAddress) -> FieldEvidence:
    a, b = query.postcode, register.postcode
    if a is None or b is None:
        return _evidence("postcode", "missing", "no postcode to compare")
    if a.unit == b.unit:
        return _evidence("postcode", "unit", f"postcode agrees ({a})")
    if a.sector == b.sector:
        return _evidence("postcode", "sector", f"postcode sector agrees ({a} vs {b})")
    if a.district == b.district:
        return _evidence("postcode", "district", f"only the postcode district agrees ({a} vs {b})")
    return _evidence("postcode", "different", f"postcode differs ({a} vs {b})")


def _best_address_evidence(
    query: StandardAddress, registered: tuple[StandardAddress, ...]
) -> tuple[FieldEvidence, FieldEvidence]:
    """Compare with every address the person has had and keep the best-supported one."""
    if not registered:
        missing = "no address on the register to compare"
        return _evidence("address", "missing", missing), _evidence("postcode", "missing", missing)
    pairs = [(_address_evidence(query, r), _postcode_evidence(query, r)) for r in registered]
    return max(pairs, key=lambda pair: pair[0].weight + pair[1].weight)


def _street_level(query: StandardAddress, register: StandardAddress) -> str:
    relation = _place_relation(query, register)
    if _same_street_name(query, register) and relation != "contradicts":
        return {"postcode": "street_postcode", "town": "street_town"}.get(relation, "street_only")
    return "postcode_only" if relation == "postcode" else "different"


def _number_level(query: StandardAddress, register: StandardAddress) -> str:
    if not query.number or not register.number:
        return "missing"
    return "agree" if query.number == register.number else "differs"


def _flat_level(query: StandardAddress, register: StandardAddress) -> str:
    if not query.flat or not register.flat:
        return "missing"
    return "agree" if query.flat == register.flat else "differs"


_HOUSEHOLD_LEVELS = (("street", _street_level), ("number", _number_level), ("flat", _flat_level))
HOUSEHOLD_LEVEL_OF = dict(_HOUSEHOLD_LEVELS)
"""Each household comparison's level for a described address and a register household: the
functions the share path scores with and Splink trains with (`linkage.household_model`)."""

HouseholdMU = Mapping[str, Mapping[str, tuple[float, float]]]
HouseholdWeights = Mapping[tuple[str, str], float]


def household_weights(m_u: HouseholdMU) -> dict[tuple[str, str], float]:
    """Bits per (comparison, level); a level the table does not hold (a flat given on at most
    one side) weighs nothing."""
    return {
        (field_name, level): _weight(m_u, field_name, level)
        for field_name, levels in m_u.items()
        for level in (*levels, "missing")
    }


_HOUSEHOLD_WEIGHTS = household_weights(HOUSEHOLD_M_U)


def _household_words(field_name: str, level: str, q: StandardAddress, r: StandardAddress) -> str:
    match field_name, level:
        case "street", "street_postcode":
            return "street and postcode agree"
        case "street", "street_town":
            return "street and town agree"
        case "street", "street_only":
            return "street agrees; no town or postcode to confirm it"
        case "street", "postcode_only":
            return "postcode agrees but street differs"
        case "street", _:
            return (
                f"street or town differs ({q.street or 'no street'} vs {r.street or 'no street'})"
            )
        case "number", "missing":
            return "no house number, so the door is unknown"
        case "number", "differs":
            return f"house number differs ({q.number} vs {r.number})"
        case "number", _:
            return f"house number agrees ({r.number})"
        case _, "missing":
            return "flat given on at most one side"
        case _, "differs":
            return f"flat differs ({q.flat} vs {r.flat})"
    return f"flat agrees ({r.flat})"


def _household_levels(query: StandardAddress, household: StandardAddress) -> tuple[str, ...]:
    return tuple(level_of(query, household) for _, level_of in _HOUSEHOLD_LEVELS)


def _worded(
    query: StandardAddress,
    address_id: str,
    household: StandardAddress,
    levels: tuple[str, ...],
    weights: HouseholdWeights,
) -> AddressMatch:
    evidence = tuple(
        FieldEvidence(name, level, weights[name, level],
                      _household_words(name, level, query, household))
        for (name, _), level in zip(_HOUSEHOLD_LEVELS, levels, strict=True)
    )  # fmt: skip
    bits = sum(e.weight for e in evidence)
    return AddressMatch(address_id, _probability(ADDRESS_PRIOR, bits), evidence)


def household_match(
    query: StandardAddress,
    address_id: str,
    household: StandardAddress,
    weights: HouseholdWeights = _HOUSEHOLD_WEIGHTS,
) -> AddressMatch:
    """How likely a described address is this household, and why."""
    return _worded(query, address_id, household, _household_levels(query, household), weights)


# --------------------------------------------------------------------------- blocking

_Key = tuple[str, str]


@dataclass(slots=True)
class _BlockingIndex:
    """Keys to ids and back, so replacing a record removes exactly its old keys. Buckets are
    lists and a record's keys a tuple of interned strings: a national register files a few
    hundred thousand households, most keys holding one or two."""

    by_key: dict[_Key, list[str]] = field(default_factory=dict)
    by_id: dict[str, tuple[_Key, ...]] = field(default_factory=dict)

    def put(self, record_id: str, keys: Iterable[_Key]) -> None:
        self.remove(record_id)
        filed = tuple((kind, sys.intern(value)) for kind, value in keys)
        self.by_id[record_id] = filed
        for key in filed:
            self.by_key.setdefault(key, []).append(record_id)

    def remove(self, record_id: str) -> None:
        for key in self.by_id.pop(record_id, ()):
            ids = self.by_key[key]
            ids.remove(record_id)
            if not ids:
                del self.by_key[key]

    def candidates(self, keys: Iterable[_Key]) -> set[str]:
        found: set[str] = set()
        for key in keys:
            found.update(self.by_key.get(key, ()))
        return found


def _name_keys(name: PersonName, dob: date | None) -> set[_Key]:
    keys: set[_Key] = set()
    given, family = phonetic_key(name.first_given), phonetic_key(name.family_key)
    for token in {name.family_key, *name.family}:
        if key := phonetic_key(token):
            keys.add(("family", key))
    if given and dob:
        keys.add(("given_year", f"{given}|{dob.year}"))
    if given and family:
        keys.add(("pair", "|".join(sorted((given, family)))))
    return keys


def _address_keys(address: StandardAddress) -> set[_Key]:
    keys: set[_Key] = set()
    if address.postcode:
        keys.add(("postcode", address.postcode.unit))
    if address.street and address.number:
        keys.add(("door", f"{address.number}|{address.street}"))
    return keys


def _shared(address: StandardAddress) -> StandardAddress:
    """The same address with its street and places interned: thousands of households share
    them, and a national register holds a few hundred thousand."""
    return replace(
        address,
        street=sys.intern(address.street) if address.street else None,
        places=tuple(sys.intern(place) for place in address.places),
    )


def _household_keys(address: StandardAddress) -> set[_Key]:
    """A household is filed, and a description looked up, under its postcode, its door, its
    street within each of its places (towns, and its postcode district), and its house number
    with the street's first two letters within each place. A street name alone, with no door
    and no place, is no key: it cannot reach the review threshold, and at a national scale
    "High Street" is thousands of doors. What a description can reach with its street spelt
    as the register has it, or with a house number in a place, it finds
    (`tests/unit/test_matcher.py` holds this against scoring every household). A mistyped
    street with no house number, or with no place, can reach only a review, never a link
    ("street and town agree" with no number, or "street agrees" with no place to confirm
    it), and is not looked for."""
    keys = _address_keys(address)
    if address.street:
        places = set(address.place_keys)
        if address.postcode:
            places.add(address.postcode.district)
        for place in places:
            keys.add(("street", f"{address.street}|{place}"))
            if address.number:  # a mistyped street still finds the door in its place
                keys.add(("door in place", f"{address.number}|{address.street[:2]}|{place}"))
    return keys


# --------------------------------------------------------------------------- prepared records


@dataclass(frozen=True, slots=True)
class _Person:
    id: str
    names: tuple[tuple[PersonName, str | None], ...]
    dob: date | None
    nhs: NhsNumber | None
    phone: str | None
    sex: str | None
    addresses: tuple[StandardAddress, ...]

    def keys(self) -> frozenset[_Key]:
        keys: set[_Key] = set()
        for name, _alias in self.names:
            keys |= _name_keys(name, self.dob)
        for address in self.addresses:
            keys |= _address_keys(address)
        if self.nhs:
            keys.add(("nhs", self.nhs.digits))
        if self.dob:
            keys.add(("dob", self.dob.isoformat()))
        if self.phone:
            keys.add(("phone", self.phone))
        return frozenset(keys)


def _prepare_person(person: RegisterPerson) -> _Person:
    main = standard_name(person.given, person.family)
    aliases = tuple((standard_name(None, None, alias), alias) for alias in person.aliases)
    return _Person(
        id=person.id,
        names=((main, None), *aliases),
        dob=person.dob,
        nhs=standard_nhs(person.nhs),
        phone=standard_phone(person.phone),
        sex=standard_sex(person.sex),
        addresses=tuple(standard_address(text) for text in person.addresses),
    )


@dataclass(frozen=True, slots=True)
class _Query:
    raw: Identity
    name: PersonName
    dob: date | None
    nhs: NhsNumber | None
    phone: str | None
    sex: str | None
    address: StandardAddress | None

    def keys(self) -> frozenset[_Key]:
        keys = _name_keys(self.name, self.dob)
        if self.address:
            keys |= _address_keys(self.address)
        if self.nhs:
            keys.add(("nhs", self.nhs.digits))
        if self.dob:
            keys.add(("dob", self.dob.isoformat()))
            if swapped := transposed(self.dob):
                keys.add(("dob", swapped.isoformat()))
        if self.phone:
            keys.add(("phone", self.phone))
        return frozenset(keys)


def _prepare_query(identity: Identity, today: date) -> _Query:
    return _Query(
        raw=identity,
        name=standard_name(identity.given, identity.family, identity.name),
        dob=parse_date(identity.dob, today=today),
        nhs=standard_nhs(identity.nhs),
        phone=standard_phone(identity.phone),
        sex=standard_sex(identity.sex),
        address=standard_address(identity.address) if identity.address else None,
    )


def _has_name(identity: Identity) -> bool:
    return any(text and text.strip() for text in (identity.given, identity.family, identity.name))


def _person_evidence(query: _Query, person: _Person) -> list[FieldEvidence]:
    """Evidence for every field the agency sent: absent on the register still says so."""
    raw = query.raw
    evidence: list[FieldEvidence] = []
    if _has_name(raw):
        evidence.append(_name_evidence(query.name, person.names))
    if raw.dob:
        evidence.append(_dob_evidence(raw.dob, query.dob, person.dob))
    if raw.nhs:
        evidence.append(_nhs_evidence(raw.nhs, query.nhs, person.nhs))
    if query.address is not None:
        evidence.extend(_best_address_evidence(query.address, person.addresses))
    if raw.phone:
        evidence.append(_phone_evidence(raw.phone, query.phone, person.phone))
    if raw.sex:
        evidence.append(_sex_evidence(raw.sex, query.sex, person.sex))
    return _cap_household(evidence)


# --------------------------------------------------------------------------- the matcher


class ScoringMatcher:
    """Fellegi-Sunter matching over an in-memory blocking index.

    Only records sharing a blocking key with the query are scored (NHS number, date of birth
    or its day/month swap, sound of the family name, sound of the first name with year of
    birth, the name pair in either order, postcode, house number with street, phone), so the
    cost follows the number of candidates rather than the size of the register.
    """

    def __init__(
        self,
        people: Iterable[RegisterPerson] = (),
        addresses: Iterable[RegisterAddress] = (),
        *,
        prior: float = DEFAULT_PRIOR,
        today: date,
        households: HouseholdMU = HOUSEHOLD_M_U,
    ) -> None:
        if not 0.0 < prior < 1.0:
            raise ValueError(f"prior must be strictly between 0 and 1, not {prior}")
        self._prior = prior
        self._today = today
        self._household_weights = household_weights(households)
        self._people: dict[str, _Person] = {}
        self._person_index = _BlockingIndex()
        self._households: dict[str, StandardAddress] = {}
        self._household_index = _BlockingIndex()
        for person in people:
            self.add_person(person)
        for address in addresses:
            self.add_address(address)

    def add_person(self, person: RegisterPerson) -> None:
        prepared = _prepare_person(person)
        self._people[person.id] = prepared
        self._person_index.put(person.id, prepared.keys())

    def add_address(self, address: RegisterAddress) -> None:
        standard = _shared(standard_address(address.text))
        self._households[address.id] = standard
        self._household_index.put(address.id, _household_keys(standard))

    def candidate_ids(self, identity: Identity) -> set[str]:
        """The register ids that would be scored for this record (exposed for tests and tuning)."""
        return self._person_index.candidates(_prepare_query(identity, self._today).keys())

    def match_person(self, identity: Identity) -> list[PotentialMatch]:
        query = _prepare_query(identity, self._today)
        matches = []
        for person_id in self._person_index.candidates(query.keys()):
            evidence = _person_evidence(query, self._people[person_id])
            probability = _probability(self._prior, sum(e.weight for e in evidence))
            if probability >= REVIEW_THRESHOLD:
                matches.append(PotentialMatch(person_id, probability, tuple(evidence)))
        return sorted(matches, key=lambda m: (-m.probability, m.person_id))

    def match_address(self, text: str) -> list[AddressMatch]:
        query = standard_address(text)
        matches = []
        weights = self._household_weights
        for address_id in self._household_index.candidates(_household_keys(query)):
            household = self._households[address_id]
            levels = _household_levels(query, household)  # in bits first, words if offered
            named = zip(_HOUSEHOLD_LEVELS, levels, strict=True)
            bits = sum(weights[name, level] for (name, _), level in named)
            if _probability(ADDRESS_PRIOR, bits) >= REVIEW_THRESHOLD:
                matches.append(_worded(query, address_id, household, levels, weights))
        return sorted(matches, key=lambda m: (-m.probability, m.address_id))
