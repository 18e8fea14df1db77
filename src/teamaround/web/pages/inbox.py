"""My inbox: the alerts raised for me, why each was raised, and acknowledging one."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from teamaround.services import alerts
from teamaround.services.errors import NotFound
from teamaround.web.pages import state
from teamaround.web.pages.session import Me, refused
from teamaround.web.pages.templating import render, see_other

router = APIRouter()


@router.get("/inbox")
def inbox(request: Request, me: Me) -> Response:
    try:
        items = alerts.list_inbox(request.app.state.uow, actor_id=me)
    except NotFound as exc:
        return refused(request, exc)
    waiting = sum(1 for item in items if item.acknowledged_at is None)
    return render(request, "inbox.html", {"alerts": items, "waiting": waiting})


@router.post("/inbox/{alert_id}/acknowledge")
def acknowledge(request: Request, alert_id: str, me: Me) -> Response:
    try:
        alerts.do_acknowledge_alert(request.app.state.uow, actor_id=me, alert_id=alert_id)
    except NotFound as exc:
        return refused(request, exc)
    state.flash(request, "Alert acknowledged", "Your acknowledgement is recorded with the time.")
    return see_other("/inbox")
