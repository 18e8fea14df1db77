"""Flatten a standardised record into the columns the model compares, in Python and in SQL alike.

Every judgement that needs Python (nicknames, metaphone, NHS check digits, address parsing)
is made here, once per record, and stored as a plain column. The comparison levels then need
only equality, a string similarity and array overlap, which DuckDB, Spark and numpy can all
evaluate the same way: that is what lets our real-time scores equal Splink's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from teamaround.linkage.standardise import (
    PostalCode,
    StandardAddress,
    is_known_name,
    name_variants,
    parse_date,
    phonetic_key,
    postal_code,
    standard_address,
    standard_name,
    standard_nhs,
    standard_phone,
    standard_postcode,
    transposed,
)

_EPOCH = date(1900, 1, 1)

_SEXES = {
    "m": "m", "male": "m", "man": "m", "boy": "m",
    "f": "f", "female": "f", "woman": "f", "girl": "f",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Features:
    """One record as the comparisons see it; None means "not given", never "empty string"."""

    given: str | None = None
    given2: str | None = None
    given_variants: tuple[str, ...] = ()
    given_known: bool = False
    given_mp: str | None = None
    family: str | None = None
    family1: str | None = None
    family2: str | None = None
    family_mp: str | None = None
    dob: str | None = None
    dob_swapped: str | None = None
    dob_days: int | None = None
    dob_year: int | None = None
    nhs: str | None = None
    nhs_valid: bool = False
    postcode: str | None = None
    pc_sector: str | None = None
    pc_district: str | None = None
    street: str | None = None
    town: str | None = None
    number: str | None = None
    flat: str | None = None
    phone: str | None = None
    sex: str | None = None

    def as_row(self, record_id: str) -> dict[str, Any]:
        """A row for a DataFrame; arrays become lists because that is what both engines read."""
        row = asdict(self)
        row["given_variants"] = list(self.given_variants) or None
        return {"unique_id": record_id, **row}


FEATURE_COLUMNS: tuple[str, ...] = tuple(Features.__dataclass_fields__)


def standard_sex(text: str | None) -> str | None:
    """ "m" or "f" when the text says so plainly; anything else is not compared."""
    return _SEXES.get(text.strip().lower()) if text else None


def _or_none(text: str) -> str | None:
    return text or None


def _name_columns(given: str | None, family: str | None, name: str | None) -> dict[str, Any]:
    parsed = standard_name(given, family, name)
    first = parsed.first_given
    family_key = parsed.family_key
    return {
        "given": _or_none(first),
        "given2": parsed.given[1] if len(parsed.given) > 1 else None,
        "given_variants": tuple(sorted(name_variants(first))) if first else (),
        "given_known": bool(first) and is_known_name(first),
        "given_mp": _or_none(phonetic_key(first)) if first else None,
        "family": _or_none(family_key),
        "family1": parsed.family[0] if parsed.family else None,
        "family2": parsed.family[-1] if parsed.family else None,
        "family_mp": _or_none(phonetic_key(family_key)) if family_key else None,
    }


def _date_columns(dob: date | None) -> dict[str, Any]:
    if dob is None:
        return {}
    swapped = transposed(dob)
    return {
        "dob": dob.isoformat(),
        "dob_swapped": swapped.isoformat() if swapped else None,
        "dob_days": (dob - _EPOCH).days,
        "dob_year": dob.year,
    }


def _address_columns(address: str | None, postcode: str | None) -> dict[str, Any]:
    parsed = standard_address(address) if address else None
    code = _postal_code(parsed, postcode)
    columns: dict[str, Any] = {}
    if code is not None:
        columns |= {"postcode": code.unit, "pc_sector": code.sector, "pc_district": code.district}
    if parsed is not None:
        columns |= {"street": parsed.street, "number": parsed.number, "flat": parsed.flat}
        columns["town"] = _town(parsed)
    return columns


def _postal_code(parsed: StandardAddress | None, postcode: str | None) -> PostalCode | None:
    """A whole UK postcode wherever it is written, first; else whatever code the address
    ends with or the postcode field holds (another country's, a UK district, a mistyped one),
    which only sets the columns its shape allows: a token agrees on `postcode` or not at all."""
    uk = (parsed.postcode if parsed else None) or standard_postcode(postcode)
    if uk is not None:
        return PostalCode.of(uk)
    return postal_code(postcode) or (parsed.other_postcode if parsed else None)


def _town(parsed: StandardAddress) -> str | None:
    """First word of the first place after the street ("stockton" for "Stockton-on-Tees")."""
    return parsed.town.split()[0] if parsed.town else None


def record_features(
    *,
    given: str | None = None,
    family: str | None = None,
    name: str | None = None,
    dob: str | date | None = None,
    nhs: str | None = None,
    address: str | None = None,
    postcode: str | None = None,
    phone: str | None = None,
    sex: str | None = None,
    today: date | None = None,
) -> Features:
    """Standardise one record's raw fields; unreadable values become None, not errors."""
    parsed_dob = dob if isinstance(dob, date) else parse_date(dob, today=today)
    number = standard_nhs(nhs)
    return Features(
        **_name_columns(given, family, name),
        **_date_columns(parsed_dob),
        nhs=number.digits if number else None,
        nhs_valid=bool(number and number.valid),
        **_address_columns(address, postcode),
        phone=standard_phone(phone),
        sex=standard_sex(sex),
    )
