"""The household model: trained by Splink with the share path's own level functions, stored
in the model file, used by the matcher; and a household links only on a confirmed door."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from teamaround.linkage import (
    HOUSEHOLD_M_U,
    AddressMatch,
    FieldEvidence,
    RegisterAddress,
    ScoringMatcher,
    confirmed_door,
)
from teamaround.linkage.household_model import address_texts, train_households
from teamaround.linkage.model import Model, load_model
from teamaround.linkage.realtime import ModelMatcher
from teamaround.linkage.synthetic import iter_rows, linkage_task
from teamaround.services.linking import Thresholds, _household

TODAY = date(2026, 11, 27)
HOME = RegisterAddress("h1", "12 Acacia Avenue, Stockton-on-Tees, TS18 1AB")
LIMITS = Thresholds(link=0.95, review=0.5)

# A household model as a partnership's files might train it: a street in its postcode is
# strong, and a missing house number says nothing either way.
GENEROUS = {
    "street": {**HOUSEHOLD_M_U["street"], "street_postcode": (0.99, 1e-6)},
    "number": {**HOUSEHOLD_M_U["number"], "missing": (0.12, 0.12)},
    "flat": HOUSEHOLD_M_U["flat"],
}


@pytest.fixture(scope="module")
def trained() -> object:
    task = linkage_task(3000, 1500, seed=5)
    left, right = address_texts(iter_rows(task.left)), address_texts(iter_rows(task.right))
    return train_households(left, right, max_pairs=2e5, seed=1)


def test_training_estimates_what_the_files_show(trained) -> None:
    m_u = trained.m_u
    assert set(m_u) == set(HOUSEHOLD_M_U)
    for name, levels in HOUSEHOLD_M_U.items():
        assert list(m_u[name]) == list(levels)
    bits = {(n, lv): math.log2(m / u) for n, levels in m_u.items() for lv, (m, u) in levels.items()}
    assert bits["street", "street_postcode"] > 10  # one street in one postcode: strong
    assert bits["number", "agree"] > 2
    assert bits["number", "differs"] < -5
    assert bits["street", "different"] < -5
    # invented homes have no flats: those levels keep their hand-set values, and say so
    assert m_u["flat"] == HOUSEHOLD_M_U["flat"]
    assert {"flat.agree", "flat.differs"} <= set(trained.facts["hand_set_levels"])
    assert "street.street_postcode" not in trained.facts["hand_set_levels"]
    assert trained.facts["left_addresses"] > 500


def test_the_model_file_keeps_the_households_and_the_matcher_uses_them(
    trained, tmp_path: Path
) -> None:
    model = replace(load_model(), households=trained.m_u)
    model.save(tmp_path / "m.json")
    again = load_model(tmp_path / "m.json")
    assert again.households == {n: dict(levels) for n, levels in trained.m_u.items()}
    matcher = ModelMatcher(addresses=[HOME], model=again, today=TODAY)
    (found,) = matcher.match_address("12 acacia ave stockton ts181ab")
    m, u = trained.m_u["street"]["street_postcode"]
    street = next(e for e in found.evidence if e.field == "street")
    assert street.level == "street_postcode" and street.weight == pytest.approx(math.log2(m / u))


def test_a_model_file_without_households_keeps_the_hand_set_ones(tmp_path: Path) -> None:
    data = load_model().to_json()
    del data["households"]
    assert Model.from_json(data).households == HOUSEHOLD_M_U
    data["households"] = {"street": [{"level": "exact", "m": 0.9, "u": 0.1}]}
    with pytest.raises(ValueError, match="household levels for street"):
        Model.from_json(json.loads(json.dumps(data)))


def _match(street: str, number: str, flat: str = "missing") -> AddressMatch:
    evidence = tuple(
        FieldEvidence(name, level, 1.0, "")
        for name, level in (("street", street), ("number", number), ("flat", flat))
    )
    return AddressMatch("h1", 0.99, evidence)


@pytest.mark.parametrize(
    ("street", "number", "flat", "confirmed"),
    [
        ("street_postcode", "agree", "missing", True),
        ("street_town", "agree", "missing", True),
        ("street_postcode", "missing", "agree", True),  # "Flat 3, Rose Court, TS18 1AB"
        ("street_postcode", "missing", "missing", False),
        ("street_only", "agree", "agree", False),  # "Flat 3, 12 Acacia Avenue": which town?
        ("postcode_only", "agree", "agree", False),
        ("different", "agree", "missing", False),
    ],
)
def test_only_a_door_in_its_place_is_confirmed(
    street: str, number: str, flat: str, confirmed: bool
) -> None:
    assert confirmed_door(_match(street, number, flat)) is confirmed


def test_a_street_with_no_door_is_for_review_however_strong_its_weights() -> None:
    matcher = ScoringMatcher(addresses=[HOME], today=TODAY, households=GENEROUS)
    (doorless,) = matcher.match_address("Acacia Avenue, Stockton-on-Tees, TS18 1AB")
    assert doorless.probability >= LIMITS.link  # the weights alone would link it
    assert _household([doorless], LIMITS, {}) == (None, doorless)
    (door,) = matcher.match_address("12 Acacia Ave, Stockton, TS18 1AB")
    assert _household([door], LIMITS, {}) == (door, None)


def test_the_rule_holds_back_from_the_hand_set_model_only_a_door_without_its_place() -> None:
    """Of the level combinations the hand-set weights would link, the rule sends to review only
    a door named without its town or postcode (street, number and flat agreeing)."""
    from teamaround.linkage.matcher import ADDRESS_PRIOR, household_weights

    weights = household_weights(HOUSEHOLD_M_U)
    prior = math.log2(ADDRESS_PRIOR / (1 - ADDRESS_PRIOR))
    link = math.log2(LIMITS.link / (1 - LIMITS.link))
    held_back = []
    for street in HOUSEHOLD_M_U["street"]:
        for number in HOUSEHOLD_M_U["number"]:
            for flat in (*HOUSEHOLD_M_U["flat"], "missing"):
                bits = weights["street", street] + weights["number", number]
                bits += weights["flat", flat]
                if prior + bits >= link and not confirmed_door(_match(street, number, flat)):
                    held_back.append((street, number, flat))
    assert held_back == [("street_only", "agree", "agree")]
