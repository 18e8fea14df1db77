"""Invented English people and the mistakes agencies make copying them, with the truth kept.

Used to train the shipped model, to test it, and by the benchmarks. The errors are the ones
safeguarding records really carry: nicknames, typos, swapped day and month, married names,
apostrophes, house moves, missing NHS numbers; and the hard non-matches: twins, neighbours,
and a father and son of one name at one address. Nothing here is a real person.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta

from teamaround.linkage.standardise import name_variants

COLUMNS = ("id", "given", "family", "dob", "sex", "nhs", "address", "postcode", "phone")

_BOYS = [
    "Oliver",
    "George",
    "Harry",
    "Jack",
    "Jacob",
    "Noah",
    "Charlie",
    "Thomas",
    "Oscar",
    "William",
    "James",
    "Leo",
    "Alfie",
    "Henry",
    "Joshua",
    "Freddie",
    "Archie",
    "Ethan",
    "Isaac",
    "Alexander",
    "Joseph",
    "Edward",
    "Samuel",
    "Max",
    "Daniel",
    "Arthur",
    "Lucas",
    "Mohammed",
    "Logan",
    "Theo",
    "Harrison",
    "Benjamin",
    "Mason",
    "Sebastian",
    "Finley",
    "Adam",
    "Dylan",
    "Zachary",
    "Riley",
    "Teddy",
    "Theodore",
    "David",
    "Elijah",
    "Jake",
    "Toby",
    "Louie",
    "Reuben",
    "Arlo",
    "Hugo",
    "Luca",
    "Jaxon",
    "Matthew",
    "Harvey",
    "Reggie",
    "Michael",
    "Harley",
    "Jude",
    "Albert",
    "Tommy",
    "Luke",
    "Stanley",
    "Jenson",
    "Frankie",
    "Jayden",
    "Gabriel",
    "Elliot",
    "Mohammad",
    "Ronnie",
    "Robert",
    "Richard",
    "Anthony",
    "Christopher",
    "Andrew",
    "Peter",
    "Stephen",
    "Paul",
    "Mark",
    "Dean",
    "Gareth",
    "Craig",
    "Lee",
    "Wayne",
    "Darren",
    "Kevin",
    "Gary",
    "Steven",
    "Ian",
    "Neil",
    "Shaun",
    "Jamie",
    "Callum",
    "Kieran",
    "Connor",
]
_GIRLS = [
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Mia",
    "Isabella",
    "Sophia",
    "Grace",
    "Lily",
    "Freya",
    "Emily",
    "Ivy",
    "Ella",
    "Rosie",
    "Evie",
    "Florence",
    "Poppy",
    "Charlotte",
    "Willow",
    "Isabelle",
    "Sienna",
    "Sophie",
    "Daisy",
    "Phoebe",
    "Elsie",
    "Harper",
    "Ruby",
    "Evelyn",
    "Matilda",
    "Alice",
    "Esme",
    "Sofia",
    "Maya",
    "Jessica",
    "Millie",
    "Emilia",
    "Eliza",
    "Layla",
    "Luna",
    "Scarlett",
    "Chloe",
    "Hannah",
    "Lucy",
    "Holly",
    "Megan",
    "Jasmine",
    "Molly",
    "Amber",
    "Zara",
    "Niamh",
    "Erin",
    "Abigail",
    "Katie",
    "Lauren",
    "Rebecca",
    "Rachel",
    "Sarah",
    "Laura",
    "Emma",
    "Gemma",
    "Kelly",
    "Natasha",
    "Jodie",
    "Leanne",
    "Stacey",
    "Kirsty",
    "Donna",
    "Michelle",
    "Lisa",
    "Nicola",
    "Joanne",
    "Claire",
    "Samantha",
    "Victoria",
    "Elizabeth",
    "Margaret",
    "Susan",
    "Patricia",
    "Karen",
    "Tracey",
    "Julie",
    "Angela",
    "Dawn",
    "Amanda",
    "Helen",
    "Catherine",
    "Jennifer",
    "Deborah",
    "Louise",
    "Kimberley",
]
_FAMILIES = [
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Johnson",
    "Roberts",
    "Robinson",
    "Thompson",
    "Wright",
    "Walker",
    "White",
    "Edwards",
    "Hughes",
    "Green",
    "Hall",
    "Lewis",
    "Harris",
    "Clarke",
    "Patel",
    "Jackson",
    "Wood",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Morris",
    "Moore",
    "Clark",
    "Lee",
    "King",
    "Baker",
    "Harrison",
    "Morgan",
    "Allen",
    "James",
    "Scott",
    "Phillips",
    "Watson",
    "Davis",
    "Parker",
    "Price",
    "Bennett",
    "Young",
    "Griffiths",
    "Mitchell",
    "Kelly",
    "Cook",
    "Carter",
    "Richardson",
    "Bailey",
    "Collins",
    "Bell",
    "Shaw",
    "Murphy",
    "Miller",
    "Cox",
    "Richards",
    "Khan",
    "Marshall",
    "Anderson",
    "Simpson",
    "Ellis",
    "Adams",
    "Singh",
    "Begum",
    "Wilkinson",
    "Foster",
    "Chapman",
    "Powell",
    "Webb",
    "Rogers",
    "Gray",
    "Mason",
    "Ali",
    "Hunt",
    "Hussain",
    "Campbell",
    "Matthews",
    "Owen",
    "Palmer",
    "Holmes",
    "Mills",
    "Barnes",
    "Knight",
    "Lloyd",
    "Butler",
    "Russell",
    "Barker",
    "Fisher",
    "Stevens",
    "Jenkins",
    "Murray",
    "Dixon",
    "Harvey",
    "Graham",
    "Pearson",
    "Ahmed",
    "Fletcher",
    "Walsh",
    "Kaur",
    "Gibson",
    "Howard",
    "Andrews",
    "Stewart",
    "Elliott",
    "Reynolds",
    "Saunders",
    "Payne",
    "Fox",
    "Ford",
    "Pearce",
    "Day",
    "Brooks",
    "West",
    "Lawrence",
    "Cole",
    "Atkinson",
    "Bradley",
    "Spencer",
    "Gill",
    "Dawson",
    "Ball",
    "Burton",
    "O'Brien",
    "Watts",
    "Rose",
    "Booth",
    "Perry",
    "Ryan",
    "Grant",
    "Wells",
    "Armstrong",
    "Francis",
    "Rees",
    "Hayes",
    "Hart",
    "Hudson",
    "Newman",
    "Barrett",
    "Webster",
    "Hunter",
    "Gregory",
    "Carr",
    "Lowe",
    "Page",
    "Marsh",
    "Riley",
    "Dunn",
    "Woods",
    "Parsons",
    "Berry",
    "Stone",
    "Reid",
    "Holland",
    "Hawkins",
    "Harding",
    "Porter",
    "Robertson",
    "Newton",
    "O'Connor",
    "Ashby",
    "Fenwick",
    "Pryce",
    "Nowak",
    "Kowalski",
    "Okafor",
    "Shah",
    "Mistry",
    "Haddad",
    "O'Neill",
    "McDonald",
    "Brennan",
    "Lund",
]
_STREETS = [
    "Acacia Avenue",
    "Mill Lane",
    "Station Road",
    "Church Street",
    "High Street",
    "Park Road",
    "Victoria Road",
    "Green Lane",
    "Manor Road",
    "Kings Road",
    "Queens Road",
    "New Road",
    "Grange Road",
    "The Crescent",
    "Elm Grove",
    "Rowan Close",
    "Brook Street",
    "Wellington Road",
    "Albert Road",
    "Chapel Street",
    "North Road",
    "West Street",
    "Springfield Road",
    "Highfield Road",
    "Windsor Road",
    "York Road",
    "Stanley Road",
    "Oxford Road",
    "Mill Road",
    "School Lane",
    "Alexandra Road",
    "Beech Avenue",
    "Cedar Close",
    "Hawthorn Drive",
    "Willow Way",
    "Oak Drive",
    "Meadow View",
    "Linthorpe Road",
    "Quarry Bank",
    "Harbour View",
    "Beacon Lane",
    "Orchard Close",
    "St Johns Road",
    "St Marys Close",
    "Lime Street",
    "Market Place",
    "Castle Street",
    "Bridge Street",
]
_STREET_WORDS = (
    "Ash", "Birch", "Bramble", "Chestnut", "Clover", "Coronation", "Cromwell", "Derwent",
    "Eden", "Fern", "Fox", "Gladstone", "Hazel", "Heather", "Holly", "Ivy", "Jubilee",
    "Kingfisher", "Larch", "Laurel", "Lilac", "Maple", "Nelson", "Nightingale", "Primrose",
    "Raby", "Redwood", "Rosebery", "Rydal", "Sandringham", "Skelton", "Swale", "Sycamore",
    "Tees", "Thornfield", "Tudor", "Ullswater", "Valley", "Westfield", "Wharfe", "Woodland",
)  # fmt: skip
_STREET_KINDS = ("Road", "Street", "Avenue", "Close", "Lane", "Drive", "Grove", "Crescent",
                 "Gardens", "Terrace", "Way", "Court")  # fmt: skip
_STREETS += [f"{word} {kind}" for word in _STREET_WORDS for kind in _STREET_KINDS]
"""About 540 streets, so "same street name" is rare across towns, as it is in England."""

_TOWNS = (
    ("Stockton-on-Tees", "TS18"), ("Stockton-on-Tees", "TS19"), ("Middlesbrough", "TS1"),
    ("Middlesbrough", "TS5"), ("Hartlepool", "TS24"), ("Hartlepool", "TS25"),
    ("Redcar", "TS10"), ("Darlington", "DL1"), ("Darlington", "DL3"), ("Durham", "DH1"),
    ("Sunderland", "SR4"), ("Newcastle upon Tyne", "NE6"), ("Gateshead", "NE8"),
    ("Whitby", "YO21"), ("York", "YO10"), ("Leeds", "LS9"), ("Luton", "LU1"),
    ("Bradford", "BD3"), ("Sheffield", "S2"), ("Manchester", "M14"),
)  # fmt: skip
_ABBREVIATE = {"Road": "Rd", "Avenue": "Ave", "Street": "St", "Close": "Cl", "Lane": "Ln",
               "Drive": "Dr", "Grove": "Gr"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Household:
    number: int
    street: str
    town: str
    postcode: str
    phone: str | None

    def text(self, flat: str | None = None) -> str:
        door = f"Flat {flat}, {self.number}" if flat else str(self.number)
        return f"{door} {self.street}, {self.town}, {self.postcode}"


@dataclass(frozen=True, slots=True)
class TruePerson:
    """A person as they really are; records are copies of this with mistakes."""

    id: str
    given: str
    family: str
    dob: date
    sex: str
    nhs: str
    home: Household


@dataclass(frozen=True, slots=True)
class Record:
    """One agency's row: raw text, as the CSV files carry it."""

    id: str
    true_id: str | None
    given: str | None
    family: str | None
    dob: str | None
    sex: str | None
    nhs: str | None
    address: str | None
    postcode: str | None
    phone: str | None

    def row(self) -> dict[str, str]:
        values = {c: getattr(self, c) for c in COLUMNS}
        return {k: v or "" for k, v in values.items()}


def nhs_number(rng: random.Random) -> str:
    """A ten-digit number in the 999 test range whose mod-11 check digit holds."""
    while True:
        body = "999" + "".join(rng.choice(string.digits) for _ in range(6))
        total = sum(int(d) * (10 - i) for i, d in enumerate(body))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check != 10:
            return body + str(check)


def _postcode(rng: random.Random, district: str) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"{district} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"


def _household(rng: random.Random) -> Household:
    town, district = rng.choice(_TOWNS)
    phone = (
        f"01{rng.randint(100, 999)} {rng.randint(100000, 999999)}" if rng.random() < 0.5 else None
    )
    return Household(
        rng.randint(1, 120), rng.choice(_STREETS), town, _postcode(rng, district), phone
    )


_SURNAME_STARTS = (
    "Ash", "Black", "Brad", "Brook", "Car", "Chad", "Cold", "Crans", "Dal", "Dun", "Elm",
    "Fair", "Fen", "Gold", "Green", "Hal", "Hart", "Hol", "Kirk", "Lang", "Lind", "Mar",
    "Mil", "Nor", "Oak", "Pen", "Ram", "Red", "Ros", "Sand", "Shel", "Stan", "Thorn", "Til",
    "Wal", "Whit", "Wick", "Wil", "Win", "York",
)  # fmt: skip
_SURNAME_ENDS = (
    "bury", "by", "combe", "dale", "den", "field", "ford", "gate", "ham", "hurst", "ley",
    "low", "more", "ridge", "stone", "thwaite", "ton", "well", "wick", "wood", "worth",
)  # fmt: skip
_RARE_FAMILIES = [start + end for start in _SURNAME_STARTS for end in _SURNAME_ENDS]
"""About 840 rarer English-looking surnames: most people do not share a family name with a
random stranger (about 1 in 200 do in England), and the model must learn that."""


def _family_name(rng: random.Random) -> str:
    """Zipf-like head (Smith is common, as term frequencies must see) and a long tail."""
    if rng.random() < 0.04:  # double-barrelled: agencies often keep only one part
        return f"{_family_name(rng)}-{_family_name(rng)}"
    if rng.random() < 0.55:
        return rng.choice(_RARE_FAMILIES)
    index = min(int(rng.paretovariate(1.1)) - 1, len(_FAMILIES) - 1)
    return _FAMILIES[index] if rng.random() < 0.15 else rng.choice(_FAMILIES)


def _dob(rng: random.Random, start: int, end: int) -> date:
    return date(start, 1, 1) + timedelta(days=rng.randint(0, (end - start) * 365))


def _person(
    rng: random.Random, pid: str, family: str, dob: date, home: Household, sex: str | None = None
) -> TruePerson:
    sex = sex or rng.choice("MF")
    names = _BOYS if sex == "M" else _GIRLS
    given = rng.choice(names)
    if rng.random() < 0.25:  # a middle name, which some agencies use as the first
        given = f"{given} {rng.choice(names)}"
    return TruePerson(pid, given, family, dob, sex, nhs_number(rng), home)


def population(size: int, seed: int = 1) -> list[TruePerson]:
    """Families at addresses: parents, children, twins, a son named after his father, neighbours."""
    rng = random.Random(seed)
    people: list[TruePerson] = []
    while len(people) < size:
        home = _household(rng)
        family = _family_name(rng)
        mother = _person(rng, f"p{len(people)}", family, _dob(rng, 1965, 2000), home, "F")
        people.append(mother)
        if rng.random() < 0.6:
            father = _person(rng, f"p{len(people)}", family, _dob(rng, 1960, 1998), home, "M")
            people.append(father)
            if rng.random() < 0.08:  # the son has his father's name and lives with him
                son = replace(father, id=f"p{len(people)}", dob=_dob(rng, 1990, 2008),
                              nhs=nhs_number(rng))  # fmt: skip
                people.append(son)
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            child = _person(rng, f"p{len(people)}", family, _dob(rng, 2006, 2024), home)
            people.append(child)
            if rng.random() < 0.04:  # a twin: same birthday, home and family, another name
                people.append(_person(rng, f"p{len(people)}", family, child.dob, home))
        if rng.random() < 0.1:  # next door: same street, same family name, other people
            door = replace(home, number=home.number + 2, phone=None)
            people.append(_person(rng, f"p{len(people)}", family, _dob(rng, 1950, 2020), door))
    return people[:size]


# --------------------------------------------------------------------------- mistakes


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.random()
    if kind < 0.4:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind < 0.7:
        return text[:i] + text[i + 1 :]
    return text[:i] + rng.choice(string.ascii_lowercase) + text[i + 1 :]


def _typo_digit(rng: random.Random, digits: str) -> str:
    i = rng.randrange(len(digits))
    return digits[:i] + str((int(digits[i]) + rng.randint(1, 9)) % 10) + digits[i + 1 :]


def _nickname(rng: random.Random, given: str) -> str:
    """A listed short or alternative form, or a clipped one ("Nat", "Kel") the list lacks."""
    options = sorted(name_variants(given) - {given.lower()})
    if len(given) >= 5 and (not options or rng.random() < 0.3):
        return given[: rng.choice((3, 4))]
    return rng.choice(options).capitalize() if options else given


def _dob_text(rng: random.Random, dob: date) -> str:
    return rng.choice((dob.isoformat(), dob.strftime("%d/%m/%Y"), dob.strftime("%d.%m.%Y"),
                       dob.strftime("%d %b %Y")))  # fmt: skip


def _dob_error(rng: random.Random, dob: date) -> date:
    kind = rng.random()
    if kind < 0.4 and dob.day <= 12 and dob.day != dob.month:
        return date(dob.year, dob.day, dob.month)
    if kind < 0.8:
        return dob + timedelta(days=rng.choice((-1, 1)))
    try:
        return dob.replace(year=dob.year + rng.choice((-1, 1)))
    except ValueError:
        return dob + timedelta(days=1)


def _address_text(rng: random.Random, home: Household) -> tuple[str, str | None]:
    street = home.street
    if rng.random() < 0.3:
        last = street.split()[-1]
        street = street.replace(last, _ABBREVIATE.get(last, last))
    if rng.random() < 0.1:
        street = _typo(rng, street)
    postcode: str | None = home.postcode
    if rng.random() < 0.2:
        postcode = home.postcode.replace(" ", "").lower()
    if rng.random() < 0.15:
        postcode = None
    text = (
        f"{home.number} {street}, {home.town}" if rng.random() > 0.06 else f"{home.number} {street}"
    )
    return text.lower() if rng.random() < 0.2 else text, postcode


def register_record(person: TruePerson, rng: random.Random) -> Record:
    """The register's copy: careful, NHS number usually known, one address."""
    address, postcode = person.home.text().rsplit(", ", 1)
    return Record(
        id=f"r{person.id}",
        true_id=person.id,
        given=person.given,
        family=person.family,
        dob=person.dob.isoformat(),
        sex=person.sex,
        nhs=person.nhs if rng.random() < 0.85 else None,
        address=address,
        postcode=postcode,
        phone=person.home.phone,
    )


def agency_record(person: TruePerson, rng: random.Random, rid: str, error_rate: float) -> Record:
    """Another agency's copy of the same person, with the mistakes agencies make."""
    family, dob, home = person.family, person.dob, person.home
    first, *middle = person.given.split()
    given = person.given if middle and rng.random() < 0.5 else first
    if middle and rng.random() < error_rate * 0.2:
        given = middle[0]  # known by the middle name
    elif rng.random() < error_rate * 0.1:
        given = first[0]  # only an initial was taken down
    elif rng.random() < error_rate:
        given = _nickname(rng, first)
    if "-" in family and rng.random() < 0.4:
        family = rng.choice(family.split("-"))
    if rng.random() < error_rate * 0.6:
        given = _typo(rng, given)
    if rng.random() < error_rate * 0.6:
        family = _typo(rng, family)
    if "'" in family and rng.random() < 0.5:
        family = family.replace("'", "")
    if person.sex == "F" and person.dob.year < 2000 and rng.random() < error_rate * 0.5:
        family = _family_name(rng)  # married or went back to a maiden name
    if rng.random() < error_rate * 0.6:
        dob = _dob_error(rng, dob)
    if rng.random() < error_rate:
        home = _household(rng)  # moved house
    address, postcode = _address_text(rng, home)
    if address and rng.random() < 0.12:  # "Acacia Avenue, Stockton": no house number
        address = address.split(" ", 1)[1]
    if rng.random() < 0.01:  # given and family names entered the wrong way round
        given, family = family, given
    nhs = person.nhs if rng.random() < 0.35 else None
    if nhs and rng.random() < 0.03:  # one digit mistyped, or another person's number
        nhs = _typo_digit(rng, nhs) if rng.random() < 0.7 else nhs_number(rng)
    sex: str | None = person.sex if rng.random() < 0.7 else None
    if sex and rng.random() < 0.01:
        sex = "F" if sex == "M" else "M"
    return Record(
        id=rid,
        true_id=person.id,
        given=given.upper() if rng.random() < 0.2 else given,
        family=family.upper() if rng.random() < 0.2 else family,
        dob=_dob_text(rng, dob) if rng.random() > 0.03 else None,
        sex=sex,
        nhs=nhs,
        address=address if rng.random() > 0.05 else None,
        postcode=postcode,
        phone=home.phone if rng.random() < 0.5 else None,
    )


@dataclass(frozen=True, slots=True)
class LinkageTask:
    """Two files to link and the answer: right record id -> left record id (or none)."""

    left: list[Record]
    right: list[Record]

    def truth(self) -> set[tuple[str, str]]:
        by_person = {r.true_id: r.id for r in self.left}
        return {(by_person[r.true_id], r.id) for r in self.right if r.true_id in by_person}


def linkage_task(
    left_size: int, right_size: int, *, seed: int = 1, error_rate: float = 0.25,
    overlap: float = 0.8,
) -> LinkageTask:  # fmt: skip
    """A register of `left_size` people and an agency extract of `right_size` rows, `overlap`
    of which describe someone on the register."""
    rng = random.Random(seed + 1)
    people = population(left_size + right_size, seed)
    on_register, others = people[:left_size], people[left_size:]
    left = [register_record(p, rng) for p in on_register]
    right = []
    for i in range(right_size):
        person = rng.choice(on_register) if rng.random() < overlap else others[i]
        right.append(agency_record(person, rng, f"a{i}", error_rate))
    return LinkageTask(left, right)


def iter_rows(records: list[Record]) -> Iterator[dict[str, str]]:
    return (record.row() for record in records)
