"""The register kept by Children's Social Care: people, relationships, conditions, plans."""

from __future__ import annotations

from fastapi import APIRouter, status

from teamaround.services import register
from teamaround.services.commands import (
    ConditionsSet,
    MergeInto,
    PeopleMerge,
    PersonCreate,
    PersonUpdate,
    PlanEnd,
    PlanStart,
    RelationshipCreate,
)
from teamaround.web.api.deps import CurrentProfessional, UowDep

router = APIRouter(tags=["register"])


@router.post("/people", status_code=status.HTTP_201_CREATED)
def add_person(body: PersonCreate, uow: UowDep, me: CurrentProfessional) -> dict[str, str]:
    register.do_add_person(uow, actor_id=me, person=body)
    return {"id": body.id}


@router.patch("/people/{person_id}")
def update_person(
    person_id: str, body: PersonUpdate, uow: UowDep, me: CurrentProfessional
) -> dict[str, str | int]:
    """Correct a person's identity; only the fields sent change. Send the `version` this
    response (or the record's page) gave: a correction against an older one is refused (409)
    rather than undo another keeper's."""
    version = register.do_update_person(uow, actor_id=me, person_id=person_id, change=body)
    return {"id": person_id, "version": version}


@router.post("/people/{person_id}/merge")
def merge_person(
    person_id: str, body: MergeInto, uow: UowDep, me: CurrentProfessional
) -> dict[str, str]:
    """Fold this record into `into`, another record of the same person, which survives."""
    merge = PeopleMerge(duplicate=person_id, into=body.into)
    register.do_merge_people(uow, actor_id=me, merge=merge)
    return {"id": body.into, "merged": person_id}


@router.post("/relationships", status_code=status.HTTP_201_CREATED)
def relate(body: RelationshipCreate, uow: UowDep, me: CurrentProfessional) -> dict[str, str]:
    register.do_relate(uow, actor_id=me, relationship=body)
    return {"child": body.child, "adult": body.adult}


@router.post("/conditions", status_code=status.HTTP_201_CREATED)
def set_conditions(body: ConditionsSet, uow: UowDep, me: CurrentProfessional) -> dict[str, int]:
    register.do_set_conditions(uow, actor_id=me, conditions=body)
    return {"recorded": len(body.conditions)}


@router.post("/plans", status_code=status.HTTP_201_CREATED)
def start_plan(body: PlanStart, uow: UowDep, me: CurrentProfessional) -> dict[str, int]:
    return {"id": register.do_start_plan(uow, actor_id=me, plan=body)}


@router.post("/plans/end")
def end_plan(body: PlanEnd, uow: UowDep, me: CurrentProfessional) -> dict[str, str]:
    register.do_end_plan(uow, actor_id=me, plan=body)
    return {"ended": body.plan}
