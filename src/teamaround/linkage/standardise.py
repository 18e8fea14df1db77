"""Turn the raw text agencies send into comparable values, so like is compared with like."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache

import jellyfish
import phonenumbers
from nhs_number.validate import is_valid as _nhs_checksum_ok
from nicknames import NickNamer

# --------------------------------------------------------------------------- text


# Compiled once: standardising a national register calls these millions of times (re's
# cache lookup per call: 100,000 people's index rows 4.44 -> 4.27 s).
_NOT_LETTERS = re.compile(r"[^a-z]+")
_NOT_NAME_LETTERS = re.compile(r"[^a-z-]+")
_NOT_DIGITS = re.compile(r"[^0-9]+")
_NOT_ADDRESS_CHARS = re.compile(r"[^a-z0-9/,]+")
_NHS_SPACING = re.compile(r"[\s-]")
_TEN_DIGITS = re.compile(r"[0-9]{10}")
_LETTERS = re.compile(r"[A-Z]+")
_SPACES = re.compile(r"\s+")
_APOSTROPHES = str.maketrans("", "", "'`\u2019")


def plain_text(text: str) -> str:
    """Lower-case ASCII with apostrophes removed, so "O'Néil" and "ONEIL" compare equal."""
    if not text.isascii():  # ASCII has nothing to decompose: most text skips this
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        text = text.encode("ascii", "ignore").decode("ascii")
    return text.lower().translate(_APOSTROPHES)


# --------------------------------------------------------------------------- names

_TITLES = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "master", "prof", "sir", "dame", "rev", "lady", "lord"}
)
_SUFFIXES = frozenset({"jr", "jnr", "sr", "snr", "ii", "iii", "iv"})


@dataclass(frozen=True, slots=True)
class PersonName:
    """A name split into given and family tokens; `full` is the whole name for fuzzy comparison."""

    given: tuple[str, ...]
    family: tuple[str, ...]
    full: str

    @property
    def first_given(self) -> str:
        """The first given token, or "" when there is none: most agencies record this one."""
        return self.given[0] if self.given else ""

    @property
    def family_key(self) -> str:
        """Family tokens joined, so "Smith-Jones" and "Smith Jones" share one key."""
        return "".join(self.family)


def _name_tokens(text: str | None) -> list[str]:
    if not text:
        return []
    cleaned = _NOT_LETTERS.sub(" ", plain_text(text))
    return cleaned.split()


def _drop_titles(tokens: list[str]) -> list[str]:
    while tokens and tokens[0] in _TITLES:
        tokens = tokens[1:]
    return tokens


def _drop_suffixes(tokens: list[str]) -> list[str]:
    while tokens and tokens[-1] in _SUFFIXES:
        tokens = tokens[:-1]
    return tokens


def _whole_name_words(name: str) -> list[str]:
    """Words of a whole name with hyphens kept, so "Smith-Jones" stays one family name."""
    words = _NOT_NAME_LETTERS.sub(" ", plain_text(name)).split()
    return [word for word in (w.strip("-") for w in words) if word]


def _split_whole_name(name: str | None) -> tuple[list[str], list[str]]:
    """Read "SURNAME, Given" when there is a comma, else take the last word as the family name."""
    if not name:
        return [], []
    if "," in name:
        family_text, _, given_text = name.partition(",")
        given = _drop_suffixes(_drop_titles(_name_tokens(given_text)))
        return given, _drop_suffixes(_drop_titles(_name_tokens(family_text)))
    words = _drop_suffixes(_drop_titles(_whole_name_words(name)))
    if not words:
        return [], []
    given = [token for word in words[:-1] for token in _name_tokens(word)]
    return given, _name_tokens(words[-1])


def standard_name(given: str | None, family: str | None, name: str | None = None) -> PersonName:
    """Prefer the agency's separate fields; fall back to the whole name for whatever is missing."""
    whole_given, whole_family = _split_whole_name(name)
    given_tokens = _drop_suffixes(_drop_titles(_name_tokens(given))) or whole_given
    family_tokens = _drop_suffixes(_name_tokens(family)) or whole_family
    return PersonName(
        given=tuple(given_tokens),
        family=tuple(family_tokens),
        full=" ".join([*given_tokens, *family_tokens]),
    )


@lru_cache(maxsize=1)
def _nick_namer() -> NickNamer:
    return NickNamer()


@lru_cache(maxsize=4096)
def name_variants(given: str) -> frozenset[str]:
    """Every form the name is known by, so "Bob" and "Robert" can meet on a shared form."""
    tokens = _name_tokens(given)
    if not tokens:
        return frozenset()
    token = tokens[0]
    namer = _nick_namer()
    return frozenset({token} | namer.canonicals_of(token) | namer.nicknames_of(token))


@lru_cache(maxsize=1)
def _known_names() -> frozenset[str]:
    namer = _nick_namer()
    return frozenset(namer.nickname_lookup) | frozenset(namer.canonical_lookup)


def is_known_name(token: str) -> bool:
    """Two first names the nickname list both knows are different names, not a typo."""
    return plain_text(token).strip() in _known_names()


def phonetic_key(token: str) -> str:
    """A sound-alike key (metaphone), so "Ashbey" and "Ashby" land in the same block."""
    letters = _NOT_LETTERS.sub("", plain_text(token))
    return jellyfish.metaphone(letters) if letters else ""


# --------------------------------------------------------------------------- dates

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip

_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[t ].*)?")
_DAY_FIRST = re.compile(r"(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4}|\d{2})")
_SEP = r"[\s,./-]"
_DAY_MONTH_NAME = re.compile(
    rf"(\d{{1,2}})(?:st|nd|rd|th)?{_SEP}*([a-z]{{3,9}}){_SEP}*(\d{{4}}|\d{{2}})"
)
_MONTH_NAME_DAY = re.compile(
    rf"([a-z]{{3,9}}){_SEP}*(\d{{1,2}})(?:st|nd|rd|th)?{_SEP}+(\d{{4}}|\d{{2}})"
)
_COMPACT = re.compile(r"(\d{8})")


class DateLevel(StrEnum):
    """How closely two dates of birth agree, from the agreements a typo can explain."""

    EXACT = "exact"
    TRANSPOSED = "transposed"
    OFF_BY_ONE = "off_by_one"
    YEAR_ONLY = "year_only"
    DIFFERENT = "different"
    MISSING = "missing"


def _full_year(text: str, today: date | None) -> int | None:
    """Two-digit years need today's date to pick a century; without it we refuse to guess."""
    year = int(text)
    if len(text) == 4:
        return year
    if today is None:
        return None
    return 2000 + year if year <= today.year % 100 else 1900 + year


def _month_number(text: str) -> int | None:
    return _MONTHS.get(text[:3]) if text[:3] in _MONTHS else None


def _safe_date(year: int | None, month: int | None, day: int) -> date | None:
    if year is None or month is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _parse_compact(digits: str) -> date | None:
    """Eight digits: ISO order when it starts like a year, otherwise UK day-first."""
    if digits[:2] in {"19", "20"}:
        found = _safe_date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        if found:
            return found
    return _safe_date(int(digits[4:]), int(digits[2:4]), int(digits[:2]))


def parse_date(text: str | None, *, today: date | None = None) -> date | None:
    """Read a date as UK agencies write it (day first); unreadable text is absent, not an error."""
    if not text:
        return None
    cleaned = plain_text(text).strip()
    if match := _ISO.fullmatch(cleaned):
        return _safe_date(int(match[1]), int(match[2]), int(match[3]))
    if match := _DAY_FIRST.fullmatch(cleaned):
        return _safe_date(_full_year(match[3], today), int(match[2]), int(match[1]))
    if match := _DAY_MONTH_NAME.fullmatch(cleaned):
        return _safe_date(_full_year(match[3], today), _month_number(match[2]), int(match[1]))
    if match := _MONTH_NAME_DAY.fullmatch(cleaned):
        return _safe_date(_full_year(match[3], today), _month_number(match[1]), int(match[2]))
    if match := _COMPACT.fullmatch(cleaned):
        return _parse_compact(match[1])
    return None


def _one_slip(a: int, b: int, width: int) -> bool:
    """A neighbouring value or a single mistyped digit: the slips keyboards actually make."""
    if abs(a - b) == 1:
        return True
    left, right = f"{a:0{width}d}", f"{b:0{width}d}"
    return sum(x != y for x, y in zip(left, right, strict=True)) == 1


def compare_dates(a: date | None, b: date | None) -> DateLevel:
    """Grade disagreement, because a mistyped date of birth is common and a different one is not."""
    if a is None or b is None:
        return DateLevel.MISSING
    if a == b:
        return DateLevel.EXACT
    if (a.day, a.month, a.year) == (b.month, b.day, b.year):
        return DateLevel.TRANSPOSED
    parts = [(a.day, b.day, 2), (a.month, b.month, 2), (a.year, b.year, 4)]
    differing = [(x, y, w) for x, y, w in parts if x != y]
    if len(differing) == 1 and _one_slip(*differing[0]):
        return DateLevel.OFF_BY_ONE
    if a.year == b.year:
        return DateLevel.YEAR_ONLY
    return DateLevel.DIFFERENT


def transposed(d: date) -> date | None:
    """The date with day and month swapped, if that is a real date, for blocking on the slip."""
    return _safe_date(d.year, d.day, d.month) if d.day != d.month else None


# --------------------------------------------------------------------------- NHS numbers


@dataclass(frozen=True, slots=True)
class NhsNumber:
    """Ten digits and whether the check digit holds: a bad check digit is evidence, not an error."""

    digits: str
    valid: bool

    def __str__(self) -> str:
        return f"{self.digits[:3]} {self.digits[3:6]} {self.digits[6:]}"


def standard_nhs(text: str | None) -> NhsNumber | None:
    """Strip the spacing agencies use; anything that is not ten digits is not an NHS number."""
    if not text:
        return None
    digits = _NHS_SPACING.sub("", text)
    if not _TEN_DIGITS.fullmatch(digits):
        return None
    return NhsNumber(digits=digits, valid=bool(_nhs_checksum_ok(digits)))


# --------------------------------------------------------------------------- postcodes

_POSTCODE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})")
_POSTCODE_IN_TEXT = re.compile(
    r"(?<![A-Z0-9])([A-Z]{1,2}[0-9][A-Z0-9]?)[ \t]*([0-9][A-Z]{2})(?![A-Z0-9])", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Postcode:
    """A UK postcode split at the levels that narrow a location: area, district, sector, unit."""

    outward: str
    inward: str

    @property
    def area(self) -> str:
        return _LETTERS.match(self.outward)[0]  # type: ignore[index]  # outward starts with letters

    @property
    def district(self) -> str:
        return self.outward

    @property
    def sector(self) -> str:
        return f"{self.outward} {self.inward[0]}"

    @property
    def unit(self) -> str:
        return f"{self.outward} {self.inward}"

    def __str__(self) -> str:
        return self.unit


def standard_postcode(text: str | None) -> Postcode | None:
    """Accept any case and spacing, because agencies type postcodes every way there is."""
    if not text:
        return None
    compact = _SPACES.sub("", text).upper()
    match = _POSTCODE.fullmatch(compact)
    return Postcode(outward=match[1], inward=match[2]) if match else None


_OUTWARD = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?")
_CODE_TOKEN = re.compile(r"(?=[A-Z]*[0-9])[A-Z0-9]{2,10}")


@dataclass(frozen=True, slots=True)
class PostalCode:
    """What an address's postcode lets us compare: a whole UK postcode at every level; a UK
    outward code alone (district only, since two people in one district are not neighbours);
    or any other postcode (another country's, or a UK one mistyped) as a plain token, compared
    whole, because only equality means anything for a shape we cannot split."""

    unit: str | None = None
    sector: str | None = None
    district: str | None = None

    @classmethod
    def of(cls, postcode: Postcode) -> PostalCode:
        return cls(postcode.unit, postcode.sector, postcode.district)


def postal_code(text: str | None) -> PostalCode | None:
    """Any postcode field: UK shapes split, anything else with a digit kept as an upper-case
    token without spaces ("4223", "K1A0B1"); None when it cannot be a code at all."""
    if not text:
        return None
    uk = standard_postcode(text)
    if uk is not None:
        return PostalCode.of(uk)
    compact = _SPACES.sub("", text).upper()
    if _OUTWARD.fullmatch(compact):
        return PostalCode(district=compact)
    if _CODE_TOKEN.fullmatch(compact) and len(compact) >= 3:
        return PostalCode(unit=compact)
    return None


def _postcode_span(text: str) -> tuple[Postcode, tuple[int, int]] | None:
    matches = list(_POSTCODE_IN_TEXT.finditer(text))
    if not matches:
        return None
    last = matches[-1]  # the postcode ends a UK address; earlier hits are more likely noise
    return Postcode(outward=last[1].upper(), inward=last[2].upper()), last.span()


def address_with_postcode(address: str | None, postcode: str | None) -> str | None:
    """One free-text address as the share path reads it: a postcode kept in its own field
    joins the address, unless the address already holds it (any case, any spacing)."""
    squashed = (address or "").replace(" ", "").upper()
    if postcode and postcode.replace(" ", "").upper() not in squashed:
        return ", ".join(x for x in (address, postcode) if x)
    return address


def find_postcode(address_text: str | None) -> Postcode | None:
    """Pull the postcode out of a free-text address, including one typed with no space."""
    if not address_text:
        return None
    found = _postcode_span(address_text)
    return found[0] if found else None


# --------------------------------------------------------------------------- phones


_PLAINLY_DIALLED = re.compile(r"\s*(\+?)[0-9 ().-]+")


def plainly_dialled_gb(text: str) -> str | None:
    """E.164 of a full-length GB number written plainly: "0" and ten digits, or "+44" and ten
    (spaces, dots, dashes, brackets between), which `standard_phone` would give too (the
    property tests hold them equal) in ~1 us instead of `phonenumbers`' ~100 us. None for
    anything else, which `phonenumbers` reads."""
    written = _PLAINLY_DIALLED.fullmatch(text)
    if written is None:
        return None
    digits = _NOT_DIGITS.sub("", text)
    if written[1]:
        whole = len(digits) == 12 and digits.startswith("44") and digits[2] != "0"
        return "+" + digits if whole else None
    if len(digits) == 11 and digits[0] == "0" and digits[1] != "0":
        return "+44" + digits[1:]
    return None


def standard_phone(text: str | None) -> str | None:
    """E.164 so one phone compares equal however it was typed.

    A full-length GB number is kept even if `phonenumbers` thinks it unallocated (e.g. the
    Ofcom drama range), since allocation tables go stale and the digits are still evidence.
    """
    if not text or len(text) > 64:
        return None
    plain = plainly_dialled_gb(text)
    if plain is not None:
        return plain
    return _parsed_phone(text)


def _parsed_phone(text: str) -> str | None:
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        return None
    full_length_gb = number.country_code == 44 and len(str(number.national_number)) == 10
    if phonenumbers.is_valid_number(number) or (
        full_length_gb and phonenumbers.is_possible_number(number)
    ):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


# --------------------------------------------------------------------------- addresses

_ABBREVIATIONS = {
    "ave": "avenue", "av": "avenue", "rd": "road", "st": "street", "cl": "close",
    "cres": "crescent", "cresc": "crescent", "dr": "drive", "ln": "lane",
    "gdns": "gardens", "pl": "place", "sq": "square", "ter": "terrace", "terr": "terrace",
    "ct": "court", "gr": "grove", "grv": "grove", "pk": "park", "hse": "house",
}  # fmt: skip

STREET_TYPES = frozenset(
    {
        "avenue", "road", "street", "close", "crescent", "drive", "lane", "gardens", "place",
        "square", "terrace", "court", "grove", "park", "way", "walk", "view", "row", "hill",
        "green", "mews", "parade", "rise", "vale", "boulevard", "wharf", "yard", "chase",
        "croft", "approach", "quay", "circus", "wynd", "gate", "bank", "meadows", "fields",
    }
)  # fmt: skip
_FLAT_WORDS = frozenset({"flat", "apartment", "apt", "unit", "flt", "room"})
_HOUSE_NUMBER = re.compile(r"[0-9]+[a-z]?")
_FLAT_AND_NUMBER = re.compile(r"([0-9]+[a-z]?|[a-z])/([0-9]+[a-z]?)")


@dataclass(frozen=True, slots=True)
class StandardAddress:
    """The parts of a UK address a household match turns on: the door, the street, the place."""

    flat: str | None = None
    number: str | None = None
    building: str | None = None
    street: str | None = None
    places: tuple[str, ...] = ()
    postcode: Postcode | None = None
    other_postcode: PostalCode | None = None
    """With no UK postcode: a code ending the address in another shape ("..., nsw 4223")."""

    @property
    def town(self) -> str | None:
        """The first place after the street: usually the town, sometimes a district of it."""
        return self.places[0] if self.places else None

    @property
    def place_keys(self) -> frozenset[str]:
        """First word of each place, so "Stockton-on-Tees" and "Stockton" agree."""
        return _place_keys(self.places)


@lru_cache(maxsize=65_536)
def _place_keys(places: tuple[str, ...]) -> frozenset[str]:
    """A few thousand towns and districts: computed once each, not per household compared."""
    return frozenset(place.split()[0] for place in places if place)


def _expand(token: str) -> str:
    return _ABBREVIATIONS.get(token, token)


def _is_street_type(token: str) -> bool:
    return _expand(token) in STREET_TYPES


def _address_segments(text: str) -> list[list[str]]:
    cleaned = _NOT_ADDRESS_CHARS.sub(" ", plain_text(text))
    segments = [segment.split() for segment in cleaned.split(",")]
    return [segment for segment in segments if segment]


def _take_flat(segment: list[str]) -> tuple[str | None, str | None, list[str]]:
    """Remove "Flat 3" or "3/27" from a segment, returning (flat, number, what is left)."""
    for index, token in enumerate(segment):
        if token in _FLAT_WORDS and index + 1 < len(segment):
            return segment[index + 1], None, segment[:index] + segment[index + 2 :]
        if match := _FLAT_AND_NUMBER.fullmatch(token):
            return match[1], match[2], [*segment[:index], match[2], *segment[index + 1 :]]
    return None, None, segment


def _extends_street(word: str) -> bool:
    """ "Park View Road": a street-type word straight after another still belongs to the street."""
    return word not in {"st"} and _is_street_type(word)


def _street_type_at(segment: list[str]) -> int | None:
    """Index of the word ending the street name; "st" only counts when nothing better follows."""
    candidates = [
        index
        for index, token in enumerate(segment)
        if _is_street_type(token) and index > 0 and not _HOUSE_NUMBER.fullmatch(segment[index - 1])
    ]
    for index in candidates:
        later = [i for i in candidates if i > index and segment[i] != "st"]
        if segment[index] == "st" and later:
            continue
        end = index
        while end + 1 < len(segment) and _extends_street(segment[end + 1]):
            end += 1
        return end
    return None


def _street_words(tokens: list[str]) -> str:
    """Expand abbreviations; "st" is Saint unless it ends the street name."""
    last = len(tokens) - 1
    words = ["saint" if tok == "st" and i < last else _expand(tok) for i, tok in enumerate(tokens)]
    return " ".join(words)


@dataclass(slots=True)
class _Parse:
    flat: str | None = None
    number: str | None = None
    building: list[str] | None = None
    street: str | None = None
    places: list[str] | None = None


def _split_street_segment(segment: list[str], end: int, parse: _Parse) -> None:
    """Within the street's segment: [building words] [number] street words [place words]."""
    start = end
    while start > 0 and not _HOUSE_NUMBER.fullmatch(segment[start - 1]):
        start -= 1
    if start > 0:
        parse.number = parse.number or segment[start - 1]
        parse.building = (parse.building or []) + segment[: start - 1]
    parse.street = _street_words(segment[start : end + 1])
    rest = segment[end + 1 :]
    parse.places = ([" ".join(rest)] if rest else []) + (parse.places or [])


def _locate_street(segments: list[list[str]]) -> tuple[int, int] | None:
    for seg_index, segment in enumerate(segments):
        end = _street_type_at(segment)
        if end is not None:
            return seg_index, end
    return None


def _fallback_street(segments: list[list[str]], parse: _Parse) -> None:
    """No street-type word (or a mistyped one): the street is the first segment that starts
    with a house number and names something after it, any segments before it the building
    ("Rose Cottage, 12 The Pastures, Norton"); else the first segment. The rest are places."""
    at = next(
        (i for i, seg in enumerate(segments) if len(seg) > 1 and _HOUSE_NUMBER.fullmatch(seg[0])),
        0,
    )
    if at:
        parse.building = [word for segment in segments[:at] for word in segment]
    first, *rest = segments[at:]
    if first and _HOUSE_NUMBER.fullmatch(first[0]):
        parse.number = parse.number or first[0]
        first = first[1:]
    if not first and rest:
        first, *rest = rest  # "12, The Pastures": the number stood alone
    parse.street = " ".join(_expand(tok) for tok in first) or None
    parse.places = [" ".join(segment) for segment in rest]


def _parse_segments(segments: list[list[str]]) -> _Parse:
    parse = _Parse()
    kept: list[list[str]] = []
    for segment in segments:
        flat, number, remainder = _take_flat(segment)
        parse.flat = parse.flat or flat
        parse.number = parse.number or number
        if remainder:
            kept.append(remainder)
    if not kept:
        return parse
    located = _locate_street(kept)
    if located is None:
        _fallback_street(kept, parse)
        return parse
    seg_index, end = located
    before = kept[:seg_index]
    if before and len(before[-1]) == 1 and _HOUSE_NUMBER.fullmatch(before[-1][0]):
        parse.number = parse.number or before.pop()[0]  # "12, Acacia Avenue"
    parse.building = [word for segment in before for word in segment]
    parse.places = [" ".join(segment) for segment in kept[seg_index + 1 :]]
    _split_street_segment(kept[seg_index], end, parse)
    return parse


def _trailing_code(places: list[str]) -> tuple[PostalCode | None, list[str]]:
    """A postcode in another shape ending the address ("winston hills nsw 4223", "Stockton,
    TS18", "Ottawa K1A 0B1"): the last word of the last place when it holds a digit, with the
    word before when that holds one too. Only places are looked at, never the street's
    segment, so a house number is not taken for a postcode."""
    if not places:
        return None, places
    words = places[-1].split()
    for take in (2, 1):
        if len(words) < take or not all(any(c.isdigit() for c in w) for w in words[-take:]):
            continue
        code = postal_code("".join(words[-take:]))
        if code is not None:
            rest = " ".join(words[:-take])
            return code, places[:-1] + ([rest] if rest else [])
    return None, places


def standard_address(text: str | None) -> StandardAddress:
    """Split a free-text UK address, with or without commas, into comparable parts."""
    if not text:
        return StandardAddress()
    found = _postcode_span(text)
    postcode, remainder = None, text
    if found:
        postcode, (start, stop) = found
        remainder = text[:start] + "," + text[stop:]
    parse = _parse_segments(_address_segments(remainder))
    places = [place for place in (parse.places or []) if place]
    other = None
    if postcode is None:
        other, places = _trailing_code(places)
    return StandardAddress(
        flat=parse.flat,
        number=parse.number,
        building=" ".join(parse.building) if parse.building else None,
        street=parse.street,
        places=tuple(places),
        postcode=postcode,
        other_postcode=other,
    )
