"""Statutory timescales in England's working days."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from teamaround.domain.vocab import MeetingType
from teamaround.rules.timescales import (
    MeetingFact,
    add_months,
    add_working_days,
    is_working_day,
    overdue,
)


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def test_bank_holidays_and_weekends_are_not_working_days() -> None:
    assert not is_working_day(date(2020, 8, 31))  # summer bank holiday
    assert not is_working_day(date(2020, 12, 25))
    assert not is_working_day(date(2021, 1, 2))  # Saturday
    assert is_working_day(date(2020, 9, 1))


def test_fifteen_working_days_skip_the_bank_holiday() -> None:
    assert add_working_days(date(2020, 8, 18), 15) == date(2020, 9, 9)
    assert add_working_days(date(2020, 12, 22), 3) == date(2020, 12, 29)  # 28th: Boxing Day moved


@given(st.dates(date(2000, 1, 1), date(2040, 12, 31)), st.integers(1, 40))
def test_working_days_land_on_a_working_day_after_the_start(start: date, days: int) -> None:
    end = add_working_days(start, days)
    assert end > start
    assert is_working_day(end)


def test_months_clip_to_the_end_of_short_months() -> None:
    assert add_months(date(2021, 11, 30), 3) == date(2022, 2, 28)
    assert add_months(date(2020, 9, 8), 3) == date(2020, 12, 8)


STRATEGY = MeetingFact("m1", MeetingType.STRATEGY, at("2020-08-18"))


def test_no_conference_after_the_strategy_discussion_is_overdue_after_15_days() -> None:
    assert overdue([STRATEGY], protection_plan_open=False, now=at("2020-09-09", 22)) == []
    [late] = overdue([STRATEGY], protection_plan_open=False, now=at("2020-09-10"))
    assert late.key == "icpc:m1"
    assert late.due == date(2020, 9, 9)


def test_a_strategy_discussion_that_decided_no_further_action_starts_no_clock() -> None:
    closed = MeetingFact("m1", MeetingType.STRATEGY, at("2020-08-18"), ("No further action",))
    assert overdue([closed], protection_plan_open=False, now=at("2021-01-01")) == []


def test_core_groups_and_reviews_while_on_a_plan() -> None:
    icpc = MeetingFact("c1", MeetingType.ICPC, at("2020-09-08"))
    group = MeetingFact("g1", MeetingType.CORE_GROUP, at("2020-09-21"))
    assert overdue([STRATEGY, icpc, group], protection_plan_open=True, now=at("2020-11-02")) == []
    late = overdue([STRATEGY, icpc, group], protection_plan_open=True, now=at("2020-11-03"))
    assert [o.key for o in late] == ["core-group:g1"]
    review_late = overdue([STRATEGY, icpc, group], protection_plan_open=True, now=at("2020-12-09"))
    assert "rcpc:c1" in [o.key for o in review_late]
    assert overdue([STRATEGY, icpc], protection_plan_open=False, now=at("2021-06-01")) == []
