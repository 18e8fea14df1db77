"""Screening an extract in batches: what single shares would have done, once, whatever stops it.

Each test starts from a small register (`tests/data/screening.yaml`: children on plans, an
adult who must not see them, a father with a recorded risk) and a possible match waiting for
the SPOC, so that screened rows raise urgent and ordinary alerts, bring agencies into the
children's prompts, make an offender manager, and settle the waiting match.
"""

from __future__ import annotations

import csv
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from teamaround.adapters.db.tables import (
    AlertRecipientRow,
    AlertRow,
    AuditRow,
    Base,
    ContributionRow,
    ContributionSubjectRow,
    IdempotencyKeyRow,
    MatchReviewRow,
    OutboxRow,
    PartnershipSettingRow,
    PromptRow,
)
from teamaround.clock import FixedClock
from teamaround.domain.vocab import ShareCategory
from teamaround.scenarios.loader import load_scenario
from teamaround.scenarios.runner import replay
from teamaround.services import screening
from teamaround.services.audit import verify
from teamaround.services.commands import IdentityIn, ShareCreate
from teamaround.services.context import UnitOfWork
from teamaround.services.screening import ExtractRow, read_extract, row_key, screen_extract
from teamaround.services.settings import do_change_setting
from teamaround.services.sharing import do_share

NOW = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
HOME = "7 Linden Road, Northtown, NT1 2AB"
LISA = {"given": "Lisa", "family": "Carter", "dob": "15/03/1988", "address": HOME}
COLUMNS = ["id", "given", "family", "name", "dob", "sex", "nhs", "address", "postcode", "phone"]
BATCH = 4
ROWS: list[dict[str, str]] = [
    # the first batch: the GP or probation becomes involved with Amy and Ben; Gary, who must
    # not see them, is twice at their home; the next row finds two urgent alerts
    {"given": "Lisa", "family": "Carter", "dob": "15/03/1988", "address": "7 Linden Road",
     "postcode": "NT1 2AB"},
    {"given": "Gary", "family": "Stone", "dob": "09/09/1984", "address": "7 Linden Rd",
     "postcode": "NT1 2AB"},
    {"name": "Gary Stone", "dob": "1984-09-09", "address": "7 Linden Road Northtown NT1 2AB"},
    {"given": "Amy", "family": "Carter", "dob": "04/05/2015"},
    # Callum's father, who poses a recorded risk, at home; people on no plan or no register
    {"given": "Mark", "family": "Reid", "dob": "22/01/1979", "address": "Flat 4, 18 Mill Lane",
     "postcode": "NT3 5CD"},
    {"given": "Callum", "family": "Reid", "dob": "30/06/2012"},
    {"given": "John", "family": "Smith", "dob": "01/01/1980", "address": "22 Hope Street",
     "postcode": "SV9 8EF"},
    {"given": "Alice", "family": "Stranger", "dob": "05/05/1975", "address": "1 Nowhere Lane",
     "postcode": "LS1 1AA"},
    # the description waiting for the SPOC, which now links by itself and settles it
    {**LISA, "id": "x9"},
    {"given": "Gaz", "family": "Stone", "dob": "09/09/1984", "address": "22 Hope Street",
     "postcode": "SV9 8EF"},
    {"given": "Dana", "family": "Okoye", "dob": "08/08/2016"},
    {"given": "LISA", "family": "CARTER", "dob": "15.03.1988"},
    # (not at the home: a row linking one child at the other's home concerns that other
    # child's case neither through the child nor an adult, so which of a batch's rows is
    # "latest" from the agency, all received at one instant, would decide its prompts)
    {"given": "Ben", "family": "Carter", "dob": "20/11/2017", "phone": "07700 900456"},
    {"given": "Mark", "family": "Reid", "dob": "22/01/1979", "address": "3 Far Away Road",
     "postcode": "LS2 2BB"},
]  # fmt: skip


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _case(engine: sa.Engine, data_dir: Path) -> UnitOfWork:
    """The register, and Lisa's description waiting for the SPOC (it was shared while only
    a certain match linked)."""
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    assert replay(load_scenario(data_dir / "screening.yaml"), engine).ok
    uow = UnitOfWork(engine, FixedClock(NOW))
    do_change_setting(uow, actor_id="tm1", key="match-link-percent", value=100)
    share = ShareCreate(subjects=[IdentityIn(**LISA)], category=ShareCategory.INCIDENT,
                        summary="Lisa seen at the home.")  # fmt: skip
    do_share(uow, actor_id="pc1", share=share)
    with engine.begin() as c:  # back to 95 as stored: the service would link what waits now
        c.execute(
            sa.update(PartnershipSettingRow)
            .where(PartnershipSettingRow.key == "match-link-percent")
            .values(value="95")
        )
    assert _waiting(engine) == 2  # for Lisa, and for the household at the address given
    return uow


def _waiting(engine: sa.Engine) -> int:
    with engine.connect() as c:
        return (
            c.scalar(
                sa.select(sa.func.count())
                .select_from(MatchReviewRow)
                .where(MatchReviewRow.status == "pending")
            )
            or 0
        )


def _outcome(engine: sa.Engine) -> dict[str, Any]:
    """Everything the share path writes, with contributions named by the row they came from
    (the idempotency key) and nothing that differs by chance (ids)."""
    with engine.connect() as c:
        rows = {
            key.response["contribution_id"]: int(key.key.rsplit(":", 1)[1])
            for key in c.execute(sa.select(IdempotencyKeyRow))
            if key.key.startswith("screen:")
        }
        contributions = {row.id: row for row in c.execute(sa.select(ContributionRow))}

        def name(contribution_id: str | None) -> object:
            if contribution_id is None:
                return None
            if contribution_id in rows:
                return rows[contribution_id]
            earlier = contributions[contribution_id]
            return (earlier.received_at, earlier.summary)

        subjects: dict[object, list[tuple[Any, ...]]] = {}
        for s in c.execute(sa.select(ContributionSubjectRow).order_by("position")):
            evidence = {k: _without_review(v) for k, v in s.evidence.items()}
            subjects.setdefault(name(s.contribution_id), []).append(
                (
                    s.position,
                    s.role,
                    s.described,
                    s.person_id,
                    s.person_probability,
                    s.address_id,
                    s.address_probability,
                    evidence,
                )
            )
        recipients: dict[str, list[str]] = {}
        for r in c.execute(sa.select(AlertRecipientRow)):
            recipients.setdefault(r.alert_id, []).append(r.professional_id)
        outbox: dict[str, list[str]] = {}
        for o in c.execute(sa.select(OutboxRow)):
            outbox.setdefault(o.alert_id, []).append(o.professional_id)
        alerts = sorted(
            (str(name(a.contribution_id)), a.kind, a.about_id, a.concerning_id or "",
             a.priority, a.reason, a.recommendation, a.raised_at,
             tuple(sorted(recipients.get(a.id, ()))), tuple(sorted(outbox.get(a.id, ()))))
            for a in c.execute(sa.select(AlertRow))
        )  # fmt: skip
        prompts = sorted(
            (p.child_id, p.kind, p.reason, p.raised_at, str(p.cleared_at))
            for p in c.execute(sa.select(PromptRow))
        )
        reviews = sorted(
            (str(name(r.contribution_id)), r.person_id or "", r.address_id or "",
             r.described_key, r.status, r.withdrawn_reason or "", r.probability)
            for r in c.execute(sa.select(MatchReviewRow))
        )  # fmt: skip
        actions = Counter(c.scalars(sa.select(AuditRow.action)))
    with UnitOfWork(engine, FixedClock(NOW)).transaction() as s:
        assert verify(s) is None  # one unbroken audit chain
    return {
        "contributions": {
            str(name(k)): (
                r.kind,
                r.agency_id,
                r.professional_id,
                r.category,
                r.summary,
                r.facts,
                r.restriction,
                r.received_at,
                subjects.get(name(k)),
            )
            for k, r in contributions.items()
        },
        "alerts": alerts,
        "prompts": prompts,
        "reviews": reviews,
        "audit": actions,
    }


def _without_review(match: Any) -> Any:
    """A link made by settling a waiting match names the item (a random id)."""
    if isinstance(match, dict):
        return {k: v for k, v in match.items() if k != "review"}
    return match


@pytest.mark.parametrize("sharer", ["gp1", "om1"])  # a GP, an offender manager
def test_batches_write_what_single_shares_write(
    engine: sa.Engine, data_dir: Path, tmp_path: Path, sharer: str
) -> None:
    """After each batch the database holds exactly what sharing its rows one by one would
    have written by then: alerts, recipients, outbox, links, prompts, reviews, audit."""
    extract = read_extract(_write(tmp_path / "extract.csv", ROWS))
    agency = {"gp1": "gp", "om1": "probation"}[sharer]
    rows = [r for r in extract.rows if isinstance(r, ExtractRow)]
    assert len(rows) == len(ROWS)

    uow = _case(engine, data_dir)
    one_by_one = []
    for done, row in enumerate(rows, start=1):  # as `teamaround screen` did, keyed as batches
        key = row_key(agency, extract.digest, row.number)
        do_share(uow, actor_id=sharer, share=row.share, idempotency_key=key)
        if done % BATCH == 0 or done == len(rows):
            one_by_one.append(_outcome(engine))

    uow = _case(engine, data_dir)
    in_batches: list[dict[str, Any]] = []
    summary = screen_extract(uow, extract, actor_id=sharer, batch_size=BATCH,
                             progress=lambda _: in_batches.append(_outcome(engine)))  # fmt: skip

    assert summary.shared == len(ROWS)
    for batch, (expected, found) in enumerate(zip(one_by_one, in_batches, strict=True), 1):
        assert found == expected, f"after batch {batch}"
    last = in_batches[-1]
    kinds = Counter(a[1] for a in last["alerts"] if a[0].isdigit())
    assert kinds["risk-adult-at-child-address"] >= 5
    prompts = {(p[0], p[1]) for p in in_batches[0]["prompts"]}
    assert {("amy", "invite-agency"), ("amy", "complex-case-discussion")} <= prompts
    assert [r[4] for r in last["reviews"]].count("withdrawn") == 2  # settled by row 10


def test_a_bad_row_is_refused_and_the_rest_of_its_batch_lands(
    engine: sa.Engine, data_dir: Path, tmp_path: Path
) -> None:
    rows = [
        {"given": "Alice", "family": "Stranger", "dob": "05/05/1975"},
        {"given": "Bob", "family": "Stranger", "dob": "31/02/1990"},
        {"given": "Carol", "family": "Strang\x00er", "dob": "05/05/1975"},
        {"given": "D" * 201, "family": "Stranger"},
        {"dob": "05/05/1975", "address": HOME},
        {"given": "Erin", "family": "Stranger", "postcode": "TS18 1AB TS18 1AB"},
        LISA,
    ]
    extract = read_extract(_write(tmp_path / "extract.csv", rows))
    uow = _case(engine, data_dir)
    summary = screen_extract(uow, extract, actor_id="gp1", batch_size=100)
    refused = [(r.number, r.field) for r in summary.refused]
    assert refused == [(3, "dob"), (4, "family"), (5, "given"), (6, "given, family or name"),
                       (7, "postcode")]  # fmt: skip
    assert summary.shared == 2
    with engine.connect() as c:
        shared = c.scalars(
            sa.select(ContributionSubjectRow.described).join(ContributionRow)
            .where(ContributionRow.professional_id == "gp1")
        ).all()  # fmt: skip
    assert sorted(d["given"] for d in shared) == ["Alice", "Lisa"]


def test_a_row_the_extract_cannot_decode_is_refused_alone(tmp_path: Path) -> None:
    path = tmp_path / "extract.csv"
    path.write_bytes(b"given,family\nAlice,Stranger\nB\xe9atrice,Stranger\n")
    extract = read_extract(path)
    assert [type(r).__name__ for r in extract.rows] == ["ExtractRow", "RowRefused"]
    assert extract.rows[1] == screening.RowRefused(3, "given", "is not UTF-8 text")


def _counts(engine: sa.Engine) -> tuple[int, int, int, int]:
    with engine.connect() as c:
        return (
            c.scalar(sa.select(sa.func.count()).select_from(ContributionRow)) or 0,
            c.scalar(sa.select(sa.func.count()).select_from(AlertRow)) or 0,
            c.scalar(sa.select(sa.func.count()).select_from(OutboxRow)) or 0,
            c.scalar(sa.select(sa.func.count()).select_from(IdempotencyKeyRow)) or 0,
        )


def test_screening_the_same_file_again_shares_nothing_twice(
    engine: sa.Engine, data_dir: Path, tmp_path: Path
) -> None:
    extract = read_extract(_write(tmp_path / "extract.csv", ROWS))
    uow = _case(engine, data_dir)
    first = screen_extract(uow, extract, actor_id="gp1", batch_size=5)
    after_first = _counts(engine)
    again = screen_extract(uow, extract, actor_id="gp1", batch_size=3)
    assert (first.shared, first.already) == (len(ROWS), 0)
    assert (again.shared, again.already, sum(again.alerts.values())) == (0, len(ROWS), 0)
    assert _counts(engine) == after_first
    # nor by a colleague of the same agency, nor a single share retried with a row's key;
    # another agency's screening of the same file is its own
    assert screen_extract(uow, extract, actor_id="gp2").already == len(ROWS)
    assert screen_extract(uow, extract, actor_id="om1", batch_size=50).shared == len(ROWS)
    assert screen_extract(uow, extract, actor_id="om1").already == len(ROWS)
    row = next(r for r in extract.rows if isinstance(r, ExtractRow))
    key = row_key("gp", extract.digest, row.number)
    before = _counts(engine)
    do_share(uow, actor_id="gp1", share=row.share, idempotency_key=key)
    assert _counts(engine) == before


class _Crash(Exception):
    pass


def test_a_crash_loses_no_finished_batch_and_a_rerun_completes(
    engine: sa.Engine, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extract = read_extract(_write(tmp_path / "extract.csv", ROWS))
    uow = _case(engine, data_dir)
    shares = []
    real = screening.record_share

    def crash_in_the_second_batch(*args: Any, **kwargs: Any) -> Any:
        if len(shares) == 7:
            raise _Crash
        shares.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(screening, "record_share", crash_in_the_second_batch)
    before = _counts(engine)
    with pytest.raises(_Crash):
        screen_extract(uow, extract, actor_id="gp1", batch_size=5)
    contributions, _, _, keys = _counts(engine)
    assert (contributions - before[0], keys - before[3]) == (5, 5)  # the first batch, whole
    monkeypatch.undo()
    rerun = screen_extract(uow, extract, actor_id="gp1", batch_size=5)
    assert (rerun.already, rerun.shared) == (5, len(ROWS) - 5)
    completed = _outcome(engine)

    uow = _case(engine, data_dir)
    screen_extract(uow, extract, actor_id="gp1", batch_size=5)
    assert _outcome(engine) == completed  # as if it had never stopped
