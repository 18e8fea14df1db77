"""Scoring a whole block with numpy gives `score_levels`'s levels and weights to the bit.

`score_levels` is held equal to Splink's `score_pairs` in test_linkage_model.py, so the block
scorer the share path uses for large blocks is, through it, equal to Splink too.
"""

from __future__ import annotations

import random
from datetime import date

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from policy_models import estimated_policies_model
from rapidfuzz.distance import Levenshtein

import teamaround.linkage.realtime as realtime
from teamaround.domain.identity import Identity
from teamaround.linkage.blockscore import (
    _digits,
    _one_digit_out,
    _patterns_of_rows,
    comparison_levels,
    level_weights,
    match_weights,
    upper_bounds,
)
from teamaround.linkage.matcher import RegisterPerson
from teamaround.linkage.model import COMPARISONS, probability
from teamaround.linkage.realtime import ModelMatcher, blocking_keys, query_features
from teamaround.linkage.synthetic import Record, linkage_task

TODAY = date(2025, 6, 1)


def _person(r: Record) -> RegisterPerson:
    address = ", ".join(x for x in (r.address, r.postcode) if x)
    born = date.fromisoformat(r.dob or "")
    homes = (address,) if address else ()
    return RegisterPerson(r.id, r.given or "", r.family or "", born, r.sex, r.nhs, r.phone,
                          addresses=homes)  # fmt: skip


def _identity(r: Record) -> Identity:
    address = ", ".join(x for x in (r.address, r.postcode) if x) or None
    return Identity(given=r.given, family=r.family, dob=r.dob, nhs=r.nhs, address=address,
                    phone=r.phone, sex=r.sex)  # fmt: skip


@pytest.fixture(scope="module", params=["shipped", "policies-estimated"])
def task_and_matcher(request: pytest.FixtureRequest) -> tuple[list[Record], ModelMatcher]:
    """The shipped model, and one whose household policy levels EM estimated."""
    task = linkage_task(1500, 300, seed=17, error_rate=0.5)
    model = estimated_policies_model() if request.param == "policies-estimated" else None
    matcher = ModelMatcher([_person(r) for r in task.left], model=model, today=TODAY,
                           prior=1 / 1500)  # fmt: skip
    return task.right, matcher


def test_block_levels_and_weights_equal_pair_by_pair(
    task_and_matcher: tuple[list[Record], ModelMatcher],
) -> None:
    extract, matcher = task_and_matcher
    index = matcher.index
    rng = random.Random(5)
    pairs = 0
    seen: set[tuple[str, int]] = set()
    for record in extract:
        query = query_features(_identity(record), TODAY)
        block = set(index.candidates(blocking_keys(query, query=True)))
        block |= {rng.randrange(index.row_count) for _ in range(15)}  # non-candidates too
        rows = np.array(sorted(block), dtype=np.int32)
        levels = comparison_levels(index.store, query, rows, lambda r: index.row(r).features)
        weights = match_weights(
            matcher.model, levels, level_weights(matcher.model, query, index.term_frequency)
        )
        for position, row_id in enumerate(rows.tolist()):
            weight, scored = matcher.score(query, index.row(row_id))
            assert weights[position] == weight  # bit for bit, not approximately
            for s in scored:
                assert levels[s.comparison.field][position] == s.index
                seen.add((s.comparison.field, s.index))
            pairs += 1
    assert pairs >= 3000
    assert len(seen) >= 28  # most levels of every comparison were exercised
    assert {c.field for c in COMPARISONS} == {field for field, _ in seen}


def test_numpy_and_pairwise_paths_give_the_same_matches(
    task_and_matcher: tuple[list[Record], ModelMatcher],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    extract, matcher = task_and_matcher
    identities = [_identity(r) for r in extract[:150]]
    monkeypatch.setattr(realtime, "SMALL_BLOCK", 10**9)
    pairwise = [matcher.match_person(i) for i in identities]
    monkeypatch.setattr(realtime, "SMALL_BLOCK", 0)
    vectorised = [matcher.match_person(i) for i in identities]
    assert vectorised == pairwise
    assert sum(len(m) for m in pairwise) >= 100


def test_index_update_and_removal_keep_the_block_scorer_in_step() -> None:
    matcher = ModelMatcher(today=TODAY)
    for n in range(40):  # one large block: every row shares a postcode
        matcher.add_person(
            RegisterPerson(f"p{n}", f"Name{n}", "Smith", date(2010, 1, 1 + n % 28),
                           addresses=(f"{n + 1} Mill Lane, Luton, LU1 5QR",))
        )  # fmt: skip
    matcher.add_person(RegisterPerson("p7", "Zofia", "Kowalski", date(2009, 5, 6)))
    matcher.remove_person("p8")
    found = matcher.match_person(Identity(given="Name7", family="Smith", dob="2010-01-08",
                                          address="8 Mill Lane, Luton, LU1 5QR"))  # fmt: skip
    assert "p7" not in {m.person_id for m in found}
    assert "p8" not in {m.person_id for m in found}
    again = matcher.match_person(Identity(given="Zofia", family="Kowalski", dob="2009-05-06"))
    assert [m.person_id for m in again] == ["p7"]


def test_upper_bounds_never_fall_below_the_full_score(
    task_and_matcher: tuple[list[Record], ModelMatcher],
) -> None:
    """The share path drops rows whose bound is below its floor before scoring them, so the
    bound must hold for every row: candidates, and random rows that share nothing."""
    extract, matcher = task_and_matcher
    index = matcher.index
    rng = random.Random(9)
    checked = pruned = 0
    for record in extract:
        query = query_features(_identity(record), TODAY)
        block = set(index.candidates(blocking_keys(query, query=True)))
        block |= {rng.randrange(index.row_count) for _ in range(15)}
        rows = np.array(sorted(block), dtype=np.int32)
        tables = level_weights(matcher.model, query, index.term_frequency)
        levels = comparison_levels(index.store, query, rows, lambda r: index.row(r).features)
        weights = match_weights(matcher.model, levels, tables)
        bounds = upper_bounds(index.store, query, rows, tables, matcher.model.prior_weight)
        assert np.all(bounds >= weights - 1e-9)
        at_floor = upper_bounds(index.store, query, rows, tables, matcher.model.prior_weight, 0.0)
        assert np.all(at_floor >= weights - 1e-9)
        checked += len(rows)
        pruned += int(np.sum(bounds < 0))
    assert checked >= 3000
    assert pruned >= checked // 10  # tight enough to spare work even with a small prior


@pytest.mark.parametrize("floor", [0.5, 0.95])
def test_pruning_keeps_every_person_at_or_above_the_floor(
    task_and_matcher: tuple[list[Record], ModelMatcher],
    monkeypatch: pytest.MonkeyPatch,
    floor: float,
) -> None:
    extract, matcher = task_and_matcher
    monkeypatch.setattr(realtime, "SMALL_BLOCK", 0)  # every block through numpy
    monkeypatch.setattr(realtime, "PRUNE_FROM", 0)  # and pruned
    for record in extract:
        query = query_features(_identity(record), TODAY)
        everyone = matcher._best_rows(query, 0.0)
        expected = {p for p, (w, _, _) in everyone.items() if probability(w) >= floor}
        kept = matcher._best_rows(query, floor)
        assert {p for p, (w, _, _) in kept.items() if probability(w) >= floor} == expected
        assert all(kept[p][0] == everyone[p][0] for p in expected)


@given(st.dates(), st.dates())
def test_a_date_a_digit_out_is_one_edit_of_its_iso_text(a: date, b: date) -> None:
    """The bound's digit test is model's off-by-one edit test on ISO dates (equal lengths)."""
    one_edit = Levenshtein.distance(a.isoformat(), b.isoformat()) == 1
    assert _one_digit_out(_digits(a.isoformat()), _digits(b.isoformat())) == one_edit


@given(st.dates(), st.integers(0, 7), st.integers(0, 9))
def test_one_changed_digit_is_a_digit_out(day: date, position: int, digit: int) -> None:
    text = day.isoformat().replace("-", "")
    changed = text[:position] + str(digit) + text[position + 1 :]
    assert _one_digit_out(int(text), int(changed)) == (changed != text)


def test_the_bound_is_compiled_with_the_index_not_at_the_first_query(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The matcher compiles the bound's pass for the very types a query passes it: a query
    adds no second compilation (which would cost the first caller ~1 s)."""
    monkeypatch.setattr(realtime, "SMALL_BLOCK", 0)  # every block through numpy
    monkeypatch.setattr(realtime, "PRUNE_FROM", 0)  # and bounded
    task = linkage_task(300, 40, seed=5)
    matcher = ModelMatcher((_person(r) for r in task.left), today=TODAY)
    compiled = list(_patterns_of_rows.signatures)
    assert compiled
    for record in task.right:
        matcher.match_person(_identity(record))
    assert list(_patterns_of_rows.signatures) == compiled
