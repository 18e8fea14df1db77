"""Standardisation of names, dates, NHS numbers, postcodes, phones and addresses."""

from __future__ import annotations

import string
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teamaround.linkage.features import record_features
from teamaround.linkage.standardise import (
    DateLevel,
    PostalCode,
    Postcode,
    compare_dates,
    find_postcode,
    is_known_name,
    name_variants,
    parse_date,
    phonetic_key,
    plainly_dialled_gb,
    postal_code,
    standard_address,
    standard_name,
    standard_nhs,
    standard_phone,
    standard_postcode,
    transposed,
)
from teamaround.linkage.standardise import _parsed_phone as _parsed_phone

TODAY = date(2025, 6, 1)


# --------------------------------------------------------------------------- names


def test_name_is_lower_case_without_diacritics_or_apostrophes() -> None:
    name = standard_name("Seán", "O'Néil")
    assert name.given == ("sean",)
    assert name.family == ("oneil",)
    assert name.full == "sean oneil"


def test_comma_means_family_name_first() -> None:
    assert standard_name(None, None, "MARSH, Dean") == standard_name("Dean", "Marsh")


def test_without_comma_the_last_word_is_the_family_name() -> None:
    name = standard_name(None, None, "Kelly Ann Ashby")
    assert name.given == ("kelly", "ann")
    assert name.family == ("ashby",)


def test_titles_and_suffixes_are_dropped() -> None:
    assert standard_name(None, None, "Mr Dean Marsh Jr") == standard_name("Dean", "Marsh")
    assert standard_name(None, None, "Dr. Priya Shah") == standard_name("Priya", "Shah")
    assert standard_name(None, None, "HUGHES, Mr Gareth Snr") == standard_name("Gareth", "Hughes")


def test_double_barrelled_name_equals_spaced_form_and_shares_a_token_with_either_half() -> None:
    hyphen = standard_name("Priya", "Shah-Mistry")
    spaced = standard_name("Priya", "Shah Mistry")
    assert hyphen == spaced
    assert hyphen.family_key == "shahmistry"
    assert set(hyphen.family) & set(standard_name("Priya", "Mistry").family)


def test_hyphenated_whole_name_keeps_the_family_name_together() -> None:
    name = standard_name(None, None, "Ann Smith-Jones")
    assert name.given == ("ann",)
    assert name.family == ("smith", "jones")


def test_separate_fields_win_over_a_whole_name() -> None:
    name = standard_name("Kelly", None, "Kelly Ashby")
    assert name.given == ("kelly",)
    assert name.family == ("ashby",)


@pytest.mark.parametrize("text", [None, "", "  ", "Miss", "'"])
def test_empty_or_title_only_name_is_empty(text: str | None) -> None:
    assert standard_name(None, None, text).full == ""


def test_single_word_name_is_a_family_name() -> None:
    assert standard_name(None, None, "Okafor").family == ("okafor",)


@pytest.mark.parametrize(
    ("short", "full"),
    [("Bob", "Robert"), ("Kate", "Katherine"), ("Bill", "William"), ("Nat", "Natasha")],
)
def test_nicknames_share_a_variant(short: str, full: str) -> None:
    assert name_variants(short) & name_variants(full)


def test_unrelated_names_share_no_variant() -> None:
    assert not name_variants("Jack") & name_variants("Jake")
    assert name_variants("") == frozenset()


def test_known_names() -> None:
    assert is_known_name("Robert")
    assert not is_known_name("Olivr")


def test_phonetic_key_groups_sound_alikes() -> None:
    assert phonetic_key("Ashbey") == phonetic_key("Ashby")
    assert phonetic_key("Marsh") != phonetic_key("Ashby")
    assert phonetic_key("") == ""
    assert phonetic_key("123") == ""


_WORD = st.text(alphabet=string.ascii_letters, min_size=2, max_size=12).filter(
    # titles and suffixes are dropped by design, so they cannot stand for a name here
    lambda w: w.lower()
    not in {"mr", "mrs", "ms", "miss", "mx", "dr", "master", "prof", "sir", "dame", "rev",
            "lady", "lord", "jr", "jnr", "sr", "snr", "ii", "iii", "iv"}
)  # fmt: skip


@given(given_words=st.lists(_WORD, min_size=1, max_size=2), family=_WORD)
def test_name_order_and_case_do_not_matter(given_words: list[str], family: str) -> None:
    given_text = " ".join(given_words)
    forward = standard_name(None, None, f"{given_text} {family}")
    assert standard_name(None, None, f"{family}, {given_text}") == forward
    assert standard_name(None, None, f"{family.upper()}, {given_text.lower()}") == forward
    assert standard_name(given_text.swapcase(), family.swapcase()) == forward


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "text",
    [
        "1985-02-11",
        "11/02/1985",
        "11-02-1985",
        "11.02.85",
        "11 Feb 1985",
        "11 February 85",
        "11th February 1985",
        "February 11, 1985",
        "11-feb-1985",
        " 11/2/1985 ",
        "1985-02-11T00:00:00",
        "19850211",
        "11021985",
    ],
)
def test_dates_in_the_forms_agencies_send(text: str) -> None:
    assert parse_date(text, today=TODAY) == date(1985, 2, 11)


@pytest.mark.parametrize(
    "text", [None, "", "garbage", "31/02/1985", "1990-14-07", "32/01/2001", "11 Smarch 1985"]
)
def test_unreadable_dates_are_none(text: str | None) -> None:
    assert parse_date(text, today=TODAY) is None


def test_two_digit_year_pivots_on_today() -> None:
    assert parse_date("19/09/11", today=TODAY) == date(2011, 9, 19)
    assert parse_date("19/09/25", today=TODAY) == date(2025, 9, 19)
    assert parse_date("19/09/26", today=TODAY) == date(1926, 9, 19)
    assert parse_date("19/09/26", today=date(2030, 1, 1)) == date(2026, 9, 19)


def test_two_digit_year_without_today_is_not_guessed() -> None:
    assert parse_date("11.02.85") is None
    assert parse_date("1985-02-11") == date(1985, 2, 11)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)))
def test_iso_and_uk_formats_round_trip(d: date) -> None:
    assert parse_date(d.isoformat(), today=TODAY) == d
    assert parse_date(d.strftime("%d/%m/%Y"), today=TODAY) == d


@given(st.text(max_size=40))
def test_parse_date_never_raises(text: str) -> None:
    result = parse_date(text, today=TODAY)
    assert result is None or isinstance(result, date)


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        (date(1993, 4, 8), date(1993, 4, 8), DateLevel.EXACT),
        (date(1993, 4, 8), date(1993, 8, 4), DateLevel.TRANSPOSED),
        (date(1993, 4, 8), date(1993, 4, 9), DateLevel.OFF_BY_ONE),
        (date(1993, 4, 8), date(1993, 5, 8), DateLevel.OFF_BY_ONE),
        (date(1993, 4, 8), date(1994, 4, 8), DateLevel.OFF_BY_ONE),
        (date(1985, 2, 11), date(1995, 2, 11), DateLevel.OFF_BY_ONE),  # one digit typed wrong
        (date(1985, 2, 11), date(1985, 2, 17), DateLevel.OFF_BY_ONE),
        (date(1985, 2, 11), date(1985, 9, 23), DateLevel.YEAR_ONLY),
        (date(1985, 2, 11), date(1962, 8, 30), DateLevel.DIFFERENT),
        (date(1985, 2, 11), date(1966, 2, 11), DateLevel.DIFFERENT),
        (None, date(1962, 8, 30), DateLevel.MISSING),
        (date(1962, 8, 30), None, DateLevel.MISSING),
    ],
)
def test_compare_dates(a: date | None, b: date | None, level: DateLevel) -> None:
    assert compare_dates(a, b) is level


def test_transposed_date() -> None:
    assert transposed(date(1993, 4, 8)) == date(1993, 8, 4)
    assert transposed(date(1990, 7, 14)) is None
    assert transposed(date(1990, 7, 7)) is None


# --------------------------------------------------------------------------- NHS numbers


@pytest.mark.parametrize("text", ["9995260182", "999 526 0182", "999-526-0182", " 9995260182 "])
def test_nhs_number_formats(text: str) -> None:
    nhs = standard_nhs(text)
    assert nhs is not None
    assert nhs.digits == "9995260182"
    assert nhs.valid
    assert str(nhs) == "999 526 0182"


def test_bad_check_digit_is_kept_but_flagged() -> None:
    nhs = standard_nhs("9995260183")
    assert nhs is not None
    assert not nhs.valid


@pytest.mark.parametrize("text", [None, "", "12345", "99952601821", "999526018X", "not a number"])
def test_not_ten_digits_is_not_an_nhs_number(text: str | None) -> None:
    assert standard_nhs(text) is None


# --------------------------------------------------------------------------- postcodes


@pytest.mark.parametrize(
    ("text", "unit", "area", "district", "sector"),
    [
        ("M1 1AE", "M1 1AE", "M", "M1", "M1 1"),
        ("B33 8TH", "B33 8TH", "B", "B33", "B33 8"),
        ("W1A 0AX", "W1A 0AX", "W", "W1A", "W1A 0"),
        ("CR2 6XH", "CR2 6XH", "CR", "CR2", "CR2 6"),
        ("DN55 1PT", "DN55 1PT", "DN", "DN55", "DN55 1"),
        ("EC1A 1BB", "EC1A 1BB", "EC", "EC1A", "EC1A 1"),
        ("ts181ab", "TS18 1AB", "TS", "TS18", "TS18 1"),
        ("  lu1   5qr ", "LU1 5QR", "LU", "LU1", "LU1 5"),
        ("TS18  1AB", "TS18 1AB", "TS", "TS18", "TS18 1"),
    ],
)
def test_postcode_shapes(text: str, unit: str, area: str, district: str, sector: str) -> None:
    postcode = standard_postcode(text)
    assert postcode is not None
    assert (postcode.unit, postcode.area, postcode.district, postcode.sector) == (
        unit,
        area,
        district,
        sector,
    )
    assert str(postcode) == unit


@pytest.mark.parametrize("text", [None, "", "TS18", "1AB TS18", "TS18 1A", "ABC1 1AB", "Stockton"])
def test_not_a_postcode(text: str | None) -> None:
    assert standard_postcode(text) is None


_LETTER = st.sampled_from("ABDEFGHJLNPQRSTUWXYZ")
_DIGIT = st.sampled_from("0123456789")
_OUTWARD = st.one_of(
    st.tuples(_LETTER, _DIGIT).map("".join),
    st.tuples(_LETTER, _DIGIT, _DIGIT).map("".join),
    st.tuples(_LETTER, _DIGIT, _LETTER).map("".join),
    st.tuples(_LETTER, _LETTER, _DIGIT).map("".join),
    st.tuples(_LETTER, _LETTER, _DIGIT, _DIGIT).map("".join),
    st.tuples(_LETTER, _LETTER, _DIGIT, _LETTER).map("".join),
)
_INWARD = st.tuples(_DIGIT, _LETTER, _LETTER).map("".join)


@given(outward=_OUTWARD, inward=_INWARD)
def test_postcode_is_idempotent(outward: str, inward: str) -> None:
    postcode = standard_postcode(f"{outward} {inward}")
    assert postcode == Postcode(outward, inward)
    assert standard_postcode(str(postcode)) == postcode


@given(outward=_OUTWARD, inward=_INWARD, data=st.data())
def test_postcode_ignores_case_and_spacing(outward: str, inward: str, data: st.DataObject) -> None:
    chars = []
    for char in outward + inward:
        lower = data.draw(st.booleans())
        chars.append((char.lower() if lower else char) + " " * data.draw(st.integers(0, 2)))
    assert standard_postcode("".join(chars)) == standard_postcode(f"{outward}{inward}")


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("12 acacia ave stockton ts181ab", "TS18 1AB"),
        ("12 Acacia Avenue, Stockton-on-Tees, TS18 1AB", "TS18 1AB"),
        ("Flat 3, 27 Wellington Road, Luton LU1 5QR.", "LU1 5QR"),
        ("TS24 0AB 5 Harbour View", "TS24 0AB"),
        ("7 Brook Street\nMiddlesbrough\nTS1 2AA", "TS1 2AA"),
    ],
)
def test_find_postcode_in_free_text(text: str, unit: str) -> None:
    found = find_postcode(text)
    assert found is not None
    assert found.unit == unit


@pytest.mark.parametrize("text", [None, "", "12 Acacia Avenue, Stockton", "Flat 3, 27 Road"])
def test_no_postcode_in_text(text: str | None) -> None:
    assert find_postcode(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ts18 1ab", PostalCode("TS18 1AB", "TS18 1", "TS18")),
        ("TS18", PostalCode(district="TS18")),  # a UK district alone: no unit, no sector
        ("4223", PostalCode(unit="4223")),  # Australian
        ("k1a 0b1", PostalCode(unit="K1A0B1")),  # Canadian
        ("10115", PostalCode(unit="10115")),
        ("TS18 1A", PostalCode(unit="TS181A")),  # a UK postcode mistyped: kept whole
        (None, None),
        ("", None),
        ("Stockton", None),
        ("12", None),
    ],
)
def test_postal_code_keeps_what_its_shape_allows(
    text: str | None, expected: PostalCode | None
) -> None:
    assert postal_code(text) == expected


@pytest.mark.parametrize(
    ("text", "street", "town", "unit", "district"),
    [
        ("miami, 8 stanley street, winston hills nsw 4223", "stanley street", "winston hills nsw",
         "4223", None),
        ("12 Acacia Ave, Stockton, TS18", "acacia avenue", "stockton", None, "TS18"),
        ("12 acacia ave stockton ts18", "acacia avenue", "stockton", None, "TS18"),
        ("Rose Cottage, 12 The Pastures, Ottawa K1A 0B1", "the pastures", "ottawa", "K1A0B1",
         None),
    ],
)  # fmt: skip
def test_address_ending_with_another_postcode(
    text: str, street: str, town: str, unit: str | None, district: str | None
) -> None:
    address = standard_address(text)
    assert (address.street, address.town, address.postcode) == (street, town, None)
    assert address.other_postcode == PostalCode(unit=unit, district=district)


def test_a_house_number_is_never_a_postcode() -> None:
    assert standard_address("12 Acacia Avenue").other_postcode is None
    assert standard_address("Acacia Avenue, Stockton, 12").other_postcode is None
    assert standard_address("123 Acacia Avenue, Stockton").other_postcode is None


def test_street_without_a_street_type_after_a_building() -> None:
    address = standard_address("Bega Flats, 12 Pinkerton Circuit, Richlands")
    assert (address.building, address.number, address.street, address.town) == (
        "bega flats",
        "12",
        "pinkerton circuit",
        "richlands",
    )
    lone = standard_address("12, The Pastures, Norton")
    assert (lone.number, lone.street, lone.town) == ("12", "the pastures", "norton")


def test_features_compare_another_postcode_whole_and_a_uk_one_by_parts() -> None:
    australian = record_features(address="8 stanley street, winston hills nsw 4223")
    assert (australian.postcode, australian.pc_sector, australian.pc_district) == (
        "4223",
        None,
        None,
    )
    field = record_features(address="8 stanley street, winston hills", postcode="4223")
    assert field.postcode == "4223"
    district = record_features(address="12 Acacia Ave, Stockton, TS18")
    assert (district.postcode, district.pc_sector, district.pc_district) == (None, None, "TS18")
    uk = record_features(address="12 Acacia Ave, Stockton", postcode="ts181ab")
    assert (uk.postcode, uk.pc_sector, uk.pc_district) == ("TS18 1AB", "TS18 1", "TS18")
    in_text = record_features(address="12 Acacia Ave, Stockton TS18 1AB", postcode="4223")
    assert in_text.postcode == "TS18 1AB"  # a whole UK postcode wins wherever it is written


# --------------------------------------------------------------------------- phones


@pytest.mark.parametrize(
    "text",
    ["07700 900123", "07700900123", "+44 7700 900123", "0044 7700 900123", "(07700) 900-123"],
)
def test_phone_is_e164(text: str) -> None:
    assert standard_phone(text) == "+447700900123"


def test_landline_is_e164() -> None:
    assert standard_phone("01642 123456") == "+441642123456"


@pytest.mark.parametrize("text", [None, "", "123", "01234", "not a phone", "999", "9" * 300])
def test_unusable_phone_is_none(text: str | None) -> None:
    assert standard_phone(text) is None


_DIALLED = st.text(alphabet="0123456789 ().-+", max_size=24)
_GB_NUMBER = st.builds(
    lambda prefix, first, rest, gaps: (
        prefix + "".join(digit + gap for digit, gap in zip(first + rest, gaps, strict=False))
    ),
    st.sampled_from(["0", "+44", "+44 ", " 0"]),
    st.sampled_from("0123456789"),
    st.text(alphabet="0123456789", min_size=8, max_size=10),
    st.lists(st.sampled_from(["", "", " ", "-", ".", "(", ")"]), min_size=11, max_size=11),
)


@given(st.one_of(_DIALLED, _GB_NUMBER))
def test_a_plainly_dialled_number_reads_as_phonenumbers_reads_it(text: str) -> None:
    """The fast path, where it answers, answers what `phonenumbers` does."""
    plain = plainly_dialled_gb(text)
    if plain is not None:
        assert plain == _parsed_phone(text)


@given(st.text(max_size=30))
def test_standard_phone_never_raises(text: str) -> None:
    result = standard_phone(text)
    assert result is None or result.startswith("+")


# --------------------------------------------------------------------------- addresses


@pytest.mark.parametrize(
    ("text", "flat", "number", "street", "town", "postcode"),
    [
        (
            "12 Acacia Avenue, Stockton-on-Tees, TS18 1AB",
            None,
            "12",
            "acacia avenue",
            "stockton on tees",
            "TS18 1AB",
        ),
        ("12 acacia ave stockton ts181ab", None, "12", "acacia avenue", "stockton", "TS18 1AB"),
        ("12 Acacia Ave, Stockton TS18 1AB", None, "12", "acacia avenue", "stockton", "TS18 1AB"),
        ("Acacia Avenue, Stockton", None, None, "acacia avenue", "stockton", None),
        (
            "Flat 3, 27 Wellington Road, Luton, LU1 5QR",
            "3",
            "27",
            "wellington road",
            "luton",
            "LU1 5QR",
        ),
        ("27 Wellington Rd, Luton", None, "27", "wellington road", "luton", None),
        ("3/27 Wellington Road", "3", "27", "wellington road", None, None),
        (
            "5 Harbour View, Hartlepool, TS24 0AB",
            None,
            "5",
            "harbour view",
            "hartlepool",
            "TS24 0AB",
        ),
        ("14 High St Stockton", None, "14", "high street", "stockton", None),
        ("12 St Johns Rd, Redcar", None, "12", "saint johns road", "redcar", None),
        ("27a Elm Grv Darlington DL1 4AB", None, "27a", "elm grove", "darlington", "DL1 4AB"),
        ("9 station rd redcar ts101aa", None, "9", "station road", "redcar", "TS10 1AA"),
        ("Apartment 12, 4 Quayside Ct, Newcastle", "12", "4", "quayside court", "newcastle", None),
        ("12, Acacia Avenue", None, "12", "acacia avenue", None, None),
        ("31 Mill Ln, Hartlepool", None, "31", "mill lane", "hartlepool", None),
    ],
)
def test_address_parts(
    text: str,
    flat: str | None,
    number: str | None,
    street: str,
    town: str | None,
    postcode: str | None,
) -> None:
    address = standard_address(text)
    assert address.flat == flat
    assert address.number == number
    assert address.street == street
    assert address.town == town
    assert (address.postcode.unit if address.postcode else None) == postcode


def test_building_name_and_localities() -> None:
    address = standard_address("Rose Cottage, 12 Park View Road, Norton, Stockton")
    assert address.building == "rose cottage"
    assert address.street == "park view road"
    assert address.places == ("norton", "stockton")
    assert address.place_keys == {"norton", "stockton"}


def test_hyphenated_town_keys_on_its_first_word() -> None:
    long_form = standard_address("12 Acacia Avenue, Stockton-on-Tees")
    short_form = standard_address("12 acacia ave stockton")
    assert long_form.place_keys & short_form.place_keys


def test_abbreviations_expand_to_the_same_street() -> None:
    streets = {
        standard_address(text).street
        for text in ["4 Rowan Cl, Stockton", "4 Rowan Close, Stockton", "4 rowan cl stockton"]
    }
    assert streets == {"rowan close"}


@pytest.mark.parametrize("text", [None, "", ",,,", "   "])
def test_empty_address(text: str | None) -> None:
    address = standard_address(text)
    assert address.street is None
    assert address.number is None
    assert address.town is None


@given(st.text(max_size=80))
def test_standard_address_never_raises(text: str) -> None:
    standard_address(text)
