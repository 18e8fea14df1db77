"""Meetings about a child and the core group."""

from __future__ import annotations

from fastapi import APIRouter, status

from teamaround.services import meetings
from teamaround.services.commands import CoreGroupChange, MeetingCreate
from teamaround.web.api.deps import CurrentProfessional, UowDep

router = APIRouter(tags=["meetings"])


@router.post("/meetings", status_code=status.HTTP_201_CREATED)
def hold_meeting(body: MeetingCreate, uow: UowDep, me: CurrentProfessional) -> dict[str, str]:
    return {"id": meetings.do_hold_meeting(uow, actor_id=me, meeting=body)}


@router.post("/core-group")
def change_core_group(
    body: CoreGroupChange, uow: UowDep, me: CurrentProfessional
) -> dict[str, str]:
    meetings.do_change_core_group(uow, actor_id=me, change=body)
    return {"child": body.child}
