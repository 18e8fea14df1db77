"""Loading a case's history: what agencies shared about the child and the adults around them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from teamaround.adapters.db.tables import (
    AgencyRow,
    AlertRow,
    ContributionRow,
    ContributionSubjectRow,
    CoreGroupMemberRow,
    MeetingRow,
    PlanRow,
    ProfessionalRow,
)
from teamaround.domain.case import CaseHistory, CaseSnapshot, HeldMeeting, SharedFacts
from teamaround.domain.vocab import AgencyKind, ContributionKind, Fact, MeetingType, Priority
from teamaround.services.cases import id_chunks, load_cases
from teamaround.services.errors import NotFound


def load_history(s: Session, child_id: str, now: datetime) -> CaseHistory:
    found = load_histories(s, [child_id], now)
    if child_id not in found:
        raise NotFound("child")
    return found[child_id]


def load_histories(s: Session, child_ids: Iterable[str], now: datetime) -> dict[str, CaseHistory]:
    """Several children's histories in a few queries each (see `load_cases`)."""
    cases = load_cases(s, child_ids, now)
    agencies = {a.id: AgencyKind(a.kind) for a in s.scalars(sa.select(AgencyRow))}
    core_group_agencies: defaultdict[str, set[str]] = defaultdict(set)
    meetings: defaultdict[str, list[HeldMeeting]] = defaultdict(list)
    urgent: defaultdict[str, list[datetime]] = defaultdict(list)
    plan_started: dict[str, datetime] = {}
    for chunk in id_chunks(cases):
        for child_id, agency_id in s.execute(
            sa.select(CoreGroupMemberRow.child_id, ProfessionalRow.agency_id)
            .join(ProfessionalRow, CoreGroupMemberRow.professional_id == ProfessionalRow.id)
            .where(CoreGroupMemberRow.child_id.in_(chunk))
        ):
            core_group_agencies[child_id].add(agency_id)
        for meeting in s.scalars(
            sa.select(MeetingRow)
            .where(MeetingRow.child_id.in_(chunk), MeetingRow.held_at <= now)
            .order_by(MeetingRow.held_at, MeetingRow.id)
        ):
            meetings[meeting.child_id].append(
                HeldMeeting(MeetingType(meeting.type), meeting.held_at)
            )
        for child_id, raised_at in s.execute(
            sa.select(AlertRow.about_id, AlertRow.raised_at)
            .where(AlertRow.about_id.in_(chunk), AlertRow.priority == Priority.URGENT)
            .order_by(AlertRow.raised_at)
        ):
            urgent[child_id].append(raised_at)
        for child_id, started in s.execute(
            sa.select(PlanRow.child_id, sa.func.min(PlanRow.started))
            .where(
                PlanRow.child_id.in_(chunk),
                sa.or_(PlanRow.ended.is_(None), PlanRow.ended > now),
            )
            .group_by(PlanRow.child_id)
        ):
            plan_started[child_id] = started
    contributions = contributions_about_each(s, list(cases.values()), agencies, until=now)
    return {
        child_id: CaseHistory(
            case=case,
            agencies=agencies,
            core_group_agencies=frozenset(core_group_agencies[child_id]),
            contributions=contributions[child_id],
            meetings=tuple(meetings[child_id]),
            urgent_alerts=tuple(urgent[child_id]),
            plan_started=plan_started.get(child_id),
        )
        for child_id, case in cases.items()
    }


def contributions_about(
    s: Session, case: CaseSnapshot, agencies: dict[str, AgencyKind], *, until: datetime
) -> tuple[SharedFacts, ...]:
    """Contributions linked to the child, an adult around the child, or the child's home."""
    return contributions_about_each(s, [case], agencies, until=until)[case.child_id]


_Subject = tuple[ContributionRow, int, str | None, str | None]  # row, subject id, person, address


def contributions_about_each(
    s: Session, cases: list[CaseSnapshot], agencies: dict[str, AgencyKind], *, until: datetime
) -> dict[str, tuple[SharedFacts, ...]]:
    """`contributions_about` for several cases, oldest first (then by id)."""
    people = {p for case in cases for p in _people(case)}
    homes = {case.home_address_id for case in cases if case.home_address_id is not None}
    by_person: defaultdict[str | None, list[_Subject]] = defaultdict(list)
    by_home: defaultdict[str | None, list[_Subject]] = defaultdict(list)
    query = (
        sa.select(
            ContributionRow,
            ContributionSubjectRow.id,
            ContributionSubjectRow.person_id,
            ContributionSubjectRow.address_id,
        )
        .join(ContributionSubjectRow)
        .where(ContributionRow.received_at <= until)
    )
    for chunk in id_chunks(people):
        for row, subject, person, address in s.execute(
            query.where(ContributionSubjectRow.person_id.in_(chunk))
        ):
            by_person[person].append((row, subject, person, address))
    for chunk in id_chunks(homes):
        for row, subject, person, address in s.execute(
            query.where(ContributionSubjectRow.address_id.in_(chunk))
        ):
            by_home[address].append((row, subject, person, address))
    return {case.child_id: _shared_facts(case, agencies, by_person, by_home) for case in cases}


def _people(case: CaseSnapshot) -> set[str]:
    return {a.person_id for a in case.adults} | {case.child_id}


def _shared_facts(
    case: CaseSnapshot,
    agencies: dict[str, AgencyKind],
    by_person: defaultdict[str | None, list[_Subject]],
    by_home: defaultdict[str | None, list[_Subject]],
) -> tuple[SharedFacts, ...]:
    keys = [(by_person, person) for person in _people(case)]
    if case.home_address_id is not None:
        keys.append((by_home, case.home_address_id))
    subjects = {subject[1]: subject for index, key in keys for subject in index.get(key, ())}
    ordered = sorted(subjects.values(), key=lambda x: (x[0].received_at, x[0].id))
    adults = {a.person_id for a in case.adults}
    linked: dict[str, set[str | None]] = defaultdict(set)
    contributions: dict[str, ContributionRow] = {}
    for row, _, person, _ in ordered:
        contributions[row.id] = row
        linked[row.id].add(person)
    return tuple(
        shared_facts(row, case.child_id, adults, linked[row.id], agencies)
        for row in contributions.values()
    )


def shared_facts(
    row: ContributionRow,
    child_id: str,
    adults: set[str],
    linked: set[str | None],
    agencies: dict[str, AgencyKind],
) -> SharedFacts:
    """One contribution as it bears on a child, given the people its subjects that concern
    the child were linked to (None: a subject at the child's home, linked to no one)."""
    return SharedFacts(
        contribution_id=row.id,
        agency_id=row.agency_id,
        agency_kind=agencies.get(row.agency_id, AgencyKind.OTHER),
        kind=ContributionKind(row.kind),
        at=row.received_at,
        facts=frozenset(Fact(f) for f in row.facts),
        concerns_child=child_id in linked or None in linked,
        adults=frozenset(p for p in linked if p in adults),
        restricted=row.restriction is not None,
    )
