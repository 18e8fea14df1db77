"""A MARAC listing tells the school and the social worker of every linked child.

Serves recommendation 7 of the Child O review: schools must know when a child is linked to
a MARAC discussion, so that they can contribute before the meeting.
"""

from __future__ import annotations

from datetime import date

from teamaround.domain.case import CaseSnapshot
from teamaround.domain.sharing import AlertDraft, SharedInformation
from teamaround.domain.vocab import AlertKind, Priority, SubjectRole

RECOMMENDATION = "Recommendation 7: tell schools when a child is linked to a MARAC discussion"


def marac_linked_child(
    info: SharedInformation, case: CaseSnapshot, meeting_date: date
) -> list[AlertDraft]:
    roles = [
        subject.role
        for adult in case.adults
        for subject in info.subjects_linked_to(adult.person_id)
    ] + [subject.role for subject in info.subjects_linked_to(case.child_id)]
    if not roles:
        return []
    lead = {case.lead_social_worker} if case.lead_social_worker else set()
    recipients = frozenset((lead | case.school_dsls) - {info.sharer_id})
    if not recipients:
        return []
    people = sorted({_as_words(r) for r in roles})
    who = " and ".join(people)
    verb = "are" if len(people) > 1 else "is"
    return [
        AlertDraft(
            kind=AlertKind.MARAC_LINKED_CHILD,
            about=case.child_id,
            recipients=recipients,
            priority=Priority.HIGH,
            reason=(
                f"The {who} in a case listed for MARAC on {meeting_date:%d %B %Y} {verb} linked to "
                "this child. Please contribute what you know before the meeting."
            ),
            recommendation=RECOMMENDATION,
        )
    ]


def _as_words(role: SubjectRole) -> str:
    return {SubjectRole.VICTIM: "victim", SubjectRole.PERPETRATOR: "perpetrator"}.get(
        role, "person"
    )
