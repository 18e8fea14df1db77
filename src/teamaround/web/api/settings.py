"""The partnership's settings: acknowledgement time, challenge response days, match thresholds."""

from __future__ import annotations

from fastapi import APIRouter

from teamaround.services.partnership import SettingChange, list_settings
from teamaround.services.settings import do_change_setting
from teamaround.web.api.deps import CurrentProfessional, UowDep

router = APIRouter(tags=["partnership"])


@router.get("/settings")
def settings(uow: UowDep, me: CurrentProfessional) -> dict[str, int]:
    return list_settings(uow, actor_id=me)


@router.put("/settings/{key}")
def change(key: str, body: SettingChange, uow: UowDep, me: CurrentProfessional) -> dict[str, int]:
    """Only a Children's Social Care team manager may change a setting; it is audited."""
    do_change_setting(uow, actor_id=me, key=key, value=body.value)
    return {key: body.value}
