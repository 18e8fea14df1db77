"""Intake throughput and lookup latency through the real HTTP API, on SQLite and PostgreSQL.

    .venv/bin/python bench/intake.py --children 100000 --adults 300000 --shares 300 --lookups 300
    .venv/bin/python bench/intake.py --database postgresql://postgres@127.0.0.1:5432/bench ...

Builds an invented register (children on plans, the adults of their households), starts
the service as a process (uvicorn), and sends 111-style shares (linking, rules, alerts,
outbox and audit in one transaction each) and flag lookups over HTTP, one client and
several clients at once. The register is bulk-loaded for speed: loading is not measured
and not audited; everything measured goes through the same services as production.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2 as httpx
import sqlalchemy as sa
from rich.console import Console
from rich.progress import track
from rich.table import Table

from teamaround.adapters.db.engine import make_engine
from teamaround.adapters.db.schema import is_empty, upgrade
from teamaround.adapters.db.tables import (
    AddressRow,
    AgencyRow,
    PersonAddressRow,
    PersonRow,
    PlanRow,
    ProfessionalRow,
    RegisterStateRow,
    RelationshipRow,
)
from teamaround.clock import SystemClock
from teamaround.linkage.synthetic import TruePerson, agency_record, population
from teamaround.services.context import SYSTEM, UnitOfWork
from teamaround.services.register import do_issue_token

console = Console()
NOW = datetime(2025, 6, 1, tzinfo=UTC)
CHILD_BORN_AFTER = 2006


def main() -> None:
    args = _arguments()
    scratch = tempfile.TemporaryDirectory(prefix="teamaround-bench-")
    url = args.database or f"sqlite:///{Path(scratch.name) / 'bench.db'}"
    engine = make_engine(url)
    if not is_empty(engine):
        console.print(f"[red]{url} is not empty[/]")
        raise SystemExit(2)
    upgrade(engine)
    people = load_register(engine, args.children, args.adults)
    tokens = _tokens(engine)
    server = _start(url)
    try:
        results = _measure(server, tokens, people, args)
    finally:
        server.kill()
        server.wait()
    _report(url, args, results)
    engine.dispose()


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--children", type=int, default=10_000)
    parser.add_argument("--adults", type=int, default=30_000)
    parser.add_argument("--shares", type=int, default=200)
    parser.add_argument("--lookups", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--database", help="an empty database URL (default: a new SQLite file)")
    return parser.parse_args()


def load_register(engine: sa.Engine, children: int, adults: int) -> list[TruePerson]:
    """Children on child protection plans and the adults of their households, bulk-loaded."""
    everyone = population(int((children + adults) * 1.6), seed=11)
    kids = [p for p in everyone if p.dob.year >= CHILD_BORN_AFTER][:children]
    grown = [p for p in everyone if p.dob.year < CHILD_BORN_AFTER][:adults]
    chosen = kids + grown
    homes = {text: f"a{i}" for i, text in enumerate(dict.fromkeys(p.home.text() for p in chosen))}
    with engine.begin() as c:
        c.execute(
            sa.insert(AgencyRow),
            [
                {"id": "csc", "name": "Children's Services", "kind": "childrens-social-care"},
                {"id": "school", "name": "A School", "kind": "school"},
                {"id": "amb", "name": "111", "kind": "ambulance"},
                {"id": "gp", "name": "A Surgery", "kind": "gp"},
            ],
        )
        c.execute(
            sa.insert(ProfessionalRow),
            [
                {
                    "id": "sw",
                    "agency_id": "csc",
                    "role": "social-worker",
                    "name": "SW",
                    "active": True,
                },
                {"id": "spoc", "agency_id": "csc", "role": "spoc", "name": "SPOC", "active": True},
                {"id": "dsl", "agency_id": "school", "role": "dsl", "name": "DSL", "active": True},
                {
                    "id": "ch",
                    "agency_id": "amb",
                    "role": "call-handler",
                    "name": "CH",
                    "active": True,
                },
                {"id": "gp1", "agency_id": "gp", "role": "gp", "name": "GP", "active": True},
            ],
        )
        _chunks(c, AddressRow, [{"id": key, "text": text} for text, key in homes.items()])
        _chunks(c, PersonRow, [_person_row(p, homes) for p in chosen])
        _chunks(
            c,
            PersonAddressRow,
            [{"person_id": p.id, "address_id": homes[p.home.text()], "since": NOW} for p in chosen],
        )
        _chunks(
            c,
            PlanRow,
            [
                {"child_id": k.id, "plan": "child-protection", "lead_id": "sw", "started": NOW}
                for k in kids
            ],
        )
        adults_at = {}
        for adult in grown:
            adults_at.setdefault(adult.home.text(), []).append(adult)
        _chunks(
            c,
            RelationshipRow,
            [
                {
                    "child_id": k.id,
                    "adult_id": a.id,
                    "kind": "mother" if a.sex == "F" else "father",
                    "lives_with": True,
                    "contact": "permitted",
                    "recorded_by": "system",
                    "updated_at": NOW,
                }
                for k in kids
                for a in adults_at.get(k.home.text(), [])
            ],
        )
        # bulk loaders bypass the services, so they announce the change as the services do
        c.execute(sa.insert(RegisterStateRow), [{"id": 1, "token": uuid.uuid4().hex}])
    console.print(f"register: {len(kids):,} children, {len(grown):,} adults, {len(homes):,} homes")
    return chosen


def _person_row(p: TruePerson, homes: dict[str, str]) -> dict[str, Any]:
    return {
        "id": p.id,
        "kind": "child" if p.dob.year >= CHILD_BORN_AFTER else "adult",
        "given": p.given,
        "family": p.family,
        "dob": p.dob,
        "sex": p.sex,
        "nhs": p.nhs,
        "phone": p.home.phone,
        "address_id": homes[p.home.text()],
        "school_id": "school" if p.dob.year >= CHILD_BORN_AFTER else None,
        "created_at": NOW,
    }


def _chunks(c: sa.Connection, table: type, rows: list[dict[str, Any]], size: int = 5000) -> None:
    for start in track(range(0, len(rows), size), description=f"loading {table.__tablename__}"):
        c.execute(sa.insert(table), rows[start : start + size])  # type: ignore[attr-defined]


def _tokens(engine: sa.Engine) -> dict[str, str]:
    uow = UnitOfWork(engine, SystemClock())
    return {
        who: do_issue_token(uow, actor_id=SYSTEM.id, professional_id=who) for who in ("ch", "gp1")
    }


def _start(url: str) -> subprocess.Popen[bytes]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "TEAMAROUND_DATABASE_URL": url, "TEAMAROUND_TIMER_INTERVAL_SECONDS": "0"}
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "teamaround.web.app:app_from_environment",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    process.base_url = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
    for _ in range(600):
        try:
            httpx.get(f"{process.base_url}/openapi.json", timeout=1)  # type: ignore[attr-defined]
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("the service did not start")


def _measure(
    server: subprocess.Popen[bytes],
    tokens: dict[str, str],
    people: list[TruePerson],
    args: argparse.Namespace,
) -> dict[str, Any]:
    base = server.base_url  # type: ignore[attr-defined]
    rng = random.Random(5)
    sample = [
        agency_record(rng.choice(people), rng, f"x{i}", 0.3)
        for i in range(args.shares + args.lookups + 1)
    ]
    identities = [
        {
            k: v
            for k, v in {
                "given": r.given,
                "family": r.family,
                "dob": r.dob,
                "nhs": r.nhs,
                "address": r.address,
                "phone": r.phone,
            }.items()
            if v
        }
        for r in sample
    ]
    share_headers = {"Authorization": f"Bearer {tokens['ch']}"}
    lookup_headers = {"Authorization": f"Bearer {tokens['gp1']}"}

    def share(i: int) -> float:
        body = {"category": "health-contact", "summary": "111 call.", "subjects": [identities[i]]}
        started = time.perf_counter()
        httpx.post(
            f"{base}/api/shares", json=body, headers=share_headers, timeout=1800
        ).raise_for_status()
        return time.perf_counter() - started

    first = share(0)  # builds the matching index
    half = args.shares // 2
    one = [share(i) for i in track(range(1, half + 1), description="shares, one client")]
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(args.clients) as pool:
        many = list(pool.map(share, range(half + 1, args.shares + 1)))
    many_wall = time.perf_counter() - started
    lookups = []
    for i in track(range(args.shares + 1, args.shares + 1 + args.lookups), description="lookups"):
        started = time.perf_counter()
        httpx.post(
            f"{base}/api/lookups",
            json={"subject": identities[i]},
            headers=lookup_headers,
            timeout=60,
        ).raise_for_status()
        lookups.append(time.perf_counter() - started)
    return {"first": first, "one": one, "many": many, "many_wall": many_wall, "lookups": lookups}


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def _report(url: str, args: argparse.Namespace, r: dict[str, Any]) -> None:
    table = Table(
        title=f"TeamAround intake on {url.split(':')[0]} ({args.children:,} children, "
        f"{args.adults:,} adults)"
    )
    table.add_column("measure")
    table.add_column("result", justify="right")
    table.add_row("first share (builds the index), s", f"{r['first']:.2f}")
    table.add_row("shares/s, one client", f"{len(r['one']) / sum(r['one']):.1f}")
    table.add_row(f"shares/s, {args.clients} clients", f"{len(r['many']) / r['many_wall']:.1f}")
    table.add_row(
        "share latency p50 / p99, ms",
        f"{_percentile(r['one'], 50) * 1000:.1f} / {_percentile(r['one'], 99) * 1000:.1f}",
    )
    table.add_row(
        "lookup latency p50 / p99, ms",
        f"{_percentile(r['lookups'], 50) * 1000:.1f} / {_percentile(r['lookups'], 99) * 1000:.1f}",
    )
    console.print(table)


if __name__ == "__main__":
    main()
