"""Households: the hand-set household model against one Splink trains on the files.

    .venv/bin/python bench/households.py --people 50000 --descriptions 10000

Invented register households (the homes of `--people` invented people) and agency
descriptions of addresses (`linkage.synthetic`'s renderings: abbreviated or mistyped streets,
postcodes without a space or missing, no town, a fifth without a house number), four fifths
of them homes on the register and one fifth homes that are not (a neighbour's door is not
the child's). The trained model is estimated by `linkage.household_model.train_households`
from another seed's register and extract files, as `teamaround model train` does. Both
models decide as the share path does (`services.linking._household`: 0.95 to link, 0.5 to
review, two doors alike or a street with no door to review).
Reported per model: right links, wrong links, offered for review, nothing, and time.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections import Counter
from datetime import date

from rich.console import Console
from rich.table import Table

from teamaround.linkage.household_model import address_texts, train_households
from teamaround.linkage.matcher import (
    HOUSEHOLD_M_U,
    LINK_THRESHOLD,
    REVIEW_THRESHOLD,
    HouseholdMU,
    RegisterAddress,
    ScoringMatcher,
)
from teamaround.linkage.standardise import standard_address
from teamaround.linkage.synthetic import (
    Household,
    _address_text,
    iter_rows,
    linkage_task,
    population,
)
from teamaround.services.linking import Thresholds, _household

Key = tuple[int, str, str, str]
LIMITS = Thresholds(link=LINK_THRESHOLD, review=REVIEW_THRESHOLD)


def _key(home: Household) -> Key:
    return home.number, home.street, home.town, home.postcode


def _descriptions(
    homes: list[Household], outside: list[Household], count: int, seed: int
) -> list[tuple[str, Key | None]]:
    rng = random.Random(seed)
    described: list[tuple[str, Key | None]] = []
    for i in range(count):
        on_register = i % 5 != 4
        home = rng.choice(homes if on_register else outside)
        address, postcode = _address_text(rng, home)
        if rng.random() < 0.2:  # "Acacia Avenue, Stockton": no house number
            address = address.split(" ", 1)[1]
        text = f"{address}, {postcode}" if postcode else address
        described.append((text, _key(home) if on_register else None))
    return described


def _judge(
    m_u: HouseholdMU, homes: list[Household], described: list[tuple[str, Key | None]]
) -> tuple[Counter[str], float]:
    ids = {_key(home): str(i) for i, home in enumerate(homes)}
    addresses = [RegisterAddress(ids[_key(home)], home.text()) for home in homes]
    matcher = ScoringMatcher(addresses=addresses, today=date(2026, 11, 27), households=m_u)
    outcome: Counter[str] = Counter()
    started = time.perf_counter()
    for text, truth in described:
        linked, review = _household(matcher.match_address(text), LIMITS, {})
        right = ids.get(truth) if truth else None
        door = "" if standard_address(text).number else " (no door number)"
        if linked is not None:
            outcome[("right link" if linked.address_id == right else "wrong link") + door] += 1
        elif review is not None:
            outcome[("review, right door first" if review.address_id == right
                     else "review, another door first") + door] += 1  # fmt: skip
        else:
            outcome[("nothing (on the register)" if right else "nothing (not on it)") + door] += 1
    return outcome, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--descriptions", type=int, default=10_000)
    parser.add_argument("--train-register", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    console = Console()

    started = time.perf_counter()
    task = linkage_task(args.train_register, args.train_register // 2, seed=7)
    trained = train_households(address_texts(iter_rows(task.left)),
                               address_texts(iter_rows(task.right)))  # fmt: skip
    console.print(f"trained on {trained.facts['left_addresses']:,} + "
                  f"{trained.facts['right_addresses']:,} addresses in "
                  f"{time.perf_counter() - started:.1f}s; hand-set levels kept: "
                  f"{', '.join(trained.facts['hand_set_levels']) or 'none'}")  # fmt: skip

    people = population(args.people * 2, args.seed)
    homes = list({_key(p.home): p.home for p in people[: args.people]}.values())
    registered = {_key(h) for h in homes}
    outside = list({_key(p.home): p.home for p in people[args.people :]
                    if _key(p.home) not in registered}.values())  # fmt: skip
    described = _descriptions(homes, outside, args.descriptions, args.seed)
    elsewhere = sum(1 for _, truth in described if truth is None)
    console.print(f"{len(homes):,} register households, {len(described):,} descriptions "
                  f"({elsewhere:,} of homes not on it)")  # fmt: skip

    models = {"hand-set": HOUSEHOLD_M_U, "trained": trained.m_u}
    results = {name: _judge(m_u, homes, described) for name, m_u in models.items()}
    table = Table(title="Households: what each model does with the same descriptions")
    table.add_column("outcome")
    for name in results:
        table.add_column(name, justify="right")
    outcomes = sorted({o for counts, _ in results.values() for o in counts})
    for outcome in outcomes:
        table.add_row(outcome, *(f"{counts[outcome]:,}" for counts, _ in results.values()))
    table.add_row("seconds", *(f"{seconds:.1f}" for _, seconds in results.values()))
    console.print(table)

    weights = Table(title="Bits per level")
    weights.add_column("level")
    for name in results:
        weights.add_column(name, justify="right")
    for field_name, levels in HOUSEHOLD_M_U.items():
        for level in levels:
            row = [math.log2(m / u) for m, u in (HOUSEHOLD_M_U[field_name][level],
                                                  trained.m_u[field_name][level])]  # fmt: skip
            weights.add_row(f"{field_name} {level}", *(f"{bits:+.2f}" for bits in row))
    console.print(weights)


if __name__ == "__main__":
    main()
