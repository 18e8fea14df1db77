"""Timers fire once, when due: unacknowledged alerts and challenges that go unanswered."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from teamaround.adapters.db.tables import AlertRow, ChallengeEventRow
from teamaround.clock import FixedClock
from teamaround.demo import CHILD_O
from teamaround.scenarios.loader import load_scenario
from teamaround.scenarios.runner import load_register
from teamaround.services.challenges import do_raise_challenge, list_challenges
from teamaround.services.commands import ChallengeCreate
from teamaround.services.context import UnitOfWork
from teamaround.services.timers import do_run_timers

START = datetime(2021, 2, 22, 9, 0, tzinfo=UTC)


def test_unanswered_challenge_climbs_every_stage_once_and_stops_at_four(engine: sa.Engine) -> None:
    clock = FixedClock(START)
    uow = UnitOfWork(engine, clock)
    load_register(uow, load_scenario(CHILD_O))
    challenge = ChallengeCreate(
        child="child-o",
        to_agency="csc",
        nature="n",
        expected_outcome="o",
        respond_by=date(2021, 3, 1),
    )
    do_raise_challenge(uow, actor_id="dsl1", challenge=challenge)
    stages = []
    for days in range(1, 60):
        clock.set(START + timedelta(days=days))
        do_run_timers(uow)
        do_run_timers(uow)  # a second run at the same moment fires nothing more
        [view] = list_challenges(uow, actor_id="dsl1", child_id="child-o")
        stages.append(view.stage)
    assert sorted(set(stages)) == [1, 2, 3, 4]
    assert stages[-1] == 4
    with engine.connect() as c:
        overdue = c.scalar(
            sa.select(sa.func.count())
            .select_from(AlertRow)
            .where(AlertRow.kind == "challenge-overdue")
        )
        no_response = c.scalar(
            sa.select(sa.func.count())
            .select_from(ChallengeEventRow)
            .where(ChallengeEventRow.event == "no-response")
        )
    assert overdue == 3
    assert no_response >= 4


def test_urgent_alert_is_escalated_once_unless_acknowledged(engine: sa.Engine) -> None:
    from teamaround.services.alerts import do_acknowledge_alert, find_alert_for
    from teamaround.services.commands import ShareCreate
    from teamaround.services.sharing import do_share

    clock = FixedClock(START)
    uow = UnitOfWork(engine, clock)
    load_register(uow, load_scenario(CHILD_O))
    from teamaround.services.commands import RelationshipCreate
    from teamaround.services.register import do_relate

    do_relate(
        uow,
        actor_id="sw1",
        relationship=RelationshipCreate(
            child="child-o", adult="nan", kind="grandparent", contact="prohibited"
        ),
    )
    share = ShareCreate.model_validate(
        {
            "category": "concern",
            "summary": "Seen at the house.",
            "subjects": [
                {
                    "given": "Margaret",
                    "family": "Ashby",
                    "dob": "1962-03-02",
                    "address": "12 Acacia Avenue, TS18 1AB",
                }
            ],
        }
    )
    do_share(uow, actor_id="pc1", share=share)
    clock.set(START + timedelta(minutes=59))
    assert do_run_timers(uow) == []
    clock.set(START + timedelta(minutes=61))
    assert len(do_run_timers(uow)) == 1
    assert do_run_timers(uow) == []
    do_share(uow, actor_id="pc1", share=share)
    alert = find_alert_for(uow, actor_id="sw1", kind="risk-adult-at-child-address", about="child-o")
    do_acknowledge_alert(uow, actor_id="sw1", alert_id=alert)
    clock.set(START + timedelta(hours=3))
    assert do_run_timers(uow) == []


def test_the_partnership_sets_its_own_acknowledgement_time(engine: sa.Engine) -> None:
    from teamaround.services.commands import RelationshipCreate, ShareCreate
    from teamaround.services.errors import Invalid, NotFound
    from teamaround.services.register import do_relate
    from teamaround.services.settings import do_change_setting
    from teamaround.services.sharing import do_share

    clock = FixedClock(START)
    uow = UnitOfWork(engine, clock)
    load_register(uow, load_scenario(CHILD_O))
    with pytest.raises(NotFound):
        do_change_setting(uow, actor_id="sw1", key="urgent-ack-minutes", value=30)
    with pytest.raises(Invalid):
        do_change_setting(uow, actor_id="tm1", key="urgent-ack-minutes", value=1)
    do_change_setting(uow, actor_id="tm1", key="urgent-ack-minutes", value=30)
    do_relate(
        uow,
        actor_id="sw1",
        relationship=RelationshipCreate(
            child="child-o", adult="nan", kind="grandparent", contact="prohibited"
        ),
    )
    do_share(
        uow,
        actor_id="pc1",
        share=ShareCreate.model_validate(
            {
                "category": "concern",
                "summary": "Seen at the house.",
                "subjects": [
                    {
                        "given": "Margaret",
                        "family": "Ashby",
                        "dob": "1962-03-02",
                        "address": "12 Acacia Avenue, TS18 1AB",
                    }
                ],
            }
        ),
    )
    clock.set(START + timedelta(minutes=29))
    assert do_run_timers(uow) == []
    clock.set(START + timedelta(minutes=31))
    assert len(do_run_timers(uow)) == 1
