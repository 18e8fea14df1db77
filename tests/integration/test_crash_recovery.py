"""Kill the server with SIGKILL while agencies share; nothing acknowledged is lost or doubled.

Runs the real service as a process (uvicorn), sends keyed shares, kills it at random
moments, restarts it, and retries unacknowledged shares with the same key, as an agency's
system would. Then every acknowledged contribution and its alert must exist exactly once.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx2 as httpx
import pytest
import sqlalchemy as sa

from teamaround.adapters.db.tables import AlertRow, ContributionRow
from teamaround.clock import FixedClock
from teamaround.demo import CHILD_O
from teamaround.scenarios.loader import load_scenario
from teamaround.scenarios.runner import load_register
from teamaround.services.context import SYSTEM, UnitOfWork
from teamaround.services.register import do_issue_token

pytestmark = pytest.mark.slow

SHARES = 40
KILLS = 5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, database_url: str) -> None:
        self.port = _free_port()
        self.env = {
            **os.environ,
            "TEAMAROUND_DATABASE_URL": database_url,
            "TEAMAROUND_TIMER_INTERVAL_SECONDS": "0",
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0
        self.ready = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "teamaround.web.app:app_from_environment",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
            ],
            env=self.env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.alive():
            try:
                httpx.get(f"{self.url}/openapi.json", timeout=1).raise_for_status()
                self.ready = True
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.ready = False
        self.kills += 1


@pytest.fixture
def server(engine: sa.Engine, database_url: str) -> Iterator[tuple[Server, str]]:
    uow = UnitOfWork(engine, FixedClock(datetime(2021, 2, 2, 19, 0, tzinfo=UTC)))
    load_register(uow, load_scenario(CHILD_O))
    token = do_issue_token(uow, actor_id=SYSTEM.id, professional_id="ch1")
    running = Server(database_url)
    running.start()
    yield running, token
    if running.alive():
        running.kill()


def test_kill_and_restart_loses_nothing_and_doubles_nothing(
    server: tuple[Server, str], engine: sa.Engine
) -> None:
    running, token = server
    rng = random.Random(7)
    killer = threading.Thread(target=_kill_at_random, args=(running, rng), daemon=True)
    killer.start()
    acknowledged: dict[str, str] = {}
    for n in range(SHARES):
        key = f"111-call-{n}"
        body = {
            "category": "health-contact",
            "summary": f"Call {n}.",
            "subjects": [{"name": "Kelly Ashby", "dob": "14/07/1990"}],
        }
        for _attempt in range(50):
            if not running.alive():
                running.start()
            try:
                answer = httpx.post(
                    f"{running.url}/api/shares",
                    json=body,
                    timeout=5,
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
                )
            except httpx.HTTPError:
                continue  # killed mid-request: the agency's system retries with the same key
            assert answer.status_code == 201, answer.text
            acknowledged[key] = answer.json()["contribution_id"]
            break
    killer.join(timeout=30)
    assert running.kills >= 1
    assert len(acknowledged) == SHARES
    with engine.connect() as c:
        contributions = c.execute(sa.select(ContributionRow.id)).scalars().all()
        alerts = (
            c.execute(sa.select(AlertRow.contribution_id).where(AlertRow.kind == "new-information"))
            .scalars()
            .all()
        )
    assert sorted(contributions) == sorted(acknowledged.values())
    assert sorted(a for a in alerts if a) == sorted(acknowledged.values())


def _kill_at_random(running: Server, rng: random.Random) -> None:
    for _ in range(KILLS):
        time.sleep(rng.uniform(0.05, 0.5))
        while not running.ready:
            time.sleep(0.01)
        running.kill()
