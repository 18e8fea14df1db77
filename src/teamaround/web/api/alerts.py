"""My inbox of alerts, and acknowledging one."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from fastapi import APIRouter

from teamaround.services import alerts
from teamaround.web.api.deps import CurrentProfessional, UowDep

router = APIRouter(tags=["alerts"])


@router.get("/alerts")
def inbox(uow: UowDep, me: CurrentProfessional) -> list[dict[str, Any]]:
    return [asdict(item) for item in alerts.list_inbox(uow, actor_id=me)]


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge(alert_id: str, uow: UowDep, me: CurrentProfessional) -> dict[str, datetime]:
    return {"acknowledged_at": alerts.do_acknowledge_alert(uow, actor_id=me, alert_id=alert_id)}
