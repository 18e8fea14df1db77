"""The single gate: who may see a child's case. Deny by default, one condition a line.

Services load protected records only through `access_*_by_*` functions, which ask this
module; a refusal looks exactly like a record that does not exist.
"""

from __future__ import annotations

from enum import StrEnum

from teamaround.domain.case import CaseSnapshot


class CaseRole(StrEnum):
    LEAD_SOCIAL_WORKER = "lead-social-worker"
    CORE_GROUP = "core-group"
    SCHOOL_DSL = "school-dsl"
    SPOC = "spoc"
    TEAM_MANAGER = "team-manager"


def roles_on_case(professional_id: str, case: CaseSnapshot) -> frozenset[CaseRole]:
    roles = set()
    if professional_id == case.lead_social_worker:
        roles.add(CaseRole.LEAD_SOCIAL_WORKER)
    if professional_id in case.core_group:
        roles.add(CaseRole.CORE_GROUP)
    if professional_id in case.school_dsls:
        roles.add(CaseRole.SCHOOL_DSL)
    if professional_id in case.spocs:
        roles.add(CaseRole.SPOC)
    if professional_id in case.team_managers:
        roles.add(CaseRole.TEAM_MANAGER)
    return frozenset(roles)


def may_see_case(professional_id: str, case: CaseSnapshot) -> bool:
    return bool(roles_on_case(professional_id, case))
