"""Which of several people above the link threshold links: only one clearly ahead.

The margin is read from match weights (the evidence's bits), not from probabilities, which
round to 1.0 above ~53 bits and would make two strong candidates look tied."""

from __future__ import annotations

import math

from teamaround.linkage import FieldEvidence, PotentialMatch
from teamaround.services.linking import MIN_MARGIN_BITS, unambiguous

PRIOR = -16.0
"""Log2 odds that two records are one person before any field is compared."""


def candidate(person_id: str, *bits: float) -> PotentialMatch:
    evidence = tuple(FieldEvidence("given", "exact", b, "first name the same") for b in bits)
    weight = PRIOR + math.fsum(bits)
    return PotentialMatch(person_id, 2**weight / (1 + 2**weight), evidence)


def test_one_person_above_the_threshold_links() -> None:
    best = candidate("p1", 20.0, 10.0)
    assert unambiguous((best, candidate("p2", 5.0)), 0.95) is best


def test_nobody_above_the_threshold_links_nobody() -> None:
    assert unambiguous((candidate("p1", 18.0),), 0.95) is None


def test_a_runner_up_within_the_thresholds_odds_is_a_question() -> None:
    # 95% against the runner-up needs log2(19) = 4.25 bits; 3 bits is not enough, 5 is
    assert unambiguous((candidate("p1", 30.0), candidate("p2", 27.0)), 0.95) is None
    best = candidate("p1", 30.0)
    assert unambiguous((best, candidate("p2", 25.0)), 0.95) is best


def test_two_people_scored_alike_never_link_however_low_the_threshold() -> None:
    # At 50% the threshold's own margin is 0 bits: a tie would link whichever came first
    father, son = candidate("a1", 17.0), candidate("a2", 17.0)
    assert unambiguous((father, son), 0.5) is None
    near = candidate("a2", 17.0 - MIN_MARGIN_BITS / 2)
    assert unambiguous((father, near), 0.5) is None
    far = candidate("a2", 17.0 - MIN_MARGIN_BITS * 2)
    assert unambiguous((father, far), 0.5) is father


def test_strong_candidates_are_told_apart_by_weight_not_rounded_probability() -> None:
    strong, stronger = candidate("p1", 80.0), candidate("p2", 95.0)
    assert strong.probability == stronger.probability == 1.0
    assert unambiguous((strong, stronger), 0.95) is stronger  # in whichever order given
    assert unambiguous((stronger, strong), 0.95) is stronger
    assert unambiguous((strong, candidate("p2", 82.0)), 0.95) is None
