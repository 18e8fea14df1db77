"""Statutory timescales of Working Together to Safeguard Children, in England's working days.

Strategy discussion to initial conference: 15 working days. Initial conference to first core
group: 10 working days, then at least every 6 weeks. Initial conference to first review: 3
months, then at most every 6 months. Working days exclude weekends and England's bank
holidays (the `holidays` package).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from teamaround.domain.vocab import MeetingType

LONDON = ZoneInfo("Europe/London")
RECOMMENDATION = "Working Together to Safeguard Children: statutory timescales"


@dataclass(frozen=True, slots=True)
class MeetingFact:
    id: str
    type: MeetingType
    at: datetime
    decisions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Overdue:
    key: str  # stable, so that the same missed timescale is raised once
    what: str
    due: date


@cache
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    day = start
    while days > 0:
        day += timedelta(days=1)
        days -= int(is_working_day(day))
    return day


def add_months(start: date, months: int) -> date:
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError(start)


def local_day(at: datetime) -> date:
    return at.astimezone(LONDON).date()


def is_past(due: date, now: datetime) -> bool:
    """A timescale is missed once the whole of its last day has gone."""
    return local_day(now) > due


def overdue(
    meetings: list[MeetingFact], *, protection_plan_open: bool, now: datetime
) -> list[Overdue]:
    found = _initial_conference(meetings, now)
    if protection_plan_open:
        found += _core_groups(meetings, now) + _reviews(meetings, now)
    return found


def _initial_conference(meetings: list[MeetingFact], now: datetime) -> list[Overdue]:
    strategies = [m for m in meetings if m.type == MeetingType.STRATEGY and not _closed(m)]
    if not strategies:
        return []
    last = strategies[-1]
    if any(m.type == MeetingType.ICPC and m.at > last.at for m in meetings):
        return []
    due = add_working_days(local_day(last.at), 15)
    if not is_past(due, now):
        return []
    return [
        Overdue(
            f"icpc:{last.id}",
            "an initial child protection conference within 15 "
            "working days of the strategy discussion",
            due,
        )
    ]


def _core_groups(meetings: list[MeetingFact], now: datetime) -> list[Overdue]:
    conference = _last(meetings, MeetingType.ICPC)
    if conference is None:
        return []
    groups = [m for m in meetings if m.type == MeetingType.CORE_GROUP and m.at > conference.at]
    if not groups:
        due = add_working_days(local_day(conference.at), 10)
        what = "the first core group within 10 working days of the initial conference"
        anchor = conference
    else:
        anchor = groups[-1]
        due = local_day(anchor.at) + timedelta(weeks=6)
        what = "a core group at least every 6 weeks"
    if not is_past(due, now):
        return []
    return [Overdue(f"core-group:{anchor.id}", what, due)]


def _reviews(meetings: list[MeetingFact], now: datetime) -> list[Overdue]:
    conference = _last(meetings, MeetingType.ICPC)
    if conference is None:
        return []
    reviews = [m for m in meetings if m.type == MeetingType.RCPC and m.at > conference.at]
    if reviews:
        anchor, months, what = reviews[-1], 6, "a review conference at most every 6 months"
    else:
        anchor, months = conference, 3
        what = "the first review conference within 3 months of the initial conference"
    due = add_months(local_day(anchor.at), months)
    if not is_past(due, now):
        return []
    return [Overdue(f"rcpc:{anchor.id}", what, due)]


def _last(meetings: list[MeetingFact], kind: MeetingType) -> MeetingFact | None:
    found = [m for m in meetings if m.type == kind]
    return found[-1] if found else None


def _closed(meeting: MeetingFact) -> bool:
    """A strategy discussion that decided no further action starts no conference timescale."""
    text = " ".join(meeting.decisions).lower()
    return "no further action" in text or "nfa" in text.split()
