"""Prompts that carry the Child O review's recommendations 1 to 5 into daily work.

Each prompt reads the case and the structured facts agencies shared, never free text alone,
and is open while its condition holds. The returned reasons are shown to professionals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from teamaround.domain.case import CaseHistory, SharedFacts
from teamaround.domain.vocab import AgencyKind, Fact, MeetingType, PromptKind

HEALTH = frozenset(
    {
        AgencyKind.GP,
        AgencyKind.HEALTH_VISITING,
        AgencyKind.CAMHS,
        AgencyKind.HOSPITAL,
        AgencyKind.MENTAL_HEALTH,
    }
)
# Agencies that hold an ongoing role with an adult (a case, a licence, a service), as
# opposed to forums (MARAC), emergency contacts (999/111, police) or the plan's own members.
CASE_HOLDING = frozenset(
    {
        AgencyKind.PROBATION,
        AgencyKind.SUBSTANCE_MISUSE,
        AgencyKind.MENTAL_HEALTH,
        AgencyKind.DOMESTIC_ABUSE_SERVICE,
        AgencyKind.HOUSING,
        AgencyKind.GP,
        AgencyKind.HOSPITAL,
        AgencyKind.CAMHS,
        AgencyKind.HEALTH_VISITING,
    }
)
TRAUMA = frozenset({Fact.DOMESTIC_ABUSE, Fact.INJURY, Fact.CHILD_LEFT_ALONE})
CONTRADICTING = frozenset({Fact.DOMESTIC_ABUSE, Fact.INJURY, Fact.ADULT_PRESENT})
OPEN_ROLE_WINDOW = timedelta(days=183)
DISCUSSIONS = (MeetingType.COMPLEX_CASE_DISCUSSION, MeetingType.STRATEGY)

RECOMMENDATIONS = {
    PromptKind.SEEK_OTHER_AGENCY_INFORMATION: "Recommendation 1",
    PromptKind.INVITE_AGENCY: "Recommendation 1",
    PromptKind.HEALTH_INPUT_FOR_ADULTS: "Recommendation 1",
    PromptKind.EMOTIONAL_HEALTH_NEEDS: "Recommendations 2 and 3",
    PromptKind.CHILD_DA_SUPPORT_REFERRAL: "Recommendation 4",
    PromptKind.COMPLEX_CASE_DISCUSSION: "Recommendation 5",
}


@dataclass(frozen=True, slots=True)
class Invitation:
    """An agency to consider inviting to the core group, and why."""

    agency_id: str
    kind: AgencyKind
    why: str


def open_prompts(history: CaseHistory, now: datetime) -> dict[PromptKind, str]:
    """Every prompt whose condition holds now, with the reason in words."""
    if not history.case.has_open_plan:
        return {}
    checks = {
        PromptKind.SEEK_OTHER_AGENCY_INFORMATION: _seek_other_agency_information,
        PromptKind.HEALTH_INPUT_FOR_ADULTS: _health_input_for_adults,
        PromptKind.EMOTIONAL_HEALTH_NEEDS: _emotional_health_needs,
        PromptKind.CHILD_DA_SUPPORT_REFERRAL: _child_da_support_referral,
        PromptKind.COMPLEX_CASE_DISCUSSION: _complex_case_discussion,
    }
    found = {kind: check(history) for kind, check in checks.items()}
    invitations = agencies_to_invite(history, now)
    if invitations:
        found[PromptKind.INVITE_AGENCY] = "; ".join(i.why for i in invitations)
    return {kind: reason for kind, reason in found.items() if reason}


def agencies_to_invite(history: CaseHistory, now: datetime) -> list[Invitation]:
    """Agencies with an open role with an adult around the child, not in the core group."""
    invitations: dict[str, Invitation] = {}
    for adult in history.case.adults:
        for agency_id in _offender_management_agencies(history, adult.offender_managers):
            invitations.setdefault(
                agency_id,
                Invitation(
                    agency_id,
                    AgencyKind.PROBATION,
                    f"probation manages {adult.kind.replace('-', ' ')} (an adult around the child)",
                ),
            )
    for agency_id, latest in _latest_by_agency(history).items():
        kind = history.agency_kind(agency_id)
        if kind not in CASE_HOLDING or agency_id in invitations:
            continue
        if now - latest.at > OPEN_ROLE_WINDOW or latest.facts & _ENDED_INVOLVEMENT:
            continue
        if latest.adults or latest.concerns_child:
            invitations[agency_id] = Invitation(
                agency_id, kind, f"{kind.replace('-', ' ')} is involved with the family"
            )
    return [i for i in invitations.values() if i.agency_id not in history.core_group_agencies]


_ENDED_INVOLVEMENT = frozenset({Fact.CLOSING_INVOLVEMENT, Fact.SUPPORT_DECLINED})


def _offender_management_agencies(history: CaseHistory, managers: frozenset[str]) -> set[str]:
    return history.case.manager_agencies(managers)


def _latest_by_agency(history: CaseHistory) -> dict[str, SharedFacts]:
    latest: dict[str, SharedFacts] = {}
    for contribution in history.contributions:
        latest[contribution.agency_id] = contribution
    return latest


def _seek_other_agency_information(history: CaseHistory) -> str | None:
    count = len(history.core_group_agencies)
    if count > 2:
        return None
    return (
        f"The core group has {count} agenc{'y' if count == 1 else 'ies'}. Seek information "
        "actively from other agencies that may know the family, and consider it together."
    )


def _no_health_needs(history: CaseHistory) -> SharedFacts | None:
    found = [
        c for c in history.contributions if Fact.NO_HEALTH_NEEDS in c.facts and c.concerns_child
    ]
    return found[-1] if found else None


def _health_input_for_adults(history: CaseHistory) -> str | None:
    if _no_health_needs(history) is None or not history.case.adults:
        return None
    if any(history.agency_kind(a) in HEALTH for a in history.core_group_agencies):
        return None
    return (
        "No unmet health needs were found for the child, but health services may hold "
        "information on the adults around the child. Consider asking them."
    )


def _emotional_health_needs(history: CaseHistory) -> str | None:
    if _no_health_needs(history) is None:
        return None
    trauma = sorted({str(f) for c in history.contributions for f in c.facts & TRAUMA})
    if not trauma:
        return None
    return (
        "No health needs were identified, but the child has experienced "
        f"{', '.join(t.replace('-', ' ') for t in trauma)}. Assume there may be emotional "
        "health needs and consider how they will be met."
    )


def _child_da_support_referral(history: CaseHistory) -> str | None:
    declined = [
        c
        for c in history.contributions
        if {Fact.SUPPORT_DECLINED, Fact.DOMESTIC_ABUSE} <= c.facts and c.adults
    ]
    if not declined:
        return None
    return (
        "A parent or carer declined domestic abuse support. The child can be referred for "
        "support in their own right, with consent."
    )


def _complex_case_discussion(history: CaseHistory) -> str | None:
    since = history.last_meeting(*DISCUSSIONS)
    recent = [c for c in history.contributions if since is None or c.at > since.at]
    denials = [c for c in recent if Fact.DENIAL in c.facts]
    if denials:
        others = [
            c
            for c in history.contributions
            if c.facts & CONTRADICTING and c.agency_id != denials[-1].agency_id
        ]
        if others:
            return (
                "A parent's or carer's denial stands against information from other agencies. "
                "Consider a complex case discussion or group supervision to weigh it together."
            )
    urgent = [at for at in history.urgent_alerts if since is None or at > since.at]
    if len(urgent) >= 2:
        return (
            "Information has more than once placed an adult who poses a risk with the child. "
            "Consider a complex case discussion."
        )
    return None
