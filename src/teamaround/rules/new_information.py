"""New information about a child on a plan reaches the lead social worker and the school.

Serves recommendations 9 and 11 of the Child O review: information from agencies outside
the core group must reach the social worker, and new information must reach the school.
"""

from __future__ import annotations

from teamaround.domain.case import CaseSnapshot
from teamaround.domain.sharing import AlertDraft, LinkedSubject, SharedInformation
from teamaround.domain.vocab import AlertKind, Priority

RECOMMENDATION = "Recommendations 9 and 11: share new information with the social worker and school"


def involvement(info: SharedInformation, case: CaseSnapshot) -> list[str]:
    """Plain reasons why this information concerns the child, empty when it does not."""
    reasons = [_describe_child(s) for s in info.subjects_linked_to(case.child_id)]
    for adult in case.adults:
        reasons += [
            f"it concerns an adult linked to the child ({adult.kind}): {s.explanation}"
            for s in info.subjects_linked_to(adult.person_id)
        ]
    if case.home_address_id is not None:
        reasons += [
            "it places someone at the child's home address"
            for _ in info.subjects_at(case.home_address_id)
        ]
    return reasons


def new_information(info: SharedInformation, case: CaseSnapshot) -> list[AlertDraft]:
    if not case.has_open_plan:
        return []
    reasons = involvement(info, case)
    if not reasons:
        return []
    recipients = _recipients(info, case)
    if not recipients:
        return []
    return [
        AlertDraft(
            kind=AlertKind.NEW_INFORMATION,
            about=case.child_id,
            recipients=recipients,
            priority=Priority.NORMAL,
            reason=f"{info.agency_name} shared information: " + "; ".join(dict.fromkeys(reasons)),
            recommendation=RECOMMENDATION,
        )
    ]


def _recipients(info: SharedInformation, case: CaseSnapshot) -> frozenset[str]:
    lead = {case.lead_social_worker} if case.lead_social_worker else set()
    wanted = lead if info.restricted else lead | case.school_dsls
    return frozenset(wanted - {info.sharer_id})


def _describe_child(subject: LinkedSubject) -> str:
    return f"it concerns the child: {subject.explanation}"
