"""Nothing acknowledged is lost or doubled: idempotency keys and the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from teamaround.adapters.db.tables import AlertRow, ContributionRow, OutboxRow
from teamaround.adapters.notify import Notification
from teamaround.clock import FixedClock
from teamaround.demo import CHILD_O
from teamaround.scenarios.loader import load_scenario
from teamaround.scenarios.runner import load_register
from teamaround.services.context import SYSTEM, UnitOfWork
from teamaround.services.outbox import deliver_outbox
from teamaround.services.register import do_issue_token
from teamaround.web.app import create_app

WHEN = datetime(2021, 2, 2, 19, 12, tzinfo=UTC)
SHARE = {
    "category": "incident",
    "summary": "Police attended.",
    "subjects": [{"given": "Kelly", "family": "Ashby", "dob": "1990-07-14"}],
}


@pytest.fixture
def client(engine: sa.Engine, database_url: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    uow = UnitOfWork(engine, FixedClock(WHEN))
    load_register(uow, load_scenario(CHILD_O))
    token = do_issue_token(uow, actor_id=SYSTEM.id, professional_id="pc1")
    with TestClient(create_app(database_url=database_url, clock=FixedClock(WHEN))) as c:
        yield c, {"Authorization": f"Bearer {token}"}


def count(engine: sa.Engine, table: type) -> int:
    with engine.connect() as c:
        return int(c.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


def test_a_retry_with_the_same_key_returns_the_same_answer_and_writes_nothing(
    client: tuple[TestClient, dict[str, str]], engine: sa.Engine
) -> None:
    http, auth = client
    headers = {**auth, "Idempotency-Key": "call-4471-attempt"}
    first = http.post("/api/shares", json=SHARE, headers=headers)
    assert first.status_code == 201
    counts = (count(engine, ContributionRow), count(engine, AlertRow), count(engine, OutboxRow))
    again = http.post("/api/shares", json=SHARE, headers=headers)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert (
        count(engine, ContributionRow),
        count(engine, AlertRow),
        count(engine, OutboxRow),
    ) == counts


def test_the_same_key_with_another_body_is_refused(
    client: tuple[TestClient, dict[str, str]], engine: sa.Engine
) -> None:
    http, auth = client
    headers = {**auth, "Idempotency-Key": "k-1"}
    http.post("/api/shares", json=SHARE, headers=headers).raise_for_status()
    before = count(engine, ContributionRow)
    other = dict(SHARE, summary="Something else.")
    refused = http.post("/api/shares", json=other, headers=headers)
    assert refused.status_code == 409
    assert "different request" in refused.json()["detail"]
    assert count(engine, ContributionRow) == before


def test_without_a_key_each_request_is_a_new_share(
    client: tuple[TestClient, dict[str, str]], engine: sa.Engine
) -> None:
    http, auth = client
    http.post("/api/shares", json=SHARE, headers=auth).raise_for_status()
    http.post("/api/shares", json=SHARE, headers=auth).raise_for_status()
    assert count(engine, ContributionRow) == 2


class FlakyNotifier:
    """Fails the first time for each notification, then records deliveries."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.delivered: list[str] = []

    def send(self, notification: Notification) -> None:
        if notification.id not in self.seen:
            self.seen.add(notification.id)
            raise ConnectionError("mail server down")
        self.delivered.append(notification.id)


def test_the_outbox_delivers_every_alert_at_least_once_after_failures(
    client: tuple[TestClient, dict[str, str]], engine: sa.Engine
) -> None:
    http, auth = client
    http.post("/api/shares", json=SHARE, headers=auth).raise_for_status()
    uow = UnitOfWork(engine, FixedClock(WHEN))
    notifier = FlakyNotifier()
    waiting = count(engine, OutboxRow)
    assert waiting == 2  # new-information to the social worker and the school
    assert deliver_outbox(uow, notifier) == 0
    assert deliver_outbox(uow, notifier) == waiting
    assert deliver_outbox(uow, notifier) == 0
    assert sorted(notifier.delivered) == sorted(notifier.seen)
    with engine.connect() as c:
        errors = c.execute(sa.select(OutboxRow.last_error)).scalars().all()
    assert all(e == "ConnectionError: mail server down" for e in errors)


def test_notifications_carry_no_personal_details(
    client: tuple[TestClient, dict[str, str]], engine: sa.Engine
) -> None:
    http, auth = client
    http.post("/api/shares", json=SHARE, headers=auth).raise_for_status()
    sent: list[Notification] = []

    class Recorder:
        def send(self, notification: Notification) -> None:
            sent.append(notification)

    deliver_outbox(UnitOfWork(engine, FixedClock(WHEN)), Recorder())
    assert sent
    text = repr(sent).lower()
    assert "kelly" not in text and "oliver" not in text and "ashby" not in text
