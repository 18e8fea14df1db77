"""The household model, trained by Splink as the person model is.

"Is this described address this register household" has three comparisons (street within
its place, house number, flat) whose levels are the share path's own Python functions
(`matcher.HOUSEHOLD_LEVEL_OF`). Splink runs them on DuckDB as functions registered on its
connection, so training and matching cannot disagree on a level; no SQL copy of them exists
to drift. Over the distinct addresses of the two files, Splink estimates u by random sampling
and m by EM in three blocking passes, each leaving out the comparison its rule conditions on:
one postcode (trains number and flat); one house number and a street's first letters within
a postcode district, then within a town (train street and flat: the town pass sees the
addresses given without a postcode). A level no pass observed keeps its hand-set value
(`HOUSEHOLD_M_U`), and the facts say so. The prior is not trained: a described address is
matched against the households its keys find, whatever the files' proportion. Whatever the
weights, only a confirmed door links by itself (`matcher.confirmed_door`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pandas as pd

from teamaround.linkage.matcher import HOUSEHOLD_LEVEL_OF, HOUSEHOLD_M_U, HouseholdMU
from teamaround.linkage.standardise import (
    StandardAddress,
    address_with_postcode,
    standard_address,
    standard_postcode,
)

_PLACES = "|"

# Each pass leaves out the comparisons that read the columns its rule conditions on.
_EM_PASSES = (
    "l.postcode = r.postcode",
    "l.number = r.number AND l.street_start = r.street_start AND l.pc_district = r.pc_district",
    "l.number = r.number AND l.street_start = r.street_start AND l.town = r.town",
)


@dataclass(frozen=True, slots=True)
class TrainedHouseholds:
    """The household m and u, and what training saw."""

    m_u: HouseholdMU
    facts: Mapping[str, Any]


def address_texts(rows: Iterable[Mapping[str, str]]) -> list[str]:
    """Each record's address as the share path receives it (postcode appended when the file
    keeps it apart), once per distinct text; records with no address give none."""
    texts: dict[str, None] = {}
    for row in rows:
        address = (row.get("address") or "").strip()
        text = address_with_postcode(address, (row.get("postcode") or "").strip())
        if address and text:
            texts[text] = None
    return list(texts)


def address_frame(texts: Iterable[str]) -> pd.DataFrame:
    """One row per address: the standardised parts the household levels read."""
    rows = []
    for i, text in enumerate(texts):
        a = standard_address(text)
        rows.append(
            {
                "unique_id": str(i),
                "street": a.street,
                "street_start": a.street[:3] if a.street else None,
                "places": _PLACES.join(a.places) if a.places else None,
                "town": a.town,
                "postcode": str(a.postcode) if a.postcode else None,
                "pc_district": a.postcode.district if a.postcode else None,
                "number": a.number,
                "flat": a.flat,
            }
        )
    return pd.DataFrame(rows, columns=_COLUMNS, dtype=object)


_COLUMNS = ["unique_id", "street", "street_start", "places", "town", "postcode", "pc_district",
            "number", "flat"]  # fmt: skip


@lru_cache(maxsize=200_000)
def _address(
    street: str | None, places: str | None, postcode: str | None, number: str | None,
    flat: str | None,
) -> StandardAddress:  # fmt: skip
    return StandardAddress(
        flat=flat,
        number=number,
        street=street,
        places=tuple(places.split(_PLACES)) if places else (),
        postcode=standard_postcode(postcode),
    )


def _level_function(name: str) -> Any:
    level_of = HOUSEHOLD_LEVEL_OF[name]

    def level(  # DuckDB reads the parameters off the signature: one per column
        street_l: str | None, places_l: str | None, postcode_l: str | None,
        number_l: str | None, flat_l: str | None,
        street_r: str | None, places_r: str | None, postcode_r: str | None,
        number_r: str | None, flat_r: str | None,
    ) -> str:  # fmt: skip
        return level_of(
            _address(street_l, places_l, postcode_l, number_l, flat_l),
            _address(street_r, places_r, postcode_r, number_r, flat_r),
        )

    return level


_PARTS = ("street", "places", "postcode", "number", "flat")


def _call(name: str) -> str:
    """The SQL calling a comparison's level function; it names only the columns that
    comparison reads, so Splink knows which blocking rules condition on it."""
    reads = {"street": ("street", "places", "postcode"), "number": ("number",), "flat": ("flat",)}
    args = [f"{part}_{side}" if part in reads[name] else "NULL" for side in "lr" for part in _PARTS]
    return f"household_{name}({', '.join(args)})"


def _comparisons() -> list[dict[str, Any]]:
    comparisons = []
    for name, levels in HOUSEHOLD_M_U.items():
        named = list(levels)
        comparison_levels: list[dict[str, Any]] = []
        if name == "flat":  # a flat on at most one side weighs nothing: Splink's null level
            comparison_levels.append(
                {"sql_condition": f"{_call(name)} = 'missing'", "is_null_level": True}
            )
        for level in named[:-1]:
            comparison_levels.append(
                {"sql_condition": f"{_call(name)} = '{level}'", "label_for_charts": level}
            )
        comparison_levels.append({"sql_condition": "ELSE", "label_for_charts": named[-1]})
        comparisons.append({"output_column_name": name, "comparison_levels": comparison_levels})
    return comparisons


def _connection() -> Any:
    import duckdb
    from duckdb.func import SPECIAL
    from duckdb.sqltypes import VARCHAR

    connection = duckdb.connect()
    for name in HOUSEHOLD_M_U:  # SPECIAL: a missing part reaches the function as None
        connection.create_function(
            f"household_{name}", _level_function(name), [VARCHAR] * 10, VARCHAR,
            null_handling=SPECIAL,
        )  # fmt: skip
    return connection


def train_households(
    left: list[str], right: list[str], *, max_pairs: float = 1e6, seed: int = 42
) -> TrainedHouseholds:
    """Estimate the household m and u from the addresses of two files."""
    from splink import DuckDBAPI, Linker

    # A street or a number missing is evidence here, not a null level: Splink need not say so.
    logging.getLogger("splink.internals.settings").setLevel(logging.ERROR)
    frames = [address_frame(texts) for texts in (left, right)]
    api = DuckDBAPI(connection=_connection())
    tables = [api.register(frame, table_name=f"h{i}") for i, frame in enumerate(frames)]
    settings = {
        "link_type": "link_only",
        "probability_two_random_records_match": 1e-4,
        "comparisons": _comparisons(),
        "blocking_rules_to_generate_predictions": [],
    }
    linker = Linker(tables, settings)
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    for rule in _EM_PASSES:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    saved = linker.misc.save_model_to_json()
    m_u: dict[str, dict[str, tuple[float, float]]] = {}
    hand_set: list[str] = []
    for comparison in saved["comparisons"]:
        name = comparison["output_column_name"]
        m_u[name] = {}
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            label = level["label_for_charts"]
            if "m_probability" in level and "u_probability" in level:
                m_u[name][label] = (float(level["m_probability"]), float(level["u_probability"]))
            else:
                m_u[name][label] = HOUSEHOLD_M_U[name][label]
                hand_set.append(f"{name}.{label}")
    facts = {
        "left_addresses": len(left),
        "right_addresses": len(right),
        "splink_max_pairs": max_pairs,
        "em_blocking": list(_EM_PASSES),
        "hand_set_levels": hand_set,
    }
    return TrainedHouseholds(m_u=m_u, facts=facts)
