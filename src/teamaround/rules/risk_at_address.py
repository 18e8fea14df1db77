"""An adult who must not see the child, reported at the child's home, is urgent.

Serves recommendation 6 of the Child O review: a health contact by an adult linked to a
child on a plan must reach the core group, not stay on the adult's own record.
"""

from __future__ import annotations

from datetime import date

from teamaround.domain.case import CaseSnapshot, LinkedAdult
from teamaround.domain.sharing import AlertDraft, LinkedSubject, SharedInformation
from teamaround.domain.vocab import AlertKind, Contact, Fact, Priority

RECOMMENDATION = "Recommendation 6: flag adults linked to a child on a plan"


def risk_adult_at_child_address(
    info: SharedInformation, case: CaseSnapshot, today: date
) -> list[AlertDraft]:
    if not case.has_open_plan or case.home_address_id is None:
        return []
    drafts = []
    for adult in case.adults:
        if not adult.poses_recorded_risk(today):
            continue
        placing = _placed_at_home(info, case, adult)
        if placing is not None:
            drafts.append(_draft(info, case, adult, placing))
    return drafts


def _placed_at_home(
    info: SharedInformation, case: CaseSnapshot, adult: LinkedAdult
) -> LinkedSubject | None:
    """The subject that places the adult at the child's home, if the information does."""
    for subject in info.subjects_linked_to(adult.person_id):
        if subject.address_id == case.home_address_id:
            return subject
        if not subject.described_address and _someone_reported_present(info, case):
            return subject
    return None


def _someone_reported_present(info: SharedInformation, case: CaseSnapshot) -> bool:
    """An adult was reported with the child or at the home, though not given an address."""
    if Fact.ADULT_PRESENT not in info.facts:
        return False
    at_home = info.subjects_at(case.home_address_id)
    return bool(at_home) or bool(info.subjects_linked_to(case.child_id))


def _draft(
    info: SharedInformation, case: CaseSnapshot, adult: LinkedAdult, subject: LinkedSubject
) -> AlertDraft:
    recipients = (
        ({case.lead_social_worker} if case.lead_social_worker else set())
        | case.core_group
        | case.school_dsls
        | case.spocs
        | adult.offender_managers
    )
    return AlertDraft(
        kind=AlertKind.RISK_ADULT_AT_CHILD_ADDRESS,
        about=case.child_id,
        concerning=adult.person_id,
        recipients=frozenset(recipients - {info.sharer_id}),
        priority=Priority.URGENT,
        reason=(
            f"{info.agency_name} reported an adult at the child's home address "
            f"who {_why_risky(adult)}: {subject.explanation}"
        ),
        recommendation=RECOMMENDATION,
    )


def _why_risky(adult: LinkedAdult) -> str:
    if adult.contact != Contact.PERMITTED:
        return f"has {adult.contact} contact with the child"
    if adult.risk:
        return "poses a recorded risk to the child"
    return "is managed under MAPPA"
