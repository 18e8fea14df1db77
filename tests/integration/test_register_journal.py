"""Several processes, one register: a process whose matcher another process left behind
replays the register's journal onto it instead of rebuilding it, and rebuilds only when the
journal cannot say what changed (ADR 0003 point 8)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from teamaround.adapters.db.engine import make_engine
from teamaround.adapters.db.tables import PersonRow, RegisterChangeRow, RegisterStateRow
from teamaround.domain.identity import Identity
from teamaround.linkage.realtime import ModelMatcher
from teamaround.services import linking

TODAY = date(2024, 3, 4)
CREATED = datetime(2024, 3, 1, tzinfo=UTC)
DEAN = Identity(given="Dean", family="Marsh", dob="1985-02-11")
RUBY = Identity(given="Ruby", family="Nowak", dob="2015-06-01")
OMAR = {"given": "Omar", "family": "Qureshi"}
OTHERS = ("Amira Khan", "Brodie Shaw", "Cerys Lloyd", "Dmitri Volkov")


@pytest.fixture
def other_process(engine: sa.Engine) -> Iterator[sa.Engine]:
    """A second engine on the same database: to the cache, another process."""
    other = make_engine(engine.url.render_as_string(hide_password=False))
    yield other
    other.dispose()


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times a whole matcher was built."""
    built: list[int] = []
    real = linking.build_matcher

    def counted(s: Session, today: date) -> ModelMatcher:
        built.append(1)
        return real(s, today)

    monkeypatch.setattr(linking, "build_matcher", counted)
    linking._CACHE.clear()
    return built


def _add(engine: sa.Engine, person_id: str, who: Identity) -> None:
    with Session(engine) as s, s.begin():
        s.add(PersonRow(id=person_id, kind="adult", given=who.given, family=who.family,
                        dob=date.fromisoformat(who.dob or ""),
                        created_at=CREATED))  # fmt: skip
        linking.register_changed(s, person_id=person_id)


def _found(engine: sa.Engine, who: Identity) -> tuple[ModelMatcher, list[str]]:
    with Session(engine) as s, s.begin():
        matcher = linking.matcher_for(s, TODAY)
        best = [m.person_id for m in matcher.match_person(who) if m.probability >= 0.95]
    return matcher, best


def test_another_process_catches_up_on_adds_corrections_and_merges(
    engine: sa.Engine, other_process: sa.Engine, builds: list[int]
) -> None:
    _add(engine, "p1", DEAN)
    before, found = _found(other_process, DEAN)
    assert found == ["p1"] and len(builds) == 1
    _add(engine, "p2", RUBY)  # this process changes the register three times
    with Session(engine) as s, s.begin():
        s.execute(sa.update(PersonRow).where(PersonRow.id == "p1").values(**OMAR))
        linking.register_changed(s, person_id="p1")
    _add(engine, "p3", DEAN)
    with Session(engine) as s, s.begin():
        s.execute(sa.update(PersonRow).where(PersonRow.id == "p3").values(merged_into="p2"))
        linking.register_changed(s, person_id="p2", removed_id="p3")
    after, found = _found(other_process, RUBY)
    assert after is before and len(builds) == 1  # caught up, not rebuilt
    assert found == ["p2"]
    assert _found(other_process, DEAN)[1] == []  # p1 was corrected; p3 left the register
    assert _found(other_process, Identity(**OMAR, dob="1985-02-11"))[1] == ["p1"]
    with Session(engine) as s:
        state = linking.register_state(s)
        journal = s.scalars(sa.select(RegisterChangeRow.seq).order_by(RegisterChangeRow.seq))
        assert state is not None and list(journal) == list(range(1, state.seq + 1))


def test_a_change_rolled_back_in_this_process_rebuilds_its_matcher(
    engine: sa.Engine, builds: list[int]
) -> None:
    _add(engine, "p1", DEAN)
    _found(engine, DEAN)
    assert len(builds) == 1

    def failing_change() -> None:
        with Session(engine) as s, s.begin():
            s.add(PersonRow(id="p2", kind="adult", given="Ruby", family="Nowak",
                            dob=date(2015, 6, 1), created_at=CREATED))  # fmt: skip
            linking.register_changed(s, person_id="p2")  # the cached matcher now has Ruby
            raise RuntimeError("the transaction fails after the change")

    with pytest.raises(RuntimeError):
        failing_change()
    _, found = _found(engine, RUBY)
    assert found == [] and len(builds) == 2  # ahead of the database: rebuilt from it


def test_a_journal_that_cannot_say_what_changed_means_a_rebuild(
    engine: sa.Engine, other_process: sa.Engine, builds: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    _add(engine, "p1", DEAN)
    _found(other_process, DEAN)
    monkeypatch.setattr(linking, "JOURNAL_KEPT", 2)
    monkeypatch.setattr(linking, "JOURNAL_PRUNED_EVERY", 1)
    people = [Identity(given=name.split()[0], family=name.split()[1], dob=f"2015-06-0{n}")
              for n, name in enumerate(OTHERS, start=2)]  # fmt: skip
    for n, who in enumerate(people, start=2):
        _add(engine, f"p{n}", who)
    with Session(engine) as s:
        assert list(s.scalars(sa.select(RegisterChangeRow.seq))) == [4, 5]
    _, found = _found(other_process, people[-1])
    assert found == ["p5"] and len(builds) == 2  # too far behind: the journal was pruned

    # a restored backup: the same number of changes, another history
    _found(other_process, DEAN)
    with Session(engine) as s, s.begin():
        s.execute(
            sa.update(RegisterChangeRow).where(RegisterChangeRow.seq == 5).values(token="b" * 32)
        )
        s.execute(sa.update(RegisterStateRow).values(token="c" * 32, seq=6))
        s.add(RegisterChangeRow(seq=6, token="c" * 32, person_id="p1"))
    _found(other_process, DEAN)
    assert len(builds) == 3


def test_concurrent_changes_are_numbered_in_commit_order(
    engine: sa.Engine, other_process: sa.Engine
) -> None:
    _add(engine, "p1", DEAN)
    finished = threading.Event()

    def second_change() -> None:
        _add(other_process, "p2", RUBY)
        finished.set()

    with Session(engine) as s, s.begin():
        s.execute(sa.update(PersonRow).where(PersonRow.id == "p1").values(**OMAR))
        linking.register_changed(s, person_id="p1")  # holds the register's row lock
        worker = threading.Thread(target=second_change)
        worker.start()
        assert not finished.wait(0.5)  # the other change waits for this one to commit
    worker.join(timeout=30)
    assert finished.is_set()
    with Session(engine) as s:
        journal = s.execute(
            sa.select(RegisterChangeRow.seq, RegisterChangeRow.person_id).order_by(
                RegisterChangeRow.seq
            )
        ).all()
    assert [tuple(row) for row in journal] == [(1, "p1"), (2, "p1"), (3, "p2")]
