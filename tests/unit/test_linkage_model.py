"""The trained model: its file, its levels, and weights equal to Splink's for the same pairs."""

from __future__ import annotations

import gc
import math
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from policy_models import estimated_policies_model

from teamaround.domain.identity import Identity
from teamaround.linkage.batch import _register, feature_frame, features_of
from teamaround.linkage.features import Features, record_features
from teamaround.linkage.matcher import RegisterPerson
from teamaround.linkage.model import (
    COMPARISONS,
    Model,
    level_index,
    load_model,
    match_weight,
    score_levels,
    splink_settings,
)
from teamaround.linkage.realtime import ModelMatcher
from teamaround.linkage.synthetic import linkage_task

TODAY = date(2025, 6, 1)
MODEL = load_model()


def test_shipped_model_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    MODEL.save(path)
    assert load_model(path) == MODEL
    assert 0 < MODEL.prior < 1


def test_model_file_must_match_the_code_levels(tmp_path: Path) -> None:
    data = MODEL.to_json()
    data["comparisons"]["dob"][0]["level"] = "renamed"
    with pytest.raises(ValueError, match="dob"):
        Model.from_json(data)


def test_policy_levels_keep_their_fixed_m() -> None:
    for comparison in COMPARISONS:
        for level, params in zip(
            comparison.levels, MODEL.parameters[comparison.field], strict=True
        ):
            if level.fixed_m is not None:
                assert params.m == pytest.approx(level.fixed_m)
            if level.fixed_u is not None:
                assert params.u == pytest.approx(level.fixed_u)


def test_evidence_orders_as_a_person_would() -> None:
    def weight(field: str, level: str) -> float:
        comparison = next(c for c in COMPARISONS if c.field == field)
        names = [lv.name for lv in comparison.levels]
        return MODEL.parameters[field][names.index(level)].weight

    assert weight("dob", "exact") > weight("dob", "off_by_one") > 0 > weight("dob", "different")
    assert weight("nhs", "exact") > 10 > 0 > weight("nhs", "different")
    assert weight("given", "exact") > weight("given", "nickname") > 0 > weight("given", "different")
    assert weight("address", "door_postcode") > weight("address", "other_door")


SLIPS: list[tuple[dict[str, str], dict[str, str], str, str]] = [
    # a first name that is not a name, close to the register's: a slip, not a twin
    ({"given": "Cno"}, {"given": "Connor"}, "given", "unrecognised"),
    ({"given": "Liqia"}, {"given": "Olivia"}, "given", "unrecognised"),
    # known by a middle name, mistyped
    ({"given": "Sacey"}, {"given": "Evie Stacey"}, "given", "middle_name"),
    # names the wrong way round, one of them mistyped or cut to an initial
    ({"given": "Nwak", "family": "Ronnie"}, {"given": "Ronnie", "family": "Nowak"},
     "given", "swapped"),
    ({"given": "Nwak", "family": "Ronnie"}, {"given": "Ronnie", "family": "Nowak"},
     "family", "swapped"),
    ({"given": "Riley", "family": "Z"}, {"given": "Zara", "family": "Riley"}, "given", "swapped"),
    # the year one out, day and month right
    ({"dob": "2009-09-14"}, {"dob": "2010-09-14"}, "dob", "year_slip"),
    # two real names stay two people (twins), however close
    ({"given": "Timmy"}, {"given": "Tommy"}, "given", "different"),
]  # fmt: skip
"""The levels added in default-v3 for the slips the first model missed (ADR 0003)."""


def test_slip_levels_are_the_same_in_python_numpy_and_splink() -> None:
    from splink import Linker

    from teamaround.linkage.blockscore import ColumnStore, comparison_levels

    lefts = [record_features(**left) for left, *_ in SLIPS]
    rights = [record_features(**right) for _, right, *_ in SLIPS]
    rows = [{"id": f"l{i}", **left} for i, (left, *_) in enumerate(SLIPS)]
    others = [{"id": f"r{i}", **right} for i, (_, right, *_) in enumerate(SLIPS)]
    frames = [feature_frame(x) for x in (rows, others)]
    _, tables = _register("duckdb", [frames[0].iloc[:1]])
    linker = Linker(tables, splink_settings("duckdb", MODEL, link_type="dedupe_only"))
    scored = linker.inference.score_pairs(
        frames[0].to_dict("records"), frames[1].to_dict("records")
    ).as_pandas_dataframe()
    gamma = {(r["unique_id_l"], r["unique_id_r"]): r for r in scored.to_dict("records")}
    for i, (_, _, field, level) in enumerate(SLIPS):
        comparison = next(c for c in COMPARISONS if c.field == field)
        expected = len(comparison.levels) - 1 - [lv.name for lv in comparison.levels].index(level)
        assert level_index(comparison, lefts[i], rights[i]) == expected
        assert gamma[(f"l{i}", f"r{i}")][f"gamma_{field}"] == expected
        store = ColumnStore()
        stored = store.put(0, rights[i], 0)
        found = comparison_levels(
            store, lefts[i], np.array([0], dtype=np.int32), lambda _, row=stored: row
        )
        assert int(found[field][0]) == expected


@pytest.mark.parametrize(
    ("left", "right", "field", "level"),
    [
        ({"given": "Kelly"}, {"given": "Kel"}, "given", "nickname"),
        ({"given": "Robert"}, {"given": "Bob"}, "given", "nickname"),
        ({"given": "Jack"}, {"given": "Jake"}, "given", "different"),
        ({"given": "Natasha", "family": "Pryce"}, {"given": "Pryce", "family": "Natasha"},
         "given", "swapped"),
        ({"family": "O'Brien"}, {"family": "OBRIEN"}, "family", "exact"),
        ({"family": "Shah-Mistry"}, {"family": "Mistry"}, "family", "partial"),
        ({"family": "Johnson"}, {"family": "Johson"}, "family", "fuzzy"),
        ({"dob": "1993-04-08"}, {"dob": "08/04/1993"}, "dob", "exact"),
        ({"dob": "1993-04-08"}, {"dob": "1993-08-04"}, "dob", "transposed"),
        ({"dob": "1993-04-08"}, {"dob": "1993-04-09"}, "dob", "off_by_one"),
        ({"nhs": "999 526 0182"}, {"nhs": "9995260182"}, "nhs", "exact"),
        ({"address": "12 Acacia Ave, Stockton TS18 1AB"},
         {"address": "12 Acacia Avenue, Stockton-on-Tees, TS18 1AB"}, "address", "door_postcode"),
        ({"address": "14 Acacia Avenue, Stockton"}, {"address": "12 Acacia Ave, Stockton"},
         "address", "other_door"),
        ({"sex": "male"}, {"sex": "F"}, "sex", "different"),
    ] + [case[:4] for case in SLIPS],
)  # fmt: skip
def test_levels_read_as_expected(
    left: dict[str, str], right: dict[str, str], field: str, level: str
) -> None:
    comparison = next(c for c in COMPARISONS if c.field == field)
    index = level_index(comparison, record_features(**left), record_features(**right))
    assert comparison.levels[len(comparison.levels) - 1 - index].name == level


def test_missing_on_either_side_is_the_null_level() -> None:
    for comparison in COMPARISONS:
        assert (
            level_index(comparison, Features(), record_features(given="Ann", dob="2000-1-1")) == -1
        )


def _with_tf(frame, tf):  # type: ignore[no-untyped-def]
    for column in ("given", "family", "postcode"):
        frame[f"tf_{column}"] = frame[column].map(lambda v, c=column: tf[c].get(v))
    return frame


@pytest.mark.parametrize("model", [MODEL, estimated_policies_model()],
                         ids=["shipped", "policies-estimated"])  # fmt: skip
def test_weights_equal_splinks_for_thousands_of_pairs(model: Model) -> None:
    """Same model, same pairs, same term frequencies: our weight is Splink's to 1e-9 bits."""
    from splink import Linker

    task = linkage_task(400, 120, seed=11, error_rate=0.5)
    by_truth = {r.true_id: r for r in task.left}
    right = [r.row() for r in task.right[:60]]
    left = [by_truth[r.true_id].row() for r in task.right[:60] if r.true_id in by_truth]
    left += [r.row() for r in task.left[: 60 - len(left) + 20]]
    features = {row["id"]: features_of(row) for row in left + right}
    tf = {
        c: {k: n / len(features) for k, n in Counter(
            getattr(f, c) for f in features.values() if getattr(f, c)).items()}
        for c in ("given", "family", "postcode")
    }  # fmt: skip
    frames = [_with_tf(feature_frame(rows), tf) for rows in (left, right)]
    _, tables = _register("duckdb", [frames[0].iloc[:3]])
    linker = Linker(tables, splink_settings("duckdb", model, link_type="dedupe_only"))
    scored = linker.inference.score_pairs(
        frames[0].to_dict("records"), frames[1].to_dict("records")
    ).as_pandas_dataframe()
    assert len(scored) >= 3000
    seen: set[tuple[str, int]] = set()
    for row in scored.to_dict("records"):
        l, r = features[row["unique_id_l"]], features[row["unique_id_r"]]  # noqa: E741
        levels = score_levels(model, l, r, tf)
        assert match_weight(model, levels) == pytest.approx(row["match_weight"], abs=1e-9)
        for level in levels:
            assert level.index == row[f"gamma_{level.comparison.field}"]
            seen.add((level.comparison.field, level.index))
    assert len(seen) >= 25  # most levels of every comparison were exercised


# --------------------------------------------------------------------------- real-time index


def _person(pid: str, given: str, family: str, **kw: object) -> RegisterPerson:
    return RegisterPerson(pid, given, family, **kw)  # type: ignore[arg-type]


def test_the_build_pauses_cycle_collection_and_always_restores_it() -> None:
    seen: list[bool] = []

    class Spy:  # a register person that notes whether the cycle collector runs as it is read
        id, family, aliases, addresses = "p1", "Marsh", (), ()
        dob = nhs = phone = sex = None

        @property
        def given(self) -> str:
            seen.append(gc.isenabled())
            return "Dean"

    assert gc.isenabled()
    ModelMatcher([Spy()], today=date(2026, 11, 27))  # type: ignore[list-item]
    assert seen == [False] and gc.isenabled()
    with pytest.raises(AttributeError):  # a person the index cannot read: the build fails
        ModelMatcher([object()], today=date(2026, 11, 27))  # type: ignore[list-item]
    assert gc.isenabled()
    gc.disable()
    try:  # a caller that had paused it finds it paused still
        ModelMatcher([_person("p1", "Dean", "Marsh")], today=date(2026, 11, 27))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_index_follows_updates_and_merges() -> None:
    matcher = ModelMatcher(today=TODAY)
    matcher.add_person(
        _person("p1", "Amira", "Haddad", dob=date(2010, 1, 2), nhs="9991000003",
                addresses=("5 Harbour View, Hartlepool, TS24 0AB",))
    )  # fmt: skip
    old = Identity(given="Amira", family="Haddad", dob="2010-01-02", nhs="9991000003")
    assert [m.person_id for m in matcher.match_person(old)] == ["p1"]
    matcher.add_person(_person("p1", "Zofia", "Kowalski", dob=date(2009, 5, 6)))
    assert matcher.candidate_ids(old) == set()
    new = Identity(given="Zofia", family="Kowalski", dob="06/05/2009")
    assert [m.person_id for m in matcher.match_person(new)] == ["p1"]
    matcher.remove_person("p1")
    assert matcher.match_person(new) == []
    assert len(matcher.index) == 0
    assert matcher.index.term_frequency("family", "kowalski") is None


def test_aliases_and_past_addresses_are_rows_of_one_person() -> None:
    matcher = ModelMatcher(
        [_person("d", "Dean", "Marsh", dob=date(1985, 2, 11), aliases=("Deano Marsh",),
                 addresses=("Flat 3, 27 Wellington Road, Luton, LU1 5QR", "2 Mill Lane, Luton"))],
        today=TODAY,
    )  # fmt: skip
    assert matcher.index.row_count == 4
    matches = matcher.match_person(Identity(name="Deano Marsh", dob="11.02.85"))
    assert [m.person_id for m in matches] == ["d"]
    assert any("alias" in e.description for e in matches[0].evidence)


def test_realtime_finds_what_it_should_on_synthetic_data() -> None:
    task = linkage_task(3000, 300, seed=21, error_rate=0.2)
    people = [
        RegisterPerson(r.id, r.given or "", r.family or "", date.fromisoformat(r.dob or ""),
                       r.sex, r.nhs, r.phone, addresses=(f"{r.address}, {r.postcode}",))
        for r in task.left
    ]  # fmt: skip
    matcher = ModelMatcher(people, today=TODAY, prior=1 / len(people))
    truth = {right: left for left, right in task.truth()}
    found = correct = 0
    for record in task.right:
        identity = Identity(given=record.given, family=record.family, dob=record.dob,
                            nhs=record.nhs, address=record.address, phone=record.phone,
                            sex=record.sex)  # fmt: skip
        best = next((m for m in matcher.match_person(identity) if m.probability >= 0.95), None)
        if best is not None:
            found += 1
            correct += truth.get(record.id) == best.person_id
    assert correct / found >= 0.99
    assert correct / len(truth) >= 0.85


@settings(max_examples=150, deadline=None)
@given(
    st.builds(
        Identity,
        given=st.none() | st.text(max_size=20),
        family=st.none() | st.text(max_size=20),
        dob=st.none() | st.text(max_size=12) | st.dates().map(str),
        nhs=st.none() | st.text(max_size=12),
        address=st.none() | st.text(max_size=40),
        phone=st.none() | st.text(max_size=15),
        sex=st.none() | st.text(max_size=6),
    )
)
def test_realtime_never_raises(identity: Identity) -> None:
    for match in _SMALL.match_person(identity):
        assert 0.5 <= match.probability <= 1.0
        assert all(math.isfinite(e.weight) for e in match.evidence)


_SMALL = ModelMatcher(
    [_person("k", "Kelly", "Ashby", dob=date(1990, 7, 14),
             addresses=("12 Acacia Avenue, Stockton-on-Tees, TS18 1AB",))],
    today=TODAY,
)  # fmt: skip
